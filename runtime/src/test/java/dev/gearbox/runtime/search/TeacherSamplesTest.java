package dev.gearbox.runtime.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TeacherSamplesTest {
  private static final String GOOD =
      "{\"id\": 0, \"prompt\": [1, 5], \"completion\": [7, 8, 9],"
          + " \"teacher_logprobs\": [-1.5, -0.25, -2.0]}";

  @Test
  void loadsTheBundledSamples() {
    TeacherSamples samples =
        TeacherSamples.load(Path.of("../examples/models/gearbox-tiny/teacher-samples.jsonl"));
    assertEquals(200, samples.size());
    assertFalse(samples.labelled());
    assertEquals(200 * 32, samples.completionTokens());
    assertEquals(64, samples.maxLength());
    TeacherSample first = samples.samples().get(0);
    assertEquals(0, first.id());
    assertEquals(1, first.prompt()[0]);
    assertEquals(569, first.completion()[0]);
    assertEquals(-4.48373, first.teacherLogProbs()[0], 1e-9);
    assertEquals(64, samples.first(64).size());
    assertEquals(136, samples.after(64).size());
  }

  @Test
  void parsesFieldsAndLabels(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("s.jsonl");
    Files.writeString(
        file,
        GOOD.replace("}", ", \"correct\": true}")
            + "\n\n"
            + GOOD.replace("\"id\": 0", "\"id\": 1").replace("}", ", \"correct\": false}")
            + "\n");
    TeacherSamples samples = TeacherSamples.load(file);
    assertEquals(2, samples.size());
    assertTrue(samples.labelled());
    TeacherSample s = samples.samples().get(0);
    assertArrayEquals(new int[] {1, 5, 7, 8, 9}, s.tokens());
    assertEquals(-3.75, s.teacherLogProb(), 1e-12);
    assertEquals(Optional.of(true), s.correct());
    assertEquals(Optional.of(false), samples.samples().get(1).correct());
  }

  @Test
  void errorsNameTheLineAndTheField() {
    assertError(GOOD.replace("\"completion\"", "\"completions\""), "'completion' is missing");
    assertError(
        GOOD.replace("[-1.5, -0.25, -2.0]", "[-1.5, -0.25]"),
        "'teacher_logprobs' has 2 values, expected one per completion token (3)");
    assertError(
        GOOD.replace("[7, 8, 9]", "[7, \"x\", 9]"), "'completion[1]' expected a token id >= 0");
    assertError(GOOD.replace("[1, 5]", "[1, -5]"), "'prompt[1]' expected a token id >= 0");
    assertError(GOOD.replace("[1, 5]", "[]"), "'prompt' expected a non-empty array");
    assertError(
        GOOD.replace("-0.25", "0.5"),
        "'teacher_logprobs[1]' expected a finite log-probability <= 0");
    assertError(GOOD.replace("\"id\": 0", "\"id\": \"zero\""), "'id' expected an integer");
    assertError(GOOD.replace("}", ", \"correct\": \"yes\"}"), "'correct' expected true or false");
    assertError("{\"id\": 1, \"prompt\": [1", "not valid JSON");
    assertError("[1, 2]", "expected a JSON object");
  }

  @Test
  void rejectsDuplicateIdsAndHalfLabelledSets() {
    IllegalArgumentException dup =
        assertThrows(
            IllegalArgumentException.class,
            () -> TeacherSamples.parse("s.jsonl", List.of(GOOD, GOOD)));
    assertTrue(dup.getMessage().contains("s.jsonl line 2: field 'id'"), dup.getMessage());

    String labelled = GOOD.replace("\"id\": 0", "\"id\": 1").replace("}", ", \"correct\": true}");
    IllegalArgumentException mixed =
        assertThrows(
            IllegalArgumentException.class,
            () -> TeacherSamples.parse("s.jsonl", List.of(GOOD, labelled)));
    assertTrue(
        mixed
            .getMessage()
            .contains("s.jsonl line 2: field 'correct' is present but line 1 does not"),
        mixed.getMessage());
  }

  @Test
  void rejectsAnEmptyFileAndOutOfVocabularyTokens() {
    IllegalArgumentException empty =
        assertThrows(
            IllegalArgumentException.class,
            () -> TeacherSamples.parse("e.jsonl", List.of("", " ")));
    assertTrue(empty.getMessage().contains("e.jsonl: no teacher samples"), empty.getMessage());

    TeacherSamples samples = TeacherSamples.parse("s.jsonl", List.of(GOOD));
    IllegalArgumentException vocab =
        assertThrows(IllegalArgumentException.class, () -> samples.checkVocabulary(9));
    assertTrue(
        vocab.getMessage().contains("teacher sample id 0: completion[2] = 9 is outside"),
        vocab.getMessage());
  }

  private static void assertError(String secondLine, String expected) {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                TeacherSamples.parse(
                    "t.jsonl", List.of(GOOD.replace("\"id\": 0", "\"id\": 5"), secondLine)));
    assertTrue(e.getMessage().startsWith("t.jsonl line 2: "), e.getMessage());
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }
}
