package dev.gearbox.runtime.engine;

import java.time.Duration;

/** The engine cannot take the request now (memory and waiting queue full); retrying later may. */
public final class OverloadedException extends RuntimeException {
  private final Duration retryAfter;

  public OverloadedException(String message, Duration retryAfter) {
    super(message);
    this.retryAfter = retryAfter;
  }

  /** How long the client should wait before retrying. */
  public Duration retryAfter() {
    return retryAfter;
  }
}
