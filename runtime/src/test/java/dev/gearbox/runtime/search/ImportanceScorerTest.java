package dev.gearbox.runtime.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gearbox.runtime.model.LanguageModel;
import dev.gearbox.runtime.model.Models;
import dev.gearbox.runtime.placement.Placement;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The scorer on the bundled model against its own stored teacher log-probs (computed by the PyTorch
 * code in fp32): the teacher placement must weigh every sample ≈ 1.
 */
class ImportanceScorerTest {
  static final Path MODEL = Path.of("../examples/models/gearbox-tiny");
  private static final int SAMPLES = 12;
  private static LanguageModel model;
  private static List<String> lines;

  @BeforeAll
  static void load() throws Exception {
    model = Models.load(MODEL, 2);
    lines =
        Files.readAllLines(MODEL.resolve("teacher-samples.jsonl"), StandardCharsets.UTF_8)
            .subList(0, SAMPLES);
  }

  @AfterAll
  static void close() {
    model.close();
  }

  @Test
  void teacherPlacementReproducesTheStoredLogProbs() {
    TeacherSamples samples = TeacherSamples.parse("teacher-samples.jsonl", lines);
    ImportanceScorer scorer = new ImportanceScorer(model, samples);
    Placement teacher = model.defaultPlacement();
    double[] logWeights = scorer.logWeights(teacher);
    for (int i = 0; i < logWeights.length; i++) {
      int tokens = samples.samples().get(i).completion().length;
      assertTrue(
          Math.abs(logWeights[i]) / tokens < 1e-3,
          "sample " + i + ": log q - log p = " + logWeights[i] + " over " + tokens + " tokens");
    }
    PlacementScore score = scorer.score(teacher);
    assertEquals(1.0, score.essFraction(), 1e-3);
    assertEquals(0.0, score.klPerToken(), 1e-3);
    assertEquals(1.0, teacher.relativeCost());
  }

  @Test
  void aDifferentPlacementDivergesAndScoresAreCached() {
    TeacherSamples samples = TeacherSamples.parse("teacher-samples.jsonl", lines);
    ImportanceScorer scorer = new ImportanceScorer(model, samples);
    Placement allGdn = model.placement("all-gdn", List.of("gdn*4"));
    PlacementScore gdn = scorer.score(allGdn);
    // The model card has all-GDN 26% worse in perplexity than the teacher: clearly not ≈ 0.
    assertTrue(gdn.klPerToken() > 0.05, "kl/token " + gdn.klPerToken());
    assertTrue(gdn.essFraction() < 0.9, "ess/N " + gdn.essFraction());
    assertEquals("gdn*4", gdn.pattern());
    assertEquals(0.09, gdn.relativeCost(), 1e-12);
    assertSame(gdn, scorer.score(model.placement("again", List.of("gdn,gdn,gdn,gdn"))));
    assertEquals(1, scorer.evaluations());
  }

  @Test
  void labelledSamplesGiveAnAccuracyRatioOfOneForTheTeacher() throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<String> labelled = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      ObjectNode node = (ObjectNode) json.readTree(lines.get(i));
      node.put("correct", i % 3 != 0);
      labelled.add(json.writeValueAsString(node));
    }
    TeacherSamples samples = TeacherSamples.parse("labelled.jsonl", labelled);
    ImportanceScorer scorer = new ImportanceScorer(model, samples);
    PlacementScore teacher = scorer.score(model.defaultPlacement());
    assertEquals(8.0 / 12, teacher.teacherAccuracy(), 1e-12);
    assertEquals(1.0, teacher.accuracyRatio(), 1e-2);
    PlacementScore swa = scorer.score(model.placement("all-swa", List.of("swa*4")));
    assertTrue(swa.labelled());
    // A real estimate, not a copy of the teacher's: weights differ so the ratio moves.
    assertTrue(Math.abs(swa.accuracyRatio() - 1) > 1e-4, "ratio " + swa.accuracyRatio());
  }
}
