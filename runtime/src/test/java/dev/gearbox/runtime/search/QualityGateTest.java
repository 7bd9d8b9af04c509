package dev.gearbox.runtime.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.runtime.model.LanguageModel;
import dev.gearbox.runtime.model.Models;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The default rollout gate on the bundled model and all 200 of its teacher samples: the searched
 * turbo placement passes, all-GDN (held-out perplexity +26% on the model card) does not.
 */
class QualityGateTest {
  private static LanguageModel model;
  private static ImportanceScorer scorer;

  @BeforeAll
  static void load() {
    model = Models.load(ImportanceScorerTest.MODEL, 2);
    scorer =
        new ImportanceScorer(
            model,
            TeacherSamples.load(PlacementSearch.defaultSamples(ImportanceScorerTest.MODEL)));
  }

  @AfterAll
  static void close() {
    model.close();
  }

  @Test
  void theSearchedTurboPlacementPassesTheDefaultGate() {
    QualityEstimate turbo60 =
        scorer.estimate(model.placement("turbo-60", List.of("swa*2,attention*2")));
    assertTrue(QualityGate.DEFAULT.passes(turbo60), turbo60.toString());
    // The old whole-completion weights would have failed it on ESS alone.
    assertTrue(turbo60.sequenceEssFraction() < 0.3, turbo60.toString());
    assertTrue(turbo60.standardError() > 0 && turbo60.standardError() < 0.02, turbo60.toString());
  }

  @Test
  void allGdnFailsTheDefaultGateOnBothFigures() {
    QualityEstimate allGdn = scorer.estimate(model.placement("all-gdn", List.of("gdn*4")));
    assertFalse(QualityGate.DEFAULT.passes(allGdn), allGdn.toString());
    assertTrue(allGdn.upper95() < 0.97, "even its 95% interval is below the gate: " + allGdn);
    assertTrue(allGdn.tokenEssFraction() < 0.3, allGdn.toString());
    // With the ESS check relaxed, the accuracy figure alone still fails it.
    String reason = new QualityGate(0.97, 0).failure(allGdn).orElseThrow();
    assertTrue(reason.startsWith("estimated accuracy ratio 0."), reason);
  }

  @Test
  void theTeacherScoresRatioOne() {
    QualityEstimate teacher = scorer.estimate(model.defaultPlacement());
    assertEquals(1, teacher.accuracyRatio(), 1e-3);
    assertEquals(1, teacher.tokenEssFraction(), 1e-3);
  }

  @Test
  void gateBoundsOutsideZeroToOneAreRejectedNamingTheField() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new QualityGate(1.5, 0.3));
    assertTrue(e.getMessage().contains("minEstimatedAccuracyRatio"), e.getMessage());
  }
}
