package dev.gearbox.runtime.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenImportanceTest {
  private static final double PLAUSIBLE = Math.log(0.5);
  private static final double IMPLAUSIBLE = Math.log(0.001);

  @Test
  void theTeacherAgainstItselfHasRatioOneFullEssAndNoUncertainty() {
    List<double[]> teacher =
        List.of(new double[] {PLAUSIBLE, IMPLAUSIBLE}, new double[] {PLAUSIBLE, PLAUSIBLE});
    QualityEstimate e = TokenImportance.estimate(teacher, teacher);
    assertEquals(1, e.accuracyRatio(), 1e-12);
    assertEquals(0, e.standardError(), 1e-12);
    assertEquals(1, e.tokenEssFraction(), 1e-12);
    assertEquals(1, e.sequenceEssFraction(), 1e-12);
    assertEquals(0, e.klPerToken(), 1e-12);
    assertEquals(4, e.tokens());
  }

  @Test
  void weightsMovedOntoImplausibleTokensLowerTheRatio() {
    // Teacher: 3 of 4 tokens plausible. The placement doubles the weight of the implausible one
    // and halves one plausible one: SNIS accuracy (1 + 1 + 0.5) / (1 + 1 + 0.5 + 2) = 5/9.
    List<double[]> teacher =
        List.of(new double[] {PLAUSIBLE, PLAUSIBLE}, new double[] {PLAUSIBLE, IMPLAUSIBLE});
    List<double[]> placement =
        List.of(
            new double[] {PLAUSIBLE, PLAUSIBLE},
            new double[] {PLAUSIBLE + Math.log(0.5), IMPLAUSIBLE + Math.log(2)});
    QualityEstimate e = TokenImportance.estimate(teacher, placement);
    assertEquals((5.0 / 9) / 0.75, e.accuracyRatio(), 1e-12);
    assertTrue(e.standardError() > 0, "two unequal samples leave an uncertainty");
    assertEquals(4.5 * 4.5 / (1 + 1 + 0.25 + 4) / 4, e.tokenEssFraction(), 1e-12);
    assertTrue(e.lower95() < e.accuracyRatio() && e.accuracyRatio() < e.upper95());
  }

  @Test
  void perTokenWeightsKeepTheEssThatWholeCompletionWeightsLose() {
    // Every token of 8 samples has ratio 2 or 1/2 alternately: per token the weights are spread
    // evenly, but over 32 tokens a sample's product is 2^k for a k that differs per sample.
    List<double[]> teacher = new ArrayList<>();
    List<double[]> placement = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      double[] p = new double[32];
      double[] q = new double[32];
      for (int t = 0; t < 32; t++) {
        p[t] = Math.log(0.2);
        boolean up = t < 16 + i;
        q[t] = p[t] + (up ? Math.log(2) : Math.log(0.5));
      }
      teacher.add(p);
      placement.add(q);
    }
    QualityEstimate e = TokenImportance.estimate(teacher, placement);
    assertTrue(e.tokenEssFraction() > 0.6, "token ess/N " + e.tokenEssFraction());
    // Sample i's completion weight is 2^(16+i) / 2^(16-i) = 4^i: one sample carries most of it.
    double sum = 0;
    double squares = 0;
    for (int i = 0; i < 8; i++) {
      sum += Math.pow(4, i);
      squares += Math.pow(16, i);
    }
    assertEquals(sum * sum / squares / 8, e.sequenceEssFraction(), 1e-9);
    assertTrue(e.sequenceEssFraction() < 0.25, "sequence ess/N " + e.sequenceEssFraction());
  }

  @Test
  void mismatchedShapesAreRejectedNamingTheSample() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                TokenImportance.estimate(
                    List.of(new double[] {PLAUSIBLE, PLAUSIBLE}),
                    List.of(new double[] {PLAUSIBLE})));
    assertTrue(e.getMessage().contains("sample 0 has 2 teacher log-probs but 1"), e.getMessage());
  }
}
