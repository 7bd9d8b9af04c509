package dev.gearbox.operator.autoscale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.crds.ScalingSpec;
import dev.gearbox.operator.observe.Round;
import dev.gearbox.runtime.api.v1.StatsResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The autoscaler on recorded series (10 s rounds, default windows: up 60 s, down 300 s, target
 * 0.7, tolerance 0.1, pods ready 30 s after they are added).
 */
class AutoscalerTest {
  static final Duration TICK = Duration.ofSeconds(10);
  static final Duration START = Duration.ofSeconds(30);

  static ScalingPolicy policy(int min, int max) {
    ScalingSpec spec = new ScalingSpec();
    spec.setMinReplicas(min);
    spec.setMaxReplicas(max);
    return ScalingPolicy.of(spec);
  }

  TestingLoad load(int min, int max, int start) {
    return new TestingLoad(policy(min, max), start, TICK, START);
  }

  @Test
  void aBurstShorterThanTheScaleUpWindowIsLeftToTheGearShift() {
    // 40 s at full memory: the router shifts requests to the turbo placement meanwhile.
    TestingLoad load =
        load(1, 4, 1).run(0, 120, t -> 0.3).run(120, 40, t -> 1.2).run(160, 600, t -> 0.3);
    assertEquals(Collections.nCopies(load.replicas.size(), 1), load.replicas, load.reasons.toString());
    assertTrue(
        load.reasons.get(14).startsWith("pressure for less than the scale-up window"),
        load.reasons.get(14));
  }

  @Test
  void pressureThatOutlastsTheWindowAddsPodsOnceAndWaitsForThemToStart() {
    TestingLoad load = load(1, 4, 1).run(0, 60, t -> 0.3).run(60, 300, t -> 1.9);
    // Pressure from t=60 s; the window is full 60 s later.
    assertEquals(120, load.firstChangeFrom(1, 0), load.reasons.toString());
    // ceil(demand 1.0 (one pod at 100 %) / 0.7) = 2 first; once both pods run, 1.9 / 0.7 -> 3.
    assertEquals(2, load.replicas.get(12));
    assertEquals(3, load.replicas.getLast(), load.reasons.toString());
    assertEquals(0, load.directionChanges());
    assertTrue(
        load.reasons.stream().anyMatch(r -> r.contains("still starting")), load.reasons.toString());
  }

  @Test
  void aSlowRampScalesUpStepByStepWithoutFlapping() {
    // Demand grows from 0.2 to 2.6 pods over 20 minutes.
    TestingLoad load = load(1, 6, 1).run(0, 1200, t -> 0.2 + 2.4 * t / 1200.0);
    assertEquals(0, load.directionChanges(), load.replicas.toString());
    assertEquals(4, load.replicas.getLast(), "ceil(2.6 / 0.7)");
    for (int i = 1; i < load.replicas.size(); i++) {
      assertTrue(load.replicas.get(i) >= load.replicas.get(i - 1), "never down on a ramp");
    }
  }

  @Test
  void oscillatingLoadDoesNotFlap() {
    // 90 s heavy, 90 s light, for 30 minutes.
    TestingLoad load =
        load(1, 4, 1).run(0, 1800, t -> (t / 90) % 2 == 0 ? 1.9 : 0.4);
    assertTrue(load.directionChanges() == 0, load.replicas.toString());
    long changes =
        java.util.stream.IntStream.range(1, load.replicas.size())
            .filter(i -> !load.replicas.get(i).equals(load.replicas.get(i - 1)))
            .count();
    assertTrue(changes <= 2, "scaled up at most twice and then stayed: " + load.replicas);
  }

  @Test
  void loadThatStopsScalesDownWithinTheWindowOnePodAtATime() {
    TestingLoad load = load(1, 4, 1).run(0, 400, t -> 2.4);
    assertEquals(4, load.current, load.reasons.toString());
    load.run(400, 600, t -> 0.05);
    int index = 40;
    while (load.replicas.get(index) == 4) {
      index++;
    }
    long firstDown = index * 10L;
    assertEquals(3, load.replicas.get(index), load.replicas.toString());
    // Not before the load has been low for the whole 300 s window, and not much after it.
    assertTrue(firstDown >= 400 + 300 && firstDown <= 400 + 300 + 10, "first down at " + firstDown);
    assertEquals(1, load.current, "back to minReplicas: " + load.replicas);
    int atMin = load.replicas.indexOf(1);
    assertTrue(atMin * 10 <= 400 + 300 + 3 * 10, "one pod per round: " + load.replicas);
    assertEquals(1, load.directionChanges());
  }

