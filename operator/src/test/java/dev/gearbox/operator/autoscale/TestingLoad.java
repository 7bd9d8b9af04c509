package dev.gearbox.operator.autoscale;

import dev.gearbox.operator.observe.Round;
import dev.gearbox.runtime.api.v1.StatsResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;

/**
 * A recorded-series driver for the autoscaler: KV demand over time (in units of one full pod) is
 * spread over the ready pods, overflow waits for memory, new pods become ready after a start delay
 * and removed pods go at once. Each tick is one observation round followed by one decision.
 */
final class TestingLoad {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  final ScalingPolicy policy;
  final Duration tick;
  final Duration startDelay;
  final List<Integer> replicas = new ArrayList<>();
  final List<String> reasons = new ArrayList<>();
  /** Pods (by index) that do not answer Stats, from a given second on. */
  final Map<Integer, Long> silentFrom = new LinkedHashMap<>();

  Autoscaler autoscaler = new Autoscaler();
  int current;
  private final List<Instant> readyAt = new ArrayList<>();

  TestingLoad(ScalingPolicy policy, int start, Duration tick, Duration startDelay) {
    this.policy = policy;
    this.tick = tick;
    this.startDelay = startDelay;
    this.current = start;
    for (int i = 0; i < start; i++) {
      readyAt.add(T0);
    }
  }

  /** Runs {@code seconds} of the series {@code demand(t)}, t in seconds since T0. */
  TestingLoad run(long fromSecond, long seconds, DoubleUnaryOperator demand) {
    for (long t = fromSecond; t < fromSecond + seconds; t += tick.toSeconds()) {
      Instant now = T0.plusSeconds(t);
      Round round = observe(now, demand.applyAsDouble(t), t);
      Decision d = autoscaler.decide(policy, current, round, now);
      if (d.desired() > current) {
        for (int i = current; i < d.desired(); i++) {
          readyAt.add(now.plus(startDelay));
        }
      } else if (d.desired() < current) {
        readyAt.subList(d.desired(), readyAt.size()).clear();
      }
      current = d.desired();
      replicas.add(current);
      reasons.add(d.reason());
    }
    return this;
  }

  Round observe(Instant now, double demand, long second) {
    int ready = 0;
    for (Instant at : readyAt) {
      if (!at.isAfter(now)) {
        ready++;
      }
    }
    Map<String, StatsResponse> answers = new LinkedHashMap<>();
    double perPod = ready == 0 ? 0 : demand / ready;
    int waitingPerPod = perPod > 1 ? (int) Math.round((perPod - 1) * 10) : 0;
    for (int i = 0; i < ready; i++) {
      Long silent = silentFrom.get(i);
      if (silent != null && second >= silent) {
        continue;
      }
      answers.put(
          "pod-" + i,
          StatsResponse.newBuilder()
              .setUtilization(Math.min(1, perPod))
              .setWaiting(waitingPerPod)
              .setRunning((int) Math.round(Math.min(1, perPod) * 16))
              .build());
    }
    return new Round(now, ready, answers);
  }

  /** Times the replica count changed direction (up then down or down then up). */
  int directionChanges() {
    int changes = 0;
    int lastDirection = 0;
    for (int i = 1; i < replicas.size(); i++) {
      int d = Integer.signum(replicas.get(i) - replicas.get(i - 1));
      if (d != 0) {
        if (lastDirection != 0 && d != lastDirection) {
          changes++;
        }
        lastDirection = d;
      }
    }
    return changes;
  }

  /** Seconds (from the series start) of the first tick with replicas != {@code value}. */
  long firstChangeFrom(int value, long fromSecond) {
    for (int i = 0; i < replicas.size(); i++) {
      if (replicas.get(i) != value) {
        return fromSecond + i * tick.toSeconds();
      }
    }
    return -1;
  }
}
