package dev.gearbox.runtime.engine;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * A latency histogram with fixed bucket bounds whose counts only grow, for the Stats RPC.
 *
 * <p>Written by hand rather than read back from Micrometer because Micrometer's histogram counts
 * depend on the registry (cumulative under Prometheus, a rotating two-minute window under most
 * others), while a reader that subtracts two Stats answers needs counts that never decay.
 */
public final class LatencyHistogram {
  /** Bucket upper bounds in seconds: 1 ms to 60 s, about two per decade step. */
  public static final double[] UPPER_BOUNDS_SECONDS = {
    0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0,
    1.5, 2.0, 3.0, 5.0, 7.5, 10.0, 20.0, 30.0, 60.0
  };

  private final AtomicLongArray buckets = new AtomicLongArray(UPPER_BOUNDS_SECONDS.length);
  private final LongAdder count = new LongAdder();
  private final DoubleAdder sumSeconds = new DoubleAdder();

  /** Counts one observation. */
  public void record(long nanos) {
    double seconds = nanos / 1e9;
    count.increment();
    sumSeconds.add(seconds);
    for (int i = 0; i < UPPER_BOUNDS_SECONDS.length; i++) {
      if (seconds <= UPPER_BOUNDS_SECONDS[i]) {
        buckets.incrementAndGet(i);
        return;
      }
    }
  }

  /** The counts now, cumulative over buckets (each includes every lower bucket). */
  public Snapshot snapshot() {
    long[] cumulative = new long[UPPER_BOUNDS_SECONDS.length];
    long running = 0;
    for (int i = 0; i < cumulative.length; i++) {
      running += buckets.get(i);
      cumulative[i] = running;
    }
    return new Snapshot(cumulative, Math.max(running, count.sum()), sumSeconds.sum());
  }

  /**
   * Counts at one moment.
   *
   * @param cumulativeCounts observations at most {@code UPPER_BOUNDS_SECONDS[i]}
   * @param count all observations
   * @param sumSeconds their sum
   */
  public record Snapshot(long[] cumulativeCounts, long count, double sumSeconds) {}
}
