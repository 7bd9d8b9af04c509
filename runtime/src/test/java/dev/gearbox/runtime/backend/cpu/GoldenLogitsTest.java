package dev.gearbox.runtime.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.runtime.model.LanguageModel;
import dev.gearbox.runtime.model.Models;
import dev.gearbox.runtime.model.SequenceState;
import dev.gearbox.runtime.placement.Placement;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every placement of the golden directory against the reference implementation's outputs. */
class GoldenLogitsTest {
  private static final float TOLERANCE = 5e-4f;
  private static GoldenData golden;
  private static LanguageModel model;

  @BeforeAll
  static void load() {
    golden = GoldenData.load();
    model = Models.load(golden.dir, 2);
  }

  @AfterAll
  static void close() {
    model.close();
  }

  static Stream<String> placements() {
    return GoldenData.load().placements.keySet().stream();
  }

  private static Placement placement(String name) {
    return model.placement(name, golden.placements.get(name));
  }

  @ParameterizedTest
  @MethodSource("placements")
  void prefillLogitsMatchReference(String name) {
    int[] prompt = golden.prompt;
    int vocab = model.vocabSize();
    SequenceState seq = model.newSequence(placement(name));
    float[] logits = new float[prompt.length * vocab];
    model.prefill(seq, prompt, 0, prompt.length, logits, true);
    assertClose(golden.floats(name + ".prefill_logits"), logits, name + " prefill");
    assertEquals(prompt.length, seq.length());
    assertEquals(seq.placement().stateBytes(seq.length()), seq.stateBytes());
  }

  @ParameterizedTest
  @MethodSource("placements")
  void cachedDecodeLogitsMatchReference(String name) {
    int[] prompt = golden.prompt;
    int vocab = model.vocabSize();
    int split = golden.decodeSplit();
    SequenceState seq = model.newSequence(placement(name));
    float[] last = new float[vocab];
    model.prefill(seq, prompt, 0, split, last, false);
    float[] expected = golden.floats(name + ".decode_logits");
    float[][] step = new float[1][vocab];
    float[] actual = new float[(prompt.length - split) * vocab];
    for (int p = split; p < prompt.length; p++) {
      model.decode(new SequenceState[] {seq}, new int[] {prompt[p]}, 1, step);
      System.arraycopy(step[0], 0, actual, (p - split) * vocab, vocab);
    }
    assertClose(expected, actual, name + " decode");
    assertEquals(seq.placement().stateBytes(seq.length()), seq.stateBytes());
  }

  @ParameterizedTest
  @MethodSource("placements")
  void greedyContinuationMatchesReference(String name) {
    int[] prompt = golden.prompt;
    int vocab = model.vocabSize();
    long[] expected = golden.longs(name + ".greedy_tokens");
    SequenceState seq = model.newSequence(placement(name));
    float[][] logits = new float[1][vocab];
    model.prefill(seq, prompt, 0, prompt.length, logits[0], false);
    long[] actual = new long[expected.length];
    for (int i = 0; i < expected.length; i++) {
      int next = argmax(logits[0]);
      actual[i] = next;
      if (i + 1 < expected.length) {
        model.decode(new SequenceState[] {seq}, new int[] {next}, 1, logits);
      }
    }
    assertArrayEquals(expected, actual, name + " greedy tokens");
  }

  static int argmax(float[] values) {
    int best = 0;
    for (int i = 1; i < values.length; i++) {
      if (values[i] > values[best]) {
        best = i;
      }
    }
    return best;
  }

  static void assertClose(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what + " length");
    float worst = 0;
    int at = -1;
    for (int i = 0; i < expected.length; i++) {
      float diff = Math.abs(expected[i] - actual[i]);
      if (!(diff <= worst)) {
        worst = diff;
        at = i;
      }
    }
    System.out.println(what + ": max abs diff " + worst);
    assertTrue(worst <= TOLERANCE, what + ": max abs diff " + worst + " at index " + at);
  }
}
