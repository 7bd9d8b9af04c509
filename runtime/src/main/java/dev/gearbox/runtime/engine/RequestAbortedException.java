package dev.gearbox.runtime.engine;

/** A request ended early because its client cancelled or its deadline passed. */
public final class RequestAbortedException extends RuntimeException {
  /** Why the request was aborted. */
  public enum Cause {
    CANCELLED,
    DEADLINE_EXCEEDED,
    /** The client stopped reading its stream for longer than the engine's paused timeout. */
    STALLED
  }

  private final Cause cause;

  public RequestAbortedException(Cause cause, String message) {
    super(message);
    this.cause = cause;
  }

  /** Cancellation by the client or an expired deadline. */
  public Cause abortCause() {
    return cause;
  }
}
