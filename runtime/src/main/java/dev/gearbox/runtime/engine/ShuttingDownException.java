package dev.gearbox.runtime.engine;

/** The engine is draining or stopped and takes no new work; the client should go elsewhere. */
public final class ShuttingDownException extends RuntimeException {
  public ShuttingDownException(String message) {
    super(message);
  }
}
