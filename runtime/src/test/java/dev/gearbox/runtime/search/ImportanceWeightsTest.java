package dev.gearbox.runtime.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ImportanceWeightsTest {
  // w = (2, 1, 1, 0.25): Σw = 4.25, Σw² = 6.0625, ESS = 4.25² / 6.0625 = 2.979381...
  private static final double[] LOG_WEIGHTS = {Math.log(2), 0, 0, Math.log(0.25)};

  @Test
  void essAndKlMatchHandComputedValues() {
    PlacementScore s = ImportanceWeights.score("p", 0.5, LOG_WEIGHTS, 8, null);
    assertEquals(4.25 * 4.25 / 6.0625, s.ess(), 1e-12);
    assertEquals(2.979381443298969 / 4, s.essFraction(), 1e-12);
    // -(ln 2 + ln 0.25) / 8 = ln 2 / 8
    assertEquals(Math.log(2) / 8, s.klPerToken(), 1e-12);
    assertFalse(s.labelled());
    assertTrue(Double.isNaN(s.accuracyRatio()));
    assertEquals(-Math.log(2) / 8, s.quality(), 1e-12);
  }

  @Test
  void snisAccuracyWeighsCorrectSamples() {
    boolean[] correct = {true, false, true, false};
    PlacementScore s = ImportanceWeights.score("p", 0.5, LOG_WEIGHTS, 8, correct);
    // (2 + 1) / 4.25, against the teacher's plain 2 / 4.
    assertEquals(3 / 4.25, s.accuracy(), 1e-12);
    assertEquals(0.5, s.teacherAccuracy(), 1e-12);
    assertEquals((3 / 4.25) / 0.5, s.accuracyRatio(), 1e-12);
    assertEquals(s.accuracy(), s.quality(), 0);
  }

  @Test
  void equalWeightsGiveFullEssAndTeacherAccuracy() {
    double[] logWeights = {-3, -3, -3, -3, -3};
    boolean[] correct = {true, true, false, true, false};
    PlacementScore s = ImportanceWeights.score("p", 1, logWeights, 10, correct);
    assertEquals(5, s.ess(), 1e-12);
    assertEquals(0.6, s.accuracy(), 1e-12);
    assertEquals(1, s.accuracyRatio(), 1e-12);
    assertEquals(1.5, s.klPerToken(), 1e-12);
  }

  @Test
  void logSpaceKeepsTinyWeightsFinite() {
    // exp(-2000) underflows to 0 in linear space, which would make ESS and accuracy 0/0.
    double[] shifted = new double[LOG_WEIGHTS.length];
    for (int i = 0; i < shifted.length; i++) {
      shifted[i] = LOG_WEIGHTS[i] - 2000;
    }
    boolean[] correct = {true, false, true, false};
    PlacementScore s = ImportanceWeights.score("p", 0.5, shifted, 8, correct);
    assertEquals(4.25 * 4.25 / 6.0625, s.ess(), 1e-9);
    assertEquals(3 / 4.25, s.accuracy(), 1e-9);
    assertEquals(Math.log(2) / 8 + 2000.0 * 4 / 8, s.klPerToken(), 1e-9);
  }

  @Test
  void noCorrectSampleMeansZeroAccuracy() {
    PlacementScore s =
        ImportanceWeights.score("p", 1, LOG_WEIGHTS, 8, new boolean[] {false, false, false, false});
    assertEquals(0, s.accuracy());
    assertTrue(Double.isNaN(s.accuracyRatio()));
  }

  @Test
  void rejectsMismatchedLabels() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ImportanceWeights.score("p", 1, LOG_WEIGHTS, 8, new boolean[3]));
    assertTrue(e.getMessage().contains("3 labels for 4"), e.getMessage());
  }
}
