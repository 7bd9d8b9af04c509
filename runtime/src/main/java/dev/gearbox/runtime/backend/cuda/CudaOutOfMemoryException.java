package dev.gearbox.runtime.backend.cuda;

/** A device allocation failed; the message names the request and what was free. */
public final class CudaOutOfMemoryException extends RuntimeException {
  public CudaOutOfMemoryException(String message) {
    super(message);
  }
}
