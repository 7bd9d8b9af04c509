package dev.gearbox.runtime.search;

import java.util.List;

/**
 * The per-token importance-sampling estimator of a placement's quality relative to the teacher.
 *
 * <p>Why per token: a weight over a whole completion, {@code w = Π_t q(x_t|x_<t) / p(x_t|x_<t)},
 * multiplies 32 ratios, so a KL of 0.14 nats/token spreads the log-weights over several nats and a
 * handful of samples carry all the weight (ESS/N 0.02-0.05 on the bundled model). Conditional on
 * its prefix, each teacher token is a draw {@code x_t ~ p(.|x_<t)}, so the single ratio
 * {@code w_t = q(x_t|x_<t) / p(x_t|x_<t)} is a valid importance weight for any function of the
 * next token: {@code E_p[w_t f(x_t)] = E_q[f(x_t)]} given the prefix. The estimate is then
 * teacher-forced (the placement is judged on the teacher's prefixes, not its own), and the
 * weights' variance is that of one ratio instead of 32 multiplied together.
 *
 * <p>What is estimated without task labels: a token is <em>plausible</em> when the teacher gives
 * it at least {@link #PLAUSIBLE_PROBABILITY}; the label {@code c_t = 1[p(x_t|x_<t) >= 0.01]} needs
 * only the stored teacher log-prob. The placement's accuracy is the probability that its next token
 * is plausible, {@code Σ_t w_t c_t / Σ_t w_t} (self-normalised, the seed's formula with per-token
 * weights); the teacher's is the plain mean of {@code c_t} on its own samples; the gate compares
 * their ratio. With labelled samples the same formula takes the task's verdict instead, see {@link
 * ImportanceWeights}.
 *
 * <p>Uncertainty: the ratio of two ratio estimators, linearised (delta method) with each sample as
 * one cluster, so the correlation between the tokens of one completion is accounted for.
 */
public final class TokenImportance {
  /** Teacher probability at or above which a token counts as plausible. */
  public static final double PLAUSIBLE_PROBABILITY = 0.01;

  private static final double LOG_PLAUSIBLE = Math.log(PLAUSIBLE_PROBABILITY);

  private TokenImportance() {}

  /**
   * Estimates from per-token log-probs of the same completions under the teacher and the placement.
   *
   * @param teacherLogProbs {@code log p(x_t | x_<t)} per sample, per completion token
   * @param placementLogProbs {@code log q(x_t | x_<t)}, same shape
   * @throws IllegalArgumentException when there are no tokens or the shapes differ
   */
  public static QualityEstimate estimate(
      List<double[]> teacherLogProbs, List<double[]> placementLogProbs) {
    int n = teacherLogProbs.size();
    if (placementLogProbs.size() != n) {
      throw new IllegalArgumentException(
          "got log-probs of "
              + placementLogProbs.size()
              + " samples under the placement for "
              + n
              + " teacher samples");
    }
    // Per sample i: A = Σ w c, B = Σ w, C = Σ c, D = tokens; and the sequence log-weight.
    double[] a = new double[n];
    double[] b = new double[n];
    double[] c = new double[n];
    double[] d = new double[n];
    double[] sequenceLogWeights = new double[n];
    double sumW = 0;
    double sumW2 = 0;
    double sumLogW = 0;
    long tokens = 0;
    for (int i = 0; i < n; i++) {
      double[] p = teacherLogProbs.get(i);
      double[] q = placementLogProbs.get(i);
      if (p.length != q.length) {
        throw new IllegalArgumentException(
            "sample "
                + i
                + " has "
                + p.length
                + " teacher log-probs but "
                + q.length
                + " under the placement");
      }
      for (int t = 0; t < p.length; t++) {
        double logW = q[t] - p[t];
        // A single next-token ratio is at most 1/p(x_t); exp() of it cannot overflow a double
        // unless the teacher's log-prob is below -700, which a float log-prob cannot reach.
        double w = Math.exp(logW);
        double plausible = p[t] >= LOG_PLAUSIBLE ? 1 : 0;
        a[i] += w * plausible;
        b[i] += w;
        c[i] += plausible;
        sequenceLogWeights[i] += logW;
        sumW2 += w * w;
        sumLogW += logW;
      }
      d[i] = p.length;
      sumW += b[i];
      tokens += p.length;
    }
    if (tokens == 0) {
      throw new IllegalArgumentException("the quality estimate needs at least one scored token");
    }
    double sumA = 0;
    double sumC = 0;
    for (int i = 0; i < n; i++) {
      sumA += a[i];
      sumC += c[i];
    }
    double placementAccuracy = sumA / sumW;
    double teacherAccuracy = sumC / tokens;
    double ratio;
    double standardError;
    if (teacherAccuracy == 0) {
      // No plausible token at all: nothing to compare; the gate then fails on the ratio.
      ratio = 0;
      standardError = 0;
    } else {
      ratio = placementAccuracy / teacherAccuracy;
      double variance = 0;
      for (int i = 0; i < n; i++) {
        double influence =
            (a[i] - placementAccuracy * b[i]) / sumW / teacherAccuracy
                - ratio / teacherAccuracy * (c[i] - teacherAccuracy * d[i]) / tokens;
        variance += influence * influence;
      }
      standardError = Math.sqrt(variance);
    }
    double logSum = ImportanceWeights.logSumExp(sequenceLogWeights, 1, null);
    double logSumSquares = ImportanceWeights.logSumExp(sequenceLogWeights, 2, null);
    double sequenceEss = Math.exp(2 * logSum - logSumSquares);
    return new QualityEstimate(
        n,
        tokens,
        ratio,
        standardError,
        sumW * sumW / sumW2 / tokens,
        sequenceEss / n,
        -sumLogW / tokens);
  }
}
