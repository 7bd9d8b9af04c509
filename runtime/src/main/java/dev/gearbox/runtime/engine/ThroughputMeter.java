package dev.gearbox.runtime.engine;

/** Tokens per second over a sliding window of a few seconds, fed by the scheduler thread. */
final class ThroughputMeter {
  private static final long SAMPLE_NANOS = 250_000_000L;
  private final long[] times = new long[20];
  private final long[] totals = new long[20];
  private int next;
  private int size;
  private long total;

  synchronized void add(long tokens, long nowNanos) {
    total += tokens;
    tick(nowNanos);
  }

  synchronized void tick(long nowNanos) {
    int last = (next - 1 + times.length) % times.length;
    if (size == 0 || nowNanos - times[last] >= SAMPLE_NANOS) {
      times[next] = nowNanos;
      totals[next] = total;
      next = (next + 1) % times.length;
      size = Math.min(size + 1, times.length);
    }
  }

  synchronized long total() {
    return total;
  }

  /** Rate between the oldest sample in the window and now. */
  synchronized double perSecond(long nowNanos) {
    if (size == 0) {
      return 0;
    }
    int oldest = (next - size + times.length) % times.length;
    long dt = nowNanos - times[oldest];
    return dt <= 0 ? 0 : (total - totals[oldest]) * 1e9 / dt;
  }
}
