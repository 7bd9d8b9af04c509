package dev.gearbox.crds;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * The rollout of one added or changed placement, kept in status so that an operator restart
 * resumes it at the same step.
 *
 * @param placement the placement rolled out
 * @param layers its pattern under rollout
 * @param baseline the runtime placement that serves the rest of its traffic
 * @param baselineLayers the pattern it had before, when the rollout changes an existing placement
 *     (served as {@code <placement>.previous} meanwhile)
 * @param phase Gating, Canary, Promoted, RolledBack or Failed
 * @param step index into spec.rollout.steps of the current canary step
 * @param weight percentage of the placement's traffic it gets now
 * @param gate the quality gate's figures, once it ran
 * @param reason why the rollout is in this phase, naming the figure that decided
 * @param startedAt when the rollout started
 * @param stepStartedAt when the current phase or step started
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RolloutStatus(
    @JsonPropertyDescription("The placement rolled out.") String placement,
    @JsonPropertyDescription("Its pattern under rollout.") String layers,
    @JsonPropertyDescription("The runtime placement serving the rest of its traffic.")
        String baseline,
    @JsonPropertyDescription("Its previous pattern, when an existing placement changed.")
        String baselineLayers,
    @JsonPropertyDescription("Gating, Canary, Promoted, RolledBack or Failed.") RolloutPhase phase,
    @JsonPropertyDescription("Index into spec.rollout.steps of the current step.") Integer step,
    @JsonPropertyDescription("Percentage of the placement's traffic it gets now.") Integer weight,
    @JsonPropertyDescription("The quality gate's figures, once it ran.") RolloutGateFigures gate,
    @JsonPropertyDescription("Why the rollout is in this phase.") String reason,
    @JsonPropertyDescription("When the rollout started (RFC 3339).") String startedAt,
    @JsonPropertyDescription("When the current phase or step started (RFC 3339).")
        String stepStartedAt) {

  /** This rollout in {@code phase} at {@code step} with {@code weight}, from {@code now}. */
  public RolloutStatus at(
      RolloutPhase phase, int step, int weight, String reason, String now) {
    return new RolloutStatus(
        placement, layers, baseline, baselineLayers, phase, step, weight, gate, reason, startedAt,
        now);
  }

  /** This rollout with the gate's figures. */
  public RolloutStatus withGate(RolloutGateFigures figures) {
    return new RolloutStatus(
        placement, layers, baseline, baselineLayers, phase, step, weight, figures, reason,
        startedAt, stepStartedAt);
  }

  /** True while the rollout still decides the placement's traffic. */
  public boolean active() {
    return phase == RolloutPhase.Gating || phase == RolloutPhase.Canary;
  }
}
