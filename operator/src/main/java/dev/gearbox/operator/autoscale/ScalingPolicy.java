package dev.gearbox.operator.autoscale;

import dev.gearbox.crds.ScaleDownRules;
import dev.gearbox.crds.ScaleUpRules;
import dev.gearbox.crds.ScalingBehavior;
import dev.gearbox.crds.ScalingSpec;
import java.time.Duration;

/**
 * spec.scaling with the CRD defaults filled in (an object read before the API server defaulted it,
 * as in unit tests, gets the same values).
 *
 * @param external true in mode external: recommend, never write replicas
 * @param minReplicas fewest pods
 * @param maxReplicas most pods
 * @param target KV utilization each pod is kept near
 * @param tolerance no change while utilization / target is within 1 +/- this
 * @param maxWaitingPerPod queue-depth trigger; 0 disables it
 * @param upWindow how long pressure must last before a scale-up
 * @param upStep most pods added per step
 * @param downWindow how long load must stay low before a scale-down
 * @param downStep most pods removed per step
 */
public record ScalingPolicy(
    boolean external,
    int minReplicas,
    int maxReplicas,
    double target,
    double tolerance,
    int maxWaitingPerPod,
    Duration upWindow,
    int upStep,
    Duration downWindow,
    int downStep) {

  /** The policy of {@code spec} (null: all defaults). */
  public static ScalingPolicy of(ScalingSpec spec) {
    ScalingSpec s = spec == null ? new ScalingSpec() : spec;
    ScalingBehavior b = s.getBehavior() == null ? new ScalingBehavior() : s.getBehavior();
    ScaleUpRules up = b.getScaleUp() == null ? new ScaleUpRules() : b.getScaleUp();
    ScaleDownRules down = b.getScaleDown() == null ? new ScaleDownRules() : b.getScaleDown();
    ScaleUpRules upDefaults = new ScaleUpRules();
    ScaleDownRules downDefaults = new ScaleDownRules();
    ScalingSpec defaults = new ScalingSpec();
    return new ScalingPolicy(
        "external".equals(s.getMode()),
        or(s.getMinReplicas(), defaults.getMinReplicas()),
        or(s.getMaxReplicas(), defaults.getMaxReplicas()),
        or(s.getTargetKvUtilization(), defaults.getTargetKvUtilization()),
        or(s.getTolerance(), defaults.getTolerance()),
        or(s.getMaxWaitingPerPod(), defaults.getMaxWaitingPerPod()),
        Duration.ofSeconds(
            or(up.getStabilizationWindowSeconds(), upDefaults.getStabilizationWindowSeconds())),
        or(up.getMaxPodsPerStep(), upDefaults.getMaxPodsPerStep()),
        Duration.ofSeconds(
            or(down.getStabilizationWindowSeconds(), downDefaults.getStabilizationWindowSeconds())),
        or(down.getMaxPodsPerStep(), downDefaults.getMaxPodsPerStep()));
  }

  /** The longest history the policy looks at. */
  public Duration longestWindow() {
    return upWindow.compareTo(downWindow) > 0 ? upWindow : downWindow;
  }

  private static <T> T or(T value, T fallback) {
    return value != null ? value : fallback;
  }
}
