package dev.gearbox.routing.slo;

import java.util.Arrays;

/**
 * The most recent samples of one latency, kept in a fixed ring so recording allocates nothing;
 * percentiles are computed on demand from the samples younger than the window.
 */
public final class RollingWindow {

  private final double[] values;
  private final long[] times;
  private final long windowNanos;
  private int next;
  private int size;

  public RollingWindow(int capacity, long windowNanos) {
    this.values = new double[capacity];
    this.times = new long[capacity];
    this.windowNanos = windowNanos;
  }

  /** Records one sample taken at {@code nowNanos}. */
  public synchronized void record(double value, long nowNanos) {
    values[next] = value;
    times[next] = nowNanos;
    next = (next + 1) % values.length;
    size = Math.min(size + 1, values.length);
  }

  /**
   * The given percentiles (0..1) of samples younger than the window, nearest-rank; NaN when there
   * are none.
   */
  public synchronized Snapshot snapshot(long nowNanos, double... quantiles) {
    double[] live = new double[size];
    int n = 0;
    for (int i = 0; i < size; i++) {
      if (nowNanos - times[i] <= windowNanos) {
        live[n++] = values[i];
      }
    }
    Arrays.sort(live, 0, n);
    double[] out = new double[quantiles.length];
    for (int q = 0; q < quantiles.length; q++) {
      out[q] = n == 0 ? Double.NaN : live[Math.max(0, (int) Math.ceil(quantiles[q] * n) - 1)];
    }
    return new Snapshot(n, out);
  }

  /**
   * Percentiles of a window.
   *
   * @param count samples in the window
   * @param values one value per requested quantile
   */
  public record Snapshot(int count, double[] values) {}
}
