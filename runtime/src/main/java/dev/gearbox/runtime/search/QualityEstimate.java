package dev.gearbox.runtime.search;

import java.util.Locale;

/**
 * A placement's quality relative to the all-FA teacher, estimated by per-token importance sampling
 * on teacher samples, with its uncertainty and the weight diagnostics: the figures a rollout gate
 * decides on.
 *
 * @param samples teacher samples (N)
 * @param tokens completion tokens over all samples
 * @param accuracyRatio estimated accuracy of the placement divided by the teacher's (see {@link
 *     TokenImportance} for what "accuracy" means without task labels)
 * @param standardError standard error of {@code accuracyRatio}, by the delta method with samples as
 *     clusters (tokens of one sample share a prefix, so they are not independent)
 * @param tokenEssFraction effective sample size of the per-token weights over the token count
 * @param sequenceEssFraction effective sample size of whole-completion weights over N, for
 *     comparison: what the sequence-level estimator had to work with
 * @param klPerToken IS estimate of forward KL(p‖q) per token
 */
public record QualityEstimate(
    int samples,
    long tokens,
    double accuracyRatio,
    double standardError,
    double tokenEssFraction,
    double sequenceEssFraction,
    double klPerToken) {

  /** z of a two-sided 95% normal interval. */
  public static final double Z95 = 1.959963984540054;

  /** Lower end of the 95% interval of {@link #accuracyRatio}. */
  public double lower95() {
    return accuracyRatio - Z95 * standardError;
  }

  /** Upper end of the 95% interval of {@link #accuracyRatio}. */
  public double upper95() {
    return accuracyRatio + Z95 * standardError;
  }

  /** {@code 0.978 ± 0.010 (95%), ess/N 0.76} */
  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "accuracy ratio %.3f ± %.3f (95%%), ess/N %.2f over %d tokens of %d samples",
        accuracyRatio,
        Z95 * standardError,
        tokenEssFraction,
        tokens,
        samples);
  }
}
