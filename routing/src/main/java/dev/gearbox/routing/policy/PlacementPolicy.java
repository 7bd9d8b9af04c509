package dev.gearbox.routing.policy;

import dev.gearbox.routing.config.RouterConfig;
import java.util.List;

/**
 * Picks a placement for a request, in order: the client's explicit choice, the first routing rule
 * that matches, the default; then, when the KV pool is above the threshold, shifts eligible
 * requests to the configured turbo placement instead of letting them queue.
 *
 * <p>An explicit choice is never shifted: the client asked for that placement by name.
 *
 * <p>Last, a placement under a rollout ({@code routing.canaries}) gets only its weight's share of
 * whatever chose it, explicit choices included (a placement that has not passed its gate serves
 * nobody); the rest goes to its baseline. The reason then ends in {@code ;canary=<weight>} or
 * {@code ;baseline=<weight>}.
 */
public final class PlacementPolicy {

  private PlacementPolicy() {}

  /**
   * Selects the placement for {@code facts} under {@code routing}.
   *
   * @param runtimeDefault the runtime's own default, used when the config sets none
   * @param kvUtilization the runtime's current KV utilisation, 0..1
   */
  public static Selection select(
      RouterConfig.Routing routing,
      String runtimeDefault,
      RequestFacts facts,
      double kvUtilization) {
    return splitCanary(routing, facts, choose(routing, runtimeDefault, facts, kvUtilization));
  }

  private static Selection choose(
      RouterConfig.Routing routing,
      String runtimeDefault,
      RequestFacts facts,
      double kvUtilization) {
    if (facts.explicitPlacement() != null) {
      return new Selection(facts.explicitPlacement(), Selection.EXPLICIT);
    }
    Selection chosen = null;
    List<RouterConfig.Rule> rules = routing.rules();
    for (int i = 0; i < rules.size(); i++) {
      if (matches(rules.get(i).match(), facts)) {
        chosen = new Selection(rules.get(i).placement(), "rule:" + i);
        break;
      }
    }
    if (chosen == null) {
      String def = routing.defaultPlacement() != null ? routing.defaultPlacement() : runtimeDefault;
      chosen = new Selection(def, Selection.DEFAULT);
    }
    RouterConfig.KvPressureShift shift = routing.underKvPressure();
    if (shift != null
        && kvUtilization > shift.above()
        && shift.eligible(facts.workload())
        && !shift.shiftTo().equals(chosen.placement())) {
      return new Selection(shift.shiftTo(), Selection.KV_PRESSURE);
    }
    return chosen;
  }

  private static Selection splitCanary(
      RouterConfig.Routing routing, RequestFacts facts, Selection chosen) {
    RouterConfig.Canary canary = routing.canaryOf(chosen.placement());
    if (canary == null) {
      return chosen;
    }
    if (bucket(facts.requestId()) < canary.weight()) {
      return new Selection(canary.placement(), chosen.reason() + ";canary=" + canary.weight());
    }
    return new Selection(canary.baseline(), chosen.reason() + ";baseline=" + canary.weight());
  }

  /**
   * The request's bucket in 0..99: the same id always gets the same bucket (in every JVM, since
   * {@link String#hashCode} is specified), and a request on the canary at one weight stays on it
   * at every higher weight. The SplitMix64 finaliser spreads sequential ids such as {@code req-1},
   * {@code req-2} evenly over the buckets.
   */
  static int bucket(String requestId) {
    long z = (requestId == null ? "" : requestId).hashCode() + 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z = z ^ (z >>> 31);
    return (int) Math.floorMod(z, 100L);
  }

  static boolean matches(RouterConfig.Match m, RequestFacts f) {
    if (m.workload() != null && !m.workload().equals(f.workload())) {
      return false;
    }
    if (m.priority() != null && !m.priority().equals(f.priority())) {
      return false;
    }
    if (m.minPromptTokens() != null && f.promptTokens() < m.minPromptTokens()) {
      return false;
    }
    if (m.maxPromptTokens() != null && f.promptTokens() > m.maxPromptTokens()) {
      return false;
    }
    if (m.path() != null) {
      String p = m.path();
      boolean ok =
          p.endsWith("*")
              ? f.path().startsWith(p.substring(0, p.length() - 1))
              : p.equals(f.path());
      if (!ok) {
        return false;
      }
    }
    return true;
  }
}
