package dev.gearbox.runtime.search;

import java.util.Comparator;

/**
 * The self-normalised importance-sampling estimate of one placement against the teacher samples.
 *
 * @param pattern the placement's compact pattern
 * @param relativeCost decode cost relative to all full attention
 * @param samples number of teacher samples (N)
 * @param tokens completion tokens over all samples
 * @param ess effective sample size {@code (Σw)² / Σw²}
 * @param klPerToken IS estimate of forward KL(p‖q) per token, {@code -Σ log w_i / tokens}
 * @param accuracy SNIS accuracy {@code Σ 1[correct_i] w_i / Σ w_i}; NaN without labels
 * @param teacherAccuracy the teacher's own accuracy on its samples; NaN without labels
 */
public record PlacementScore(
    String pattern,
    double relativeCost,
    int samples,
    long tokens,
    double ess,
    double klPerToken,
    double accuracy,
    double teacherAccuracy) {

  /**
   * Orders better placements first: by estimated accuracy when labelled, otherwise (and on ties) by
   * lower KL, then by pattern so that equal scores sort deterministically.
   */
  public static final Comparator<PlacementScore> BEST_FIRST =
      Comparator.comparingDouble(PlacementScore::quality)
          .reversed()
          .thenComparingDouble(PlacementScore::klPerToken)
          .thenComparing(PlacementScore::pattern);

  /** ESS as a fraction of N, the {@code minEssFraction} gate of a rollout. */
  public double essFraction() {
    return ess / samples;
  }

  /** True when the samples carried correctness labels. */
  public boolean labelled() {
    return !Double.isNaN(accuracy);
  }

  /** Estimated accuracy relative to the teacher's, the {@code minEstimatedAccuracyRatio} gate. */
  public double accuracyRatio() {
    return labelled() && teacherAccuracy > 0 ? accuracy / teacherAccuracy : Double.NaN;
  }

  /** The value the search maximises: estimated accuracy when labelled, else minus KL per token. */
  public double quality() {
    return labelled() ? accuracy : -klPerToken;
  }
}
