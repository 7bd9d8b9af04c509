package dev.gearbox.runtime.search;

/**
 * Self-normalised importance-sampling statistics from per-sample log weights {@code log w_i = log
 * q(x_i) - log p(x_i)}, computed in log space so that long completions (log w of -50 and below)
 * neither underflow nor overflow.
 */
public final class ImportanceWeights {
  private ImportanceWeights() {}

  /**
   * Scores a placement from its log weights.
   *
   * @param logWeights {@code log w_i} per sample
   * @param tokens completion tokens over all samples, for the per-token KL
   * @param correct per-sample labels, or null when the samples have none
   */
  public static PlacementScore score(
      String pattern, double relativeCost, double[] logWeights, long tokens, boolean[] correct) {
    int n = logWeights.length;
    if (n == 0) {
      throw new IllegalArgumentException("importance weights need at least one sample");
    }
    if (correct != null && correct.length != n) {
      throw new IllegalArgumentException(
          "got " + correct.length + " labels for " + n + " importance weights");
    }
    double logSum = logSumExp(logWeights, 1, null);
    double logSumSquares = logSumExp(logWeights, 2, null);
    double ess = Math.exp(2 * logSum - logSumSquares);
    double meanLogWeight = 0;
    for (double lw : logWeights) {
      meanLogWeight += lw;
    }
    double kl = -meanLogWeight / tokens;
    double accuracy = Double.NaN;
    double teacherAccuracy = Double.NaN;
    if (correct != null) {
      int right = 0;
      for (boolean c : correct) {
        right += c ? 1 : 0;
      }
      // Teacher samples are draws from p, so the teacher's accuracy is their plain mean.
      teacherAccuracy = (double) right / n;
      accuracy = right == 0 ? 0 : Math.exp(logSumExp(logWeights, 1, correct) - logSum);
    }
    return new PlacementScore(pattern, relativeCost, n, tokens, ess, kl, accuracy, teacherAccuracy);
  }

  /** {@code log Σ_i exp(scale * x_i)} over the samples selected by {@code mask} (all when null). */
  static double logSumExp(double[] x, double scale, boolean[] mask) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < x.length; i++) {
      if (mask == null || mask[i]) {
        max = Math.max(max, scale * x[i]);
      }
    }
    if (max == Double.NEGATIVE_INFINITY) {
      return max;
    }
    double sum = 0;
    for (int i = 0; i < x.length; i++) {
      if (mask == null || mask[i]) {
        sum += Math.exp(scale * x[i] - max);
      }
    }
    return max + Math.log(sum);
  }
}
