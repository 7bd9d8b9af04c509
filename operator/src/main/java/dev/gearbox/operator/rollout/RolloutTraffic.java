package dev.gearbox.operator.rollout;

import dev.gearbox.crds.HybridModel;
import dev.gearbox.crds.RolloutPhase;
import dev.gearbox.crds.RolloutStatus;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a rollout adds to the serving config: the previous layers of a changed placement as an
 * extra runtime placement, and the router's canary entry with the current weight. Also hands the
 * reconciler's rollout to the dependents of the same reconciliation.
 */
public final class RolloutTraffic {
  private static final String KEY = "gearbox.rollout";

  private RolloutTraffic() {}

  /** Stores {@code rollout} (may be null) for the dependents; called before the workflow runs. */
  public static void put(Context<HybridModel> context, RolloutStatus rollout) {
    context.managedWorkflowAndDependentResourceContext().put(KEY, rollout);
  }

  /** The rollout stored by {@link #put}, or null. */
  public static RolloutStatus of(Context<HybridModel> context) {
    return context
        .managedWorkflowAndDependentResourceContext()
        .get(KEY, RolloutStatus.class)
        .orElse(null);
  }

  /**
   * The runtime placement entry for a changed placement's previous layers, or null. Kept after the
   * rollout ends so that promoting (or rolling back) never changes the pods.
   */
  public static Map<String, Object> previousPlacement(RolloutStatus rollout) {
    if (rollout == null || rollout.baselineLayers() == null) {
      return null;
    }
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("name", rollout.baseline());
    entry.put("pattern", rollout.baselineLayers());
    return entry;
  }

  /** The router's {@code canaries} entries; empty once the placement is promoted. */
  public static List<Map<String, Object>> canaries(RolloutStatus rollout) {
    if (rollout == null || rollout.phase() == RolloutPhase.Promoted) {
      return List.of();
    }
    Map<String, Object> canary = new LinkedHashMap<>();
    canary.put("placement", rollout.placement());
    canary.put("baseline", rollout.baseline());
    canary.put("weight", rollout.weight());
    return List.of(canary);
  }
}
