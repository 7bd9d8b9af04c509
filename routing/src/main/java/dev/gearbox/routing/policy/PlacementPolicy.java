package dev.gearbox.routing.policy;

import dev.gearbox.routing.config.RouterConfig;
import java.util.List;

/**
 * Picks a placement for a request, in order: the client's explicit choice, the first routing rule
 * that matches, the default; then, when the KV pool is above the threshold, shifts eligible
 * requests to the configured turbo placement instead of letting them queue.
 *
 * <p>An explicit choice is never shifted: the client asked for that placement by name.
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
