package dev.gearbox.operator.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.runtime.api.v1.StatsResponse;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class LoadObserverTest {
  static Pod pod(String name, String ready, boolean terminating) {
    PodBuilder b =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withDeletionTimestamp(terminating ? "2026-01-01T00:00:00Z" : null)
            .endMetadata()
            .withNewStatus()
            .addNewCondition()
            .withType("Ready")
            .withStatus(ready)
            .endCondition()
            .endStatus();
    return b.build();
  }

  /** Answers per target: a utilization, or never (the future never completes). */
  static StatsSource source(Map<String, Double> utilization) {
    return (target, timeout) -> {
      Double u = utilization.get(target);
      if (u == null) {
        return new CompletableFuture<StatsResponse>()
            .orTimeout(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
      }
      return CompletableFuture.completedFuture(
          StatsResponse.newBuilder().setUtilization(u).build());
    };
  }

  static final class MovableClock extends Clock {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void onlyReadyPodsArePolledAndSilentOnesAreCountedWithinTheDeadline() {
    MovableClock clock = new MovableClock();
    try (LoadObserver observer =
        new LoadObserver(
            source(Map.of("a", 0.4, "b", 0.8)),
            p -> Optional.of(p.getMetadata().getName()),
            Duration.ofHours(1), // the scheduler stays out of the way; the test drives rounds
            Duration.ofMillis(200),
            clock)) {
      List<Pod> pods =
          List.of(
              pod("a", "True", false),
              pod("b", "True", false),
              pod("hangs", "True", false),
              pod("starting", "False", false),
              pod("leaving", "True", true));
      observer.track("ns", "m", () -> pods, Duration.ofMinutes(5));
      long start = System.nanoTime();
      observer.pollAll();
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertTrue(ms < 2000, "one silent pod costs one deadline, not a hang: " + ms + " ms");
      Round r = observer.rounds("ns", "m").getLast();
      assertEquals(3, r.readyPods(), "not-ready and terminating pods are not serving pods");
      assertEquals(1, r.unreachable());
      assertEquals(0.6, r.utilizationMean(), 1e-9, "the answering pods only, nothing guessed");
      assertEquals(0.8, r.utilizationMax(), 1e-9);
    }
  }

  @Test
  void roundsOlderThanTheWindowGoAndUntouchedModelsAreForgotten() {
    MovableClock clock = new MovableClock();
    try (LoadObserver observer =
        new LoadObserver(
            source(Map.of("a", 0.5)),
            p -> Optional.of(p.getMetadata().getName()),
            Duration.ofSeconds(10),
            Duration.ofMillis(200),
            clock)) {
      List<Pod> pods = List.of(pod("a", "True", false));
      for (int i = 0; i < 12; i++) {
        observer.track("ns", "m", () -> pods, Duration.ofSeconds(60));
        observer.pollAll();
        clock.now = clock.now.plusSeconds(10);
      }
      List<Round> rounds = observer.rounds("ns", "m");
      assertTrue(rounds.size() <= 8, "about 60 s + one interval of history: " + rounds.size());
      clock.now = clock.now.plusSeconds(10L * LoadObserver.FORGET_AFTER + 10);
      observer.pollAll();
      assertEquals(List.of(), observer.rounds("ns", "m"), "no reconcile asked: dropped");
    }
  }
}
