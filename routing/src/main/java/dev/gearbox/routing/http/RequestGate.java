package dev.gearbox.routing.http;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts completion requests in flight and closes the door for a drain: once draining, new requests
 * get 503 so the Service's other pods take them, while admitted ones run to the end.
 */
public final class RequestGate {

  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean draining;

  /** Admits one request unless draining. */
  boolean enter() {
    if (draining) {
      return false;
    }
    inFlight.incrementAndGet();
    return true;
  }

  void leave() {
    inFlight.decrementAndGet();
  }

  /** Stops admitting requests; in-flight ones continue. */
  public void startDrain() {
    draining = true;
  }

  public boolean draining() {
    return draining;
  }

  /** Completion requests admitted and not yet answered. */
  public int inFlight() {
    return inFlight.get();
  }
}
