package dev.gearbox.operator.autoscale;

import dev.gearbox.operator.observe.Round;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * The KV autoscaler of one HybridModel: the HPA's rule on KV utilization, a queue-depth trigger,
 * and separate stabilization windows for each direction. Pure apart from the recommendation
 * history it keeps, so it is tested on recorded series without a cluster.
 *
 * <p>Each round yields a recommendation: {@code ceil(sum of pod utilizations / target)} (the HPA's
 * {@code ceil(current x utilization / target)} with pods that have not answered counted as
 * idle, as the HPA does for pods not yet ready), or the current count while utilization / target
 * is within the tolerance; at least one more pod while more than {@code maxWaitingPerPod} requests
 * per pod wait for memory. A scale-up takes the <em>lowest</em> recommendation of the scale-up
 * window, so pressure must have lasted the whole window: the router's gear shift reacts within a
 * fraction of a second and absorbs shorter bursts (shift before scale). A scale-down takes the
 * <em>highest</em> recommendation of the scale-down window, so load must have stayed low for the
 * whole window and oscillating load does not flap.
 *
 * <p>The history is in memory and not restored after an operator restart: the autoscaler acts only
 * once it has observed a full window itself, so a restart can delay a scale but never cause one.
 */
public final class Autoscaler {
  private record Recommendation(Instant at, int replicas, String reason) {}

  private final Deque<Recommendation> history = new ArrayDeque<>();
  private Instant observingSince;

  /**
   * One round's decision.
   *
   * @param policy spec.scaling
   * @param current spec.replicas now (pods wanted, whether or not ready)
   * @param round the newest observation round, or null when there is none
   * @param now the time of the decision
   */
  public Decision decide(ScalingPolicy policy, int current, Round round, Instant now) {
    if (observingSince == null) {
      observingSince = now;
    }
    if (current < policy.minReplicas()) {
      return new Decision(policy.minReplicas(), "below scaling.minReplicas");
    }
    if (current > policy.maxReplicas()) {
      return new Decision(policy.maxReplicas(), "above scaling.maxReplicas");
    }
    if (current == 0) {
      // No pod, no KV to observe: scaling from zero is for kubectl scale, an HPA or KEDA.
      return new Decision(0, "scaled to zero; nothing to observe");
    }
    if (round == null || round.answers().isEmpty()) {
      history.clear();
      observingSince = now;
      return new Decision(
          current,
          round == null
              ? "no observation yet"
              : "no ready pod answered Stats (" + round.unreachable() + " unreachable)");
    }
    Recommendation r = recommend(policy, current, round, now);
    history.addLast(r);
    Duration keep = policy.longestWindow();
    while (history.size() > 1 && history.peekFirst().at().isBefore(now.minus(keep))) {
      history.removeFirst();
    }

    if (r.replicas() > current) {
      if (round.readyPods() < current) {
        return new Decision(
            current, (current - round.readyPods()) + " pod(s) still starting; " + r.reason());
      }
      Recommendation lowest = extreme(now.minus(policy.upWindow()), true);
      if (!covered(policy.upWindow(), now)) {
        return new Decision(current, "pressure for less than the scale-up window; " + r.reason());
      }
      if (lowest.replicas() > current) {
        int desired = Math.min(
            Math.min(lowest.replicas(), current + policy.upStep()), policy.maxReplicas());
        if (desired > current) {
          return new Decision(desired, "scale up: " + lowest.reason());
        }
        return new Decision(current, "at scaling.maxReplicas; " + r.reason());
      }
      return new Decision(current, "pressure for less than the scale-up window; " + r.reason());
    }
    if (r.replicas() < current) {
      Recommendation highest = extreme(now.minus(policy.downWindow()), false);
      if (!covered(policy.downWindow(), now) || highest.replicas() >= current) {
        return new Decision(current, "low load for less than the scale-down window; " + r.reason());
      }
      int desired =
          Math.max(
              Math.max(highest.replicas(), current - policy.downStep()), policy.minReplicas());
      if (desired < current) {
        return new Decision(desired, "scale down: " + highest.reason());
      }
      return new Decision(current, "at scaling.minReplicas; " + r.reason());
    }
    return new Decision(current, r.reason());
  }

  private Recommendation recommend(ScalingPolicy p, int current, Round round, Instant now) {
    double demand = round.utilizationSum();
    // Pods that did not answer (or are not ready) count as idle for scaling up: the HPA's way of
    // not scaling up twice for pods that are still starting.
    double ratio = demand / (current * p.target());
    String figures =
        String.format(
            Locale.ROOT,
            "kv %.2f over %d/%d pods, target %.2f",
            round.utilizationMean(),
            round.answers().size(),
            current,
            p.target());
    int wanted;
    if (Math.abs(ratio - 1) <= p.tolerance()) {
      wanted = current;
    } else {
      wanted = (int) Math.ceil(demand / p.target() - 1e-9);
    }
    if (wanted < current && (round.unreachable() > 0 || round.readyPods() < current)) {
      // Scale down only on complete data: a pod that did not answer may be the busy one.
      wanted = current;
      figures += ", " + (current - round.answers().size()) + " pod(s) unobserved";
    }
    if (p.maxWaitingPerPod() > 0 && round.waitingPerPod() > p.maxWaitingPerPod()) {
      wanted = Math.max(wanted, current + 1);
      figures +=
          String.format(
              Locale.ROOT,
              ", %.1f waiting per pod > %d",
              round.waitingPerPod(),
              p.maxWaitingPerPod());
    }
    if (wanted > p.maxReplicas()) {
      figures += ", capped at scaling.maxReplicas " + p.maxReplicas();
    }
    wanted = Math.max(p.minReplicas(), Math.min(p.maxReplicas(), Math.max(wanted, 1)));
    if (p.minReplicas() == 0 && demand == 0 && round.waiting() == 0) {
      wanted = Math.max(p.minReplicas(), 0);
    }
    return new Recommendation(now, wanted, figures);
  }

  /** Lowest (or highest) recommendation since {@code from}. */
  private Recommendation extreme(Instant from, boolean lowest) {
    Recommendation best = null;
    for (Recommendation r : history) {
      if (r.at().isBefore(from)) {
        continue;
      }
      if (best == null
          || (lowest ? r.replicas() < best.replicas() : r.replicas() > best.replicas())) {
        best = r;
      }
    }
    return best == null ? history.peekLast() : best;
  }

  /** True once this autoscaler has observed at least {@code window}. */
  private boolean covered(Duration window, Instant now) {
    return !observingSince.plus(window).isAfter(now);
  }
}
