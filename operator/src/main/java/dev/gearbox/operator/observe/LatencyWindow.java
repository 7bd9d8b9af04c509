package dev.gearbox.operator.observe;

import dev.gearbox.runtime.api.v1.LatencyHistogram;
import dev.gearbox.runtime.api.v1.PlacementStats;
import dev.gearbox.runtime.api.v1.StatsResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Percentiles of latency over a window, from the runtimes' cumulative histograms: per pod the
 * newest counts minus the oldest counts in the window, summed over pods, then the rank located and
 * interpolated within its bucket (Prometheus' {@code histogram_quantile}). Summing counts before
 * the percentile is what makes a p95 over several pods meaningful; averaging per-pod p95s is not.
 */
public final class LatencyWindow {
  private LatencyWindow() {}

  /**
   * Latency of one placement over the rounds given (oldest first).
   *
   * @param ttftP95Seconds NaN when no request finished its first token in the window
   * @param tpotP95Seconds NaN when no second token was produced in the window
   * @param samples first tokens in the window
   */
  public record Placement(
      String name, double ttftP95Seconds, double tpotP95Seconds, long samples) {}

  /** Per placement that produced a token in the window, in the order the runtimes list them. */
  public static List<Placement> of(List<Round> rounds) {
    Map<String, StatsResponse> oldest = new LinkedHashMap<>();
    Map<String, StatsResponse> newest = new LinkedHashMap<>();
    for (Round r : rounds) {
      r.answers().forEach((pod, stats) -> {
        oldest.putIfAbsent(pod, stats);
        newest.put(pod, stats);
      });
    }
    Map<String, long[]> ttft = new LinkedHashMap<>();
    Map<String, long[]> tpot = new LinkedHashMap<>();
    Map<String, double[]> bounds = new LinkedHashMap<>();
    for (Map.Entry<String, StatsResponse> e : newest.entrySet()) {
      StatsResponse first = oldest.get(e.getKey());
      for (PlacementStats now : e.getValue().getPlacementsList()) {
        PlacementStats before = find(first, now.getName());
        add(ttft, bounds, now.getName(), now, before, PlacementStats::getTimeToFirstToken);
        add(tpot, new LinkedHashMap<>(), now.getName(), now, before,
            PlacementStats::getTimePerOutputToken);
      }
    }
    List<Placement> out = new ArrayList<>();
    for (String name : ttft.keySet()) {
      long[] t = ttft.get(name);
      long[] p = tpot.get(name);
      double[] b = bounds.get(name);
      long samples = t[t.length - 1];
      if (samples == 0 && (p == null || p[p.length - 1] == 0)) {
        continue;
      }
      out.add(
          new Placement(
              name, quantile(0.95, b, t), p == null ? Double.NaN : quantile(0.95, b, p), samples));
    }
    return out;
  }

  /**
   * Adds one pod's window delta to {@code into}: bucket counts then the total in the last slot. A
   * count that went down means the runtime restarted; then the newer counts are the delta.
   */
  private static void add(
      Map<String, long[]> into,
      Map<String, double[]> bounds,
      String name,
      PlacementStats now,
      PlacementStats before,
      Function<PlacementStats, LatencyHistogram> which) {
    LatencyHistogram n = which.apply(now);
    LatencyHistogram b = before == null ? null : which.apply(before);
    int buckets = n.getCumulativeCountsCount();
    if (b != null
        && (b.getCumulativeCountsCount() != buckets || b.getCount() > n.getCount())) {
      b = null;
    }
    long[] sum = into.computeIfAbsent(name, k -> new long[buckets + 1]);
    if (sum.length != buckets + 1) {
      return; // a runtime with other bucket bounds: cannot be summed, left out
    }
    bounds.putIfAbsent(name, n.getUpperBoundsSecondsList().stream().mapToDouble(d -> d).toArray());
    for (int i = 0; i < buckets; i++) {
      sum[i] += n.getCumulativeCounts(i) - (b == null ? 0 : b.getCumulativeCounts(i));
    }
    sum[buckets] += n.getCount() - (b == null ? 0 : b.getCount());
  }

  /**
   * The q-quantile of cumulative bucket counts ({@code counts[i]} at most {@code bounds[i]}, the
   * last slot the total), linearly interpolated within the bucket; observations above the last
   * bound report the last bound. NaN when there are none.
   */
  static double quantile(double q, double[] bounds, long[] counts) {
    long total = counts[counts.length - 1];
    if (total == 0) {
      return Double.NaN;
    }
    double rank = q * total;
    for (int i = 0; i < bounds.length; i++) {
      if (counts[i] >= rank) {
        double lower = i == 0 ? 0 : bounds[i - 1];
        long below = i == 0 ? 0 : counts[i - 1];
        long in = counts[i] - below;
        return in == 0 ? bounds[i] : lower + (bounds[i] - lower) * (rank - below) / in;
      }
    }
    return bounds[bounds.length - 1];
  }

  private static PlacementStats find(StatsResponse stats, String name) {
    for (PlacementStats p : stats.getPlacementsList()) {
      if (p.getName().equals(name)) {
        return p;
      }
    }
    return null;
  }
}
