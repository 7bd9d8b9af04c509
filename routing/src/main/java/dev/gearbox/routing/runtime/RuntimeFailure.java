package dev.gearbox.routing.runtime;

import java.time.Duration;

/**
 * A runtime call that failed, classified the way the router must react to it.
 *
 * <p>{@link Kind#UNAVAILABLE} before the first token is the only kind the router retries.
 */
public final class RuntimeFailure extends RuntimeException {

  /** How the router reacts to a failure. */
  public enum Kind {
    /** The request itself is wrong (bad placement, prompt too long): 400/404, never retried. */
    INVALID_REQUEST,
    /** The runtime is full and shedding load: 503 with Retry-After. */
    SATURATED,
    /** The runtime is down, starting or draining: 503 with Retry-After; retried before tokens. */
    UNAVAILABLE,
    /** The per-call deadline passed: 504. */
    DEADLINE,
    /** Anything else: 500. */
    INTERNAL
  }

  private final Kind kind;
  private final Duration retryAfter;

  public RuntimeFailure(Kind kind, String message, Duration retryAfter, Throwable cause) {
    super(message, cause);
    this.kind = kind;
    this.retryAfter = retryAfter;
  }

  public RuntimeFailure(Kind kind, String message) {
    this(kind, message, Duration.ofSeconds(1), null);
  }

  /** What went wrong, in routing terms. */
  public Kind kind() {
    return kind;
  }

  /** How long the client should wait before retrying (for SATURATED and UNAVAILABLE). */
  public Duration retryAfter() {
    return retryAfter;
  }
}
