package dev.gearbox.runtime.checkpoint;

/** A checkpoint file or config that cannot be used; the message names the file and the tensor. */
public final class CheckpointException extends RuntimeException {
  public CheckpointException(String message) {
    super(message);
  }

  public CheckpointException(String message, Throwable cause) {
    super(message, cause);
  }
}
