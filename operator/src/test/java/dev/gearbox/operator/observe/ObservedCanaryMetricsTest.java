package dev.gearbox.operator.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.crds.HybridModel;
import dev.gearbox.operator.observe.LoadObserverTest.MovableClock;
import dev.gearbox.operator.rollout.CanaryMetrics.Window;
import dev.gearbox.runtime.api.v1.LatencyHistogram;
import dev.gearbox.runtime.api.v1.PlacementStats;
import dev.gearbox.runtime.api.v1.StatsResponse;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ObservedCanaryMetricsTest {
  static final List<Double> BOUNDS = List.of(0.1, 0.5, 1.0, 5.0);

  /** A cumulative histogram whose {@code n} observations all lie in the bucket up to {@code le}. */
  static LatencyHistogram histogram(long n, double le) {
    LatencyHistogram.Builder h = LatencyHistogram.newBuilder().addAllUpperBoundsSeconds(BOUNDS);
    for (double bound : BOUNDS) {
      h.addCumulativeCounts(bound >= le ? n : 0);
    }
    return h.setCount(n).build();
  }

  static StatsResponse stats(long turboFirstTokens) {
    return StatsResponse.newBuilder()
        .addPlacements(
            PlacementStats.newBuilder()
                .setName("turbo")
                .setTimeToFirstToken(histogram(turboFirstTokens, 1.0))
                .setTimePerOutputToken(histogram(turboFirstTokens * 10, 0.1)))
        .build();
  }

  @Test
  void aStepIsJudgedOnTheRoundsSinceItBegan() {
    MovableClock clock = new MovableClock();
    long[] served = {0};
    StatsSource source = (target, timeout) -> CompletableFuture.completedFuture(stats(served[0]));
    HybridModel model = new HybridModel();
    model.setMetadata(new ObjectMetaBuilder().withName("m").withNamespace("ns").build());
    try (LoadObserver observer =
        new LoadObserver(
            source, p -> Optional.of("pod"), Duration.ofHours(1), Duration.ofMillis(200), clock)) {
      List<Pod> pods = List.of(LoadObserverTest.pod("pod", "True", false));
      observer.track("ns", "m", () -> pods, Duration.ofMinutes(10));
      ObservedCanaryMetrics metrics = new ObservedCanaryMetrics(observer);

      served[0] = 100; // before the step: must not count
      observer.pollAll();
      clock.now = clock.now.plusSeconds(10);
      Instant stepStart = clock.now;
      observer.pollAll();
      assertTrue(
          metrics.observe(model, "turbo", stepStart).isEmpty(),
          "one round since the step is a snapshot, not a window");

      served[0] = 140;
      clock.now = clock.now.plusSeconds(10);
      observer.pollAll();
      Window turbo = metrics.observe(model, "turbo", stepStart).orElseThrow();
      assertEquals(40, turbo.requests(), "first tokens since the step only");
      assertEquals(0, turbo.errors());
      assertTrue(turbo.ttftP95Ms() > 500 && turbo.ttftP95Ms() <= 1000, "in the 0.5-1 s bucket");
      assertTrue(turbo.tpotP95Ms() <= 100, "in the first bucket: " + turbo.tpotP95Ms());

      Window baseline = metrics.observe(model, "all-fa", stepStart).orElseThrow();
      assertEquals(0, baseline.requests(), "a placement that served nothing is an empty window");
      assertNull(baseline.ttftP95Ms());
    }
  }
}
