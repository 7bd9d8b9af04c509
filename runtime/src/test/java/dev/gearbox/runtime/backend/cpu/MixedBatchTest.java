package dev.gearbox.runtime.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.gearbox.runtime.model.LanguageModel;
import dev.gearbox.runtime.model.Models;
import dev.gearbox.runtime.model.SequenceState;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Batched decode over mixed placements and chunked prefill agree with their one-at-a-time forms.
 */
class MixedBatchTest {
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

  @Test
  void batchOfDifferentPlacementsMatchesEachRowAlone() {
    List<String> names = List.copyOf(golden.placements.keySet());
    int rows = names.size();
    int vocab = model.vocabSize();
    SequenceState[] batched = new SequenceState[rows];
    SequenceState[] alone = new SequenceState[rows];
    int[] tokens = new int[rows];
    float[] scratch = new float[vocab];
    for (int r = 0; r < rows; r++) {
      var placement = model.placement(names.get(r), golden.placements.get(names.get(r)));
      // Different prompt lengths per row, some past the SWA window, so positions differ in the
      // batch.
      int length = 5 + 3 * r;
      batched[r] = model.newSequence(placement);
      alone[r] = model.newSequence(placement);
      model.prefill(batched[r], golden.prompt, 0, length, scratch, false);
      model.prefill(alone[r], golden.prompt, 0, length, scratch, false);
      tokens[r] = golden.prompt[length];
    }
    float[][] batchLogits = new float[rows][vocab];
    float[][] single = new float[1][vocab];
    for (int step = 0; step < 6; step++) {
      model.decode(batched, tokens, rows, batchLogits);
      for (int r = 0; r < rows; r++) {
        model.decode(new SequenceState[] {alone[r]}, new int[] {tokens[r]}, 1, single);
        GoldenLogitsTest.assertClose(
            single[0], batchLogits[r], names.get(r) + " row " + r + " step " + step);
        assertEquals(alone[r].length(), batched[r].length());
        tokens[r] = GoldenLogitsTest.argmax(batchLogits[r]);
      }
    }
  }

  @Test
  void chunkedPrefillEqualsWholePrefill() {
    int vocab = model.vocabSize();
    int[] prompt = golden.prompt;
    for (var entry : golden.placements.entrySet()) {
      var placement = model.placement(entry.getKey(), entry.getValue());
      SequenceState whole = model.newSequence(placement);
      float[] expected = new float[prompt.length * vocab];
      model.prefill(whole, prompt, 0, prompt.length, expected, true);

      SequenceState chunked = model.newSequence(placement);
      float[] actual = new float[prompt.length * vocab];
      int[] cuts = {0, 17, 30, prompt.length};
      for (int c = 0; c + 1 < cuts.length; c++) {
        int length = cuts[c + 1] - cuts[c];
        float[] part = new float[length * vocab];
        model.prefill(chunked, prompt, cuts[c], length, part, true);
        System.arraycopy(part, 0, actual, cuts[c] * vocab, part.length);
      }
      GoldenLogitsTest.assertClose(expected, actual, entry.getKey() + " chunked prefill");
      assertEquals(whole.stateBytes(), chunked.stateBytes());
    }
  }

  @Test
  void stateBytesFollowThePlacement() {
    var placement = model.placement("m", List.of("attention,swa,gdn,mamba"));
    SequenceState seq = model.newSequence(placement);
    float[] logits = new float[model.vocabSize()];
    long empty = seq.stateBytes();
    model.prefill(seq, golden.prompt, 0, 4, logits, false);
    // FA: 2 * kvHeads(2) * headDim(16) * 4 bytes per token; SWA the same until its window (8).
    assertEquals(empty + 4 * 2 * (2 * 2 * 16 * 4), seq.stateBytes());
    model.prefill(seq, golden.prompt, 4, 20, logits, false);
    assertEquals(empty + 24 * 256 + 8 * 256, seq.stateBytes());
    assertEquals(placement.stateBytes(24), seq.stateBytes());
  }

  @Test
  void forkContinuesIndependentlyFromTheSamePrefix() {
    CpuLanguageModel cpu = (CpuLanguageModel) model;
    int vocab = model.vocabSize();
    for (var entry : golden.placements.entrySet()) {
      SequenceState original = model.newSequence(model.placement(entry.getKey(), entry.getValue()));
      float[] logits = new float[vocab];
      model.prefill(original, golden.prompt, 0, 20, logits, false);
      SequenceState copy = cpu.fork(original);
      float[][] a = new float[1][vocab];
      float[][] b = new float[1][vocab];
      // Feed the copy a different token first: the original must not notice.
      model.decode(new SequenceState[] {copy}, new int[] {7}, 1, b);
      SequenceState again = cpu.fork(original);
      model.decode(new SequenceState[] {original}, new int[] {golden.prompt[20]}, 1, a);
      model.decode(new SequenceState[] {again}, new int[] {golden.prompt[20]}, 1, b);
      GoldenLogitsTest.assertClose(a[0], b[0], entry.getKey() + " fork");
      assertEquals(21, again.length());
      assertEquals(original.stateBytes(), again.stateBytes());
    }
  }

  @Test
  void releasedOrForeignSequencesAreRejected() {
    SequenceState seq = model.newSequence(model.defaultPlacement());
    seq.release();
    float[] logits = new float[model.vocabSize()];
    var error =
        assertThrows(
            IllegalStateException.class,
            () -> model.prefill(seq, golden.prompt, 0, 3, logits, false));
    assertEquals("sequence at row 0 was released", error.getMessage());
    SequenceState fresh = model.newSequence(model.defaultPlacement());
    var badToken =
        assertThrows(
            IllegalArgumentException.class,
            () -> model.prefill(fresh, new int[] {1, 999}, 0, 2, logits, false));
    assertEquals("token 999 at index 1 is outside the vocabulary [0, 256)", badToken.getMessage());
  }
}
