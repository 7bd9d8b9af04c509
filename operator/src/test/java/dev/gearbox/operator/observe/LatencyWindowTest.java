package dev.gearbox.operator.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.runtime.api.v1.LatencyHistogram;
import dev.gearbox.runtime.api.v1.PlacementStats;
import dev.gearbox.runtime.api.v1.StatsResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LatencyWindowTest {
  static final double[] BOUNDS = dev.gearbox.runtime.engine.LatencyHistogram.UPPER_BOUNDS_SECONDS;

  /** A cumulative histogram with {@code n[i]} observations of {@code seconds[i]} each. */
  static LatencyHistogram histogram(double[] seconds, long[] n) {
    LatencyHistogram.Builder b = LatencyHistogram.newBuilder();
    long total = 0;
    for (long c : n) {
      total += c;
    }
    for (double bound : BOUNDS) {
      long at = 0;
      for (int i = 0; i < seconds.length; i++) {
        if (seconds[i] <= bound) {
          at += n[i];
        }
      }
      b.addUpperBoundsSeconds(bound).addCumulativeCounts(at);
    }
    return b.setCount(total).build();
  }

  static StatsResponse stats(String placement, LatencyHistogram ttft, LatencyHistogram tpot) {
    return StatsResponse.newBuilder()
        .addPlacements(
            PlacementStats.newBuilder()
                .setName(placement)
                .setTimeToFirstToken(ttft)
                .setTimePerOutputToken(tpot))
        .build();
  }

  static Round round(int second, Map<String, StatsResponse> answers) {
    return new Round(Instant.EPOCH.plusSeconds(second), answers.size(), answers);
  }

  @Test
  void quantileInterpolatesWithinTheBucketLikeHistogramQuantile() {
    double[] bounds = {0.1, 0.2, 0.4};
    // 50 at <=0.1, 50 in (0.1,0.2], none above: p95 is 90 % into the second bucket.
    assertEquals(0.19, LatencyWindow.quantile(0.95, bounds, new long[] {50, 100, 100, 100}), 1e-9);
    assertEquals(0.4, LatencyWindow.quantile(0.95, bounds, new long[] {0, 0, 0, 10}), 1e-9);
    assertTrue(Double.isNaN(LatencyWindow.quantile(0.95, bounds, new long[] {0, 0, 0, 0})));
  }

  @Test
  void windowCountsOnlyWhatHappenedInsideItSummedOverPods() {
    LatencyHistogram none = histogram(new double[] {}, new long[] {});
    // Pod a: 1000 fast requests before the window, then 100 more at 1.2 s inside it.
    StatsResponse aBefore = stats("turbo", histogram(new double[] {0.05}, new long[] {1000}), none);
    StatsResponse aAfter =
        stats("turbo", histogram(new double[] {0.05, 1.2}, new long[] {1000, 100}), none);
    // Pod b: 100 requests at 0.05 s inside the window.
    StatsResponse bBefore = stats("turbo", none, none);
    StatsResponse bAfter = stats("turbo", histogram(new double[] {0.05}, new long[] {100}), none);
    List<LatencyWindow.Placement> out =
        LatencyWindow.of(
            List.of(
                round(0, Map.of("a", aBefore, "b", bBefore)),
                round(60, Map.of("a", aAfter, "b", bAfter))));
    assertEquals(1, out.size());
    assertEquals(200, out.getFirst().samples());
    // Half the window's requests took 1.2 s: the p95 lies in the (1.0, 1.5] bucket.
    assertTrue(out.getFirst().ttftP95Seconds() > 1.0 && out.getFirst().ttftP95Seconds() <= 1.5);
  }

  @Test
  void aRestartedRuntimeCountsFromZero() {
    LatencyHistogram none = histogram(new double[] {}, new long[] {});
    StatsResponse before = stats("fa", histogram(new double[] {0.05}, new long[] {500}), none);
    StatsResponse restarted = stats("fa", histogram(new double[] {2.5}, new long[] {20}), none);
    List<LatencyWindow.Placement> out =
        LatencyWindow.of(List.of(round(0, Map.of("a", before)), round(30, Map.of("a", restarted))));
    assertEquals(20, out.getFirst().samples());
    assertTrue(out.getFirst().ttftP95Seconds() > 2.0, "only the 20 slow requests since restart");
  }

  @Test
  void placementsWithoutRequestsInTheWindowAreLeftOut() {
    StatsResponse same =
        stats("idle", histogram(new double[] {0.05}, new long[] {10}), histogram(new double[] {}, new long[] {}));
    assertEquals(List.of(), LatencyWindow.of(List.of(round(0, Map.of("a", same)), round(10, Map.of("a", same)))));
  }
}
