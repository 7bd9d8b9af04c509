package dev.gearbox.runtime.search;

import java.util.Locale;
import java.util.Optional;

/**
 * The rollout gate on a {@link QualityEstimate}: a placement passes when its estimated accuracy
 * ratio is at least {@code minAccuracyRatio} and its per-token ESS/N at least {@code
 * minEssFraction}. The point estimate decides; its 95% interval is reported alongside so that a
 * verdict close to the threshold can be read as such.
 *
 * @param minAccuracyRatio {@code rollout.gate.minEstimatedAccuracyRatio}, in [0, 1]
 * @param minEssFraction {@code rollout.gate.minEssFraction}, in [0, 1]
 */
public record QualityGate(double minAccuracyRatio, double minEssFraction) {
  /** The gate of a HybridModel that sets none. */
  public static final QualityGate DEFAULT = new QualityGate(0.97, 0.3);

  public QualityGate {
    if (!(minAccuracyRatio >= 0 && minAccuracyRatio <= 1)) {
      throw new IllegalArgumentException(
          "minEstimatedAccuracyRatio must be in [0, 1], got " + minAccuracyRatio);
    }
    if (!(minEssFraction >= 0 && minEssFraction <= 1)) {
      throw new IllegalArgumentException(
          "minEssFraction must be in [0, 1], got " + minEssFraction);
    }
  }

  /** Why {@code estimate} fails this gate, naming the failing figure; empty when it passes. */
  public Optional<String> failure(QualityEstimate estimate) {
    if (estimate.tokenEssFraction() < minEssFraction) {
      return Optional.of(
          String.format(
              Locale.ROOT,
              "ess/N %.3f is below minEssFraction %.3f: the placement has drifted too far from the"
                  + " teacher for the estimate to be trusted",
              estimate.tokenEssFraction(),
              minEssFraction));
    }
    if (estimate.accuracyRatio() < minAccuracyRatio) {
      return Optional.of(
          String.format(
              Locale.ROOT,
              "estimated accuracy ratio %.3f ± %.3f is below minEstimatedAccuracyRatio %.3f",
              estimate.accuracyRatio(),
              QualityEstimate.Z95 * estimate.standardError(),
              minAccuracyRatio));
    }
    return Optional.empty();
  }

  /** True when {@code estimate} passes. */
  public boolean passes(QualityEstimate estimate) {
    return failure(estimate).isEmpty();
  }
}
