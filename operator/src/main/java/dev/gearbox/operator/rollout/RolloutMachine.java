package dev.gearbox.operator.rollout;

import dev.gearbox.crds.RolloutGateFigures;
import dev.gearbox.crds.RolloutPhase;
import dev.gearbox.crds.RolloutSpec;
import dev.gearbox.crds.RolloutStatus;
import dev.gearbox.operator.spec.ResolvedPlacement;
import dev.gearbox.operator.spec.ResolvedSpec;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

/**
 * The rollout state machine, a pure function of the previous rollout, the spec and what was
 * observed: {@link #trigger} turns a spec change into a new (or superseding) rollout, {@link #step}
 * moves it on with a gate result or a canary verdict.
 *
 * <pre>
 *   (placement added or its layers changed)
 *        -> Gating --gate fails / cannot run--> Failed      (weight 0)
 *             | gate passes
 *             v
 *        Canary step 0 (steps[0]%) --analysis misses--> RolledBack (weight 0)
 *             | analysis passes, next step ... last step passes
 *             v
 *        Promoted (100%)
 * </pre>
 *
 * <p>One rollout at a time: a spec change that changes the rolled-out placement again restarts it
 * from the gate with the new layers and the same baseline (and reverting it to the layers that
 * served before ends it); a change to another placement while it runs goes live ungated.
 */
public final class RolloutMachine {
  /** Runtime name of a changed placement's previous layers while it is the baseline. */
  public static final String PREVIOUS_SUFFIX = ".previous";

  /** Canary weights when spec.rollout.steps is not set. */
  public static final List<Integer> DEFAULT_STEPS = List.of(10, 50, 100);

  private RolloutMachine() {}

  /**
   * The rollout after a spec change: {@code current} when it still describes the spec, a new
   * rollout when a placement was added or its layers changed, null when there is nothing to roll
   * out (no spec.rollout, or a model seen for the first time).
   *
   * @param current status.rollout before this reconcile, or null
   * @param live placement name to pattern from the previous status.placements; empty when the
   *     model has no previous status (its first placements go live without a rollout)
   */
  public static RolloutStatus trigger(
      RolloutStatus current, Map<String, String> live, ResolvedSpec spec, Instant now) {
    if (spec.spec().getRollout() == null || live.isEmpty()) {
      return null;
    }
    ResolvedPlacement rolled = current == null ? null : find(spec, current.placement());
    if (rolled != null && rolled.pattern().equals(current.layers())) {
      return current;
    }
    for (ResolvedPlacement p : spec.placements()) {
      String before = live.get(p.name());
      boolean sameAsCurrent = current != null && current.placement().equals(p.name());
      if (p.pattern().equals(before) && !sameAsCurrent) {
        continue;
      }
      if (sameAsCurrent
          && current.phase() != RolloutPhase.Promoted
          && p.pattern().equals(current.baselineLayers())) {
        // Reverted to the layers that served before: nothing new to roll out.
        return null;
      }
      if (sameAsCurrent && current.phase() != RolloutPhase.Promoted) {
        // Changed again before it was promoted: the baseline is still what served before.
        return start(p, current.baseline(), current.baselineLayers(), spec, now);
      }
      if (before != null) {
        return start(p, p.name() + PREVIOUS_SUFFIX, before, spec, now);
      }
      String baseline = baselineOfAdded(p, spec);
      return baseline == null ? null : start(p, baseline, null, spec, now);
    }
    // The rolled-out placement was removed and nothing else changed: its rollout ends with it.
    return rolled == null ? null : current;
  }

  /**
   * Moves {@code current} on.
   *
   * @param gate the gate's outcome, or null while it runs (only read in Gating)
   * @param verdict the analysis of the current canary step, or null while it holds (only read in
   *     Canary)
   */
  public static RolloutStatus step(
      RolloutStatus current, RolloutSpec spec, GateResult gate, Verdict verdict, Instant now) {
    String time = time(now);
    switch (current.phase()) {
      case Gating -> {
        if (gate == null) {
          return current;
        }
        RolloutStatus withGate = current.withGate(gate.figures());
        if (!gate.passed()) {
          return withGate.at(RolloutPhase.Failed, 0, 0, "gate: " + gate.reason(), time);
        }
        int weight = steps(spec).getFirst();
        return withGate.at(
            RolloutPhase.Canary,
            0,
            weight,
            "gate passed: " + gate.reason() + "; step 1 at " + weight + "%",
            time);
      }
      case Canary -> {
        if (verdict == null) {
          return current;
        }
        if (!verdict.passed()) {
          return current.at(
              RolloutPhase.RolledBack,
              current.step(),
              0,
              "step " + (current.step() + 1) + " at " + current.weight() + "%: " + verdict.reason(),
              time);
        }
        List<Integer> steps = steps(spec);
        int next = current.step() + 1;
        if (next >= steps.size()) {
          return current.at(
              RolloutPhase.Promoted,
              current.step(),
              100,
              "every step passed: " + verdict.reason(),
              time);
        }
        return current.at(
            RolloutPhase.Canary,
            next,
            steps.get(next),
            "step " + next + " passed (" + verdict.reason() + "); step " + (next + 1) + " at "
                + steps.get(next) + "%",
            time);
      }
      default -> {
        return current;
      }
    }
  }

  /** spec.rollout.steps, or {@link #DEFAULT_STEPS}. */
  public static List<Integer> steps(RolloutSpec spec) {
    return spec == null || spec.getSteps() == null || spec.getSteps().isEmpty()
        ? DEFAULT_STEPS
        : spec.getSteps();
  }

  /** RFC 3339 time at second precision, as status timestamps are written. */
  public static String time(Instant now) {
    return DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS));
  }

  private static RolloutStatus start(
      ResolvedPlacement p, String baseline, String baselineLayers, ResolvedSpec spec, Instant now) {
    String time = time(now);
    return new RolloutStatus(
        p.name(),
        p.pattern(),
        baseline,
        baselineLayers,
        RolloutPhase.Gating,
        0,
        0,
        (RolloutGateFigures) null,
        "scoring " + p.name() + " against the reference samples",
        time,
        time);
  }

  /** A new placement takes its traffic from the default placement, or the first other one. */
  private static String baselineOfAdded(ResolvedPlacement p, ResolvedSpec spec) {
    if (!spec.defaultPlacement().equals(p.name())) {
      return spec.defaultPlacement();
    }
    for (ResolvedPlacement other : spec.placements()) {
      if (!other.name().equals(p.name())) {
        return other.name();
      }
    }
    return null;
  }

  private static ResolvedPlacement find(ResolvedSpec spec, String name) {
    for (ResolvedPlacement p : spec.placements()) {
      if (p.name().equals(name)) {
        return p;
      }
    }
    return null;
  }

  /**
   * The quality gate's outcome.
   *
   * @param passed whether the placement may get traffic
   * @param figures the estimate, null when the gate could not run
   * @param reason the deciding figure, or why the gate could not run
   */
  public record GateResult(boolean passed, RolloutGateFigures figures, String reason) {}

  /**
   * The analysis of one canary step.
   *
   * @param passed whether the canary met the objectives
   * @param reason the figures compared, naming the one that missed
   */
  public record Verdict(boolean passed, String reason) {}
}
