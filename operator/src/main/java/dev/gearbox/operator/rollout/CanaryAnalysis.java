package dev.gearbox.operator.rollout;

import dev.gearbox.crds.SloSpec;
import dev.gearbox.operator.rollout.RolloutMachine.Verdict;
import java.util.Locale;
import java.util.Optional;

/**
 * Judges one canary step: the canary misses when its error rate exceeds the baseline's by more
 * than {@link #ERROR_RATE_MARGIN}, or when its TTFT or TPOT p95 is above spec.slo. A step whose
 * canary served no request yet is not judged (it holds); a source that cannot observe at all lets
 * the step pass on its interval and says so.
 */
public final class CanaryAnalysis {
  /** Extra error rate (absolute) the canary may have over the baseline. */
  public static final double ERROR_RATE_MARGIN = 0.01;

  private CanaryAnalysis() {}

  /** The verdict, or empty while the canary has no traffic to judge. */
  public static Optional<Verdict> judge(
      Optional<CanaryMetrics.Window> canary, Optional<CanaryMetrics.Window> baseline, SloSpec slo) {
    if (canary.isEmpty()) {
      return Optional.of(new Verdict(true, "not observed: no metrics source"));
    }
    CanaryMetrics.Window c = canary.get();
    if (c.requests() == 0) {
      return Optional.empty();
    }
    double baselineErrors = baseline.map(CanaryMetrics.Window::errorRate).orElse(0.0);
    if (c.errorRate() > baselineErrors + ERROR_RATE_MARGIN) {
      return Optional.of(
          new Verdict(
              false,
              String.format(
                  Locale.ROOT,
                  "error rate %.3f > baseline %.3f + %.2f",
                  c.errorRate(),
                  baselineErrors,
                  ERROR_RATE_MARGIN)));
    }
    if (slo != null && slo.getTtftP95Ms() != null && c.ttftP95Ms() != null
        && c.ttftP95Ms() > slo.getTtftP95Ms()) {
      return Optional.of(
          new Verdict(
              false,
              String.format(
                  Locale.ROOT, "TTFT p95 %.0f ms > slo %d ms", c.ttftP95Ms(), slo.getTtftP95Ms())));
    }
    if (slo != null && slo.getTpotP95Ms() != null && c.tpotP95Ms() != null
        && c.tpotP95Ms() > slo.getTpotP95Ms()) {
      return Optional.of(
          new Verdict(
              false,
              String.format(
                  Locale.ROOT, "TPOT p95 %.1f ms > slo %d ms", c.tpotP95Ms(), slo.getTpotP95Ms())));
    }
    return Optional.of(
        new Verdict(
            true,
            String.format(
                Locale.ROOT,
                "%d requests, error rate %.3f (baseline %.3f), TTFT p95 %s ms, TPOT p95 %s ms",
                c.requests(),
                c.errorRate(),
                baselineErrors,
                c.ttftP95Ms() == null ? "-" : String.format(Locale.ROOT, "%.0f", c.ttftP95Ms()),
                c.tpotP95Ms() == null ? "-" : String.format(Locale.ROOT, "%.1f", c.tpotP95Ms()))));
  }
}