  @Test
  void aPodThatStopsAnsweringBlocksScaleDownButNotScaleUp() {
    TestingLoad quiet = load(1, 4, 2);
    quiet.silentFrom.put(1, 0L);
    quiet.run(0, 900, t -> 0.2);
    assertEquals(Collections.nCopies(quiet.replicas.size(), 2), quiet.replicas);
    assertTrue(quiet.reasons.getLast().contains("1 pod(s) unobserved"), quiet.reasons.getLast());

    TestingLoad busy = load(1, 4, 2);
    busy.silentFrom.put(1, 0L);
    // The answering pod is full: 1.0 of demand counted, the silent pod as idle -> ceil(1/0.7)=2,
    // so no scale-up is invented for the pod that said nothing either.
    busy.run(0, 300, t -> 2.0);
    assertEquals(2, busy.current, busy.reasons.toString());
    busy.run(300, 300, t -> 3.0);
    assertEquals(3, busy.current, "the answering pod alone shows 1.5 pods of demand");
  }

  @Test
  void noPodAnsweringHoldsTheCurrentCount() {
    Autoscaler a = new Autoscaler();
    ScalingPolicy p = policy(1, 4);
    Round silent = new Round(TestingLoad.T0, 3, Map.of());
    Decision d = a.decide(p, 3, silent, TestingLoad.T0);
    assertEquals(3, d.desired());
    assertEquals("no ready pod answered Stats (3 unreachable)", d.reason());
  }

  @Test
  void requestsWaitingForMemoryScaleUpEvenWithinTheUtilizationTolerance() {
    ScalingSpec spec = new ScalingSpec();
    spec.setMaxReplicas(3);
    ScalingPolicy p = ScalingPolicy.of(spec);
    Autoscaler a = new Autoscaler();
    int current = 1;
    for (int t = 0; t <= 60; t += 10) {
      Round r =
          new Round(
              TestingLoad.T0.plusSeconds(t),
              1,
              Map.of("p", StatsResponse.newBuilder().setUtilization(0.72).setWaiting(5).build()));
      current = a.decide(p, current, r, r.at()).desired();
    }
    assertEquals(2, current);
  }

  @Test
  void anOperatorRestartedMidScaleDoesNotScaleAgain() {
    // Before the restart: 1 -> 2 under sustained pressure.
    TestingLoad load = load(1, 4, 1).run(0, 130, t -> 1.3);
    assertEquals(2, load.current);
    // Restart: a fresh autoscaler (no history), the second pod still starting.
    load.autoscaler = new Autoscaler();
    load.run(130, 600, t -> 1.3);
    assertEquals(2, load.current, load.reasons.toString());
    assertEquals(0, load.directionChanges());
  }

  @Test
  void aRestartWaitsForAFullWindowOfItsOwnObservations() {
    Autoscaler fresh = new Autoscaler();
    ScalingPolicy p = policy(1, 4);
    Round low =
        new Round(
            TestingLoad.T0,
            3,
            Map.of(
                "a", StatsResponse.newBuilder().setUtilization(0.05).build(),
                "b", StatsResponse.newBuilder().setUtilization(0.05).build(),
                "c", StatsResponse.newBuilder().setUtilization(0.05).build()));
    assertEquals(3, fresh.decide(p, 3, low, TestingLoad.T0).desired());
    assertEquals(
        3, fresh.decide(p, 3, low, TestingLoad.T0.plusSeconds(299)).desired(), "window not full");
    assertEquals(2, fresh.decide(p, 3, low, TestingLoad.T0.plusSeconds(300)).desired());
  }

  @Test
  void boundsWinOverEverything() {
    Autoscaler a = new Autoscaler();
    assertEquals(2, a.decide(policy(2, 4), 1, null, TestingLoad.T0).desired());
    assertEquals(4, a.decide(policy(1, 4), 6, null, TestingLoad.T0).desired());
    TestingLoad capped = load(1, 2, 1).run(0, 600, t -> 5.0);
    assertEquals(2, capped.current);
    assertTrue(
        capped.reasons.getLast().endsWith("capped at scaling.maxReplicas 2"), capped.reasons.getLast());
  }
}
