package dev.gearbox.e2e.cluster;

import java.time.Duration;
import java.util.function.Supplier;

/** Polls the cluster until a condition holds, failing with what it last saw. */
public final class Await {
  private static final Duration POLL = Duration.ofMillis(250);

  private Await() {}

  /**
   * Waits until {@code check} returns null (condition met) or the timeout passes; a non-null return
   * is the reason it is not met yet, shown if it never is.
   */
  public static void until(String what, Duration timeout, Runnable guard, Supplier<String> check) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String reason = "never checked";
    while (true) {
      guard.run();
      try {
        reason = check.get();
      } catch (RuntimeException e) {
        // The API may refuse while a resource is being created or deleted; poll again.
        reason = e.toString();
      }
      if (reason == null) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "timed out after " + timeout + " waiting for " + what + ": " + reason);
      }
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what, e);
      }
    }
  }
}
