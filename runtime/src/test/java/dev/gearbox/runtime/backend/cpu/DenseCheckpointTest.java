package dev.gearbox.runtime.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.runtime.bench.RandomCheckpoint;
import dev.gearbox.runtime.model.LanguageModel;
import dev.gearbox.runtime.model.ModelConfig;
import dev.gearbox.runtime.model.Models;
import dev.gearbox.runtime.model.SequenceState;
import dev.gearbox.runtime.placement.MixerKind;
import dev.gearbox.runtime.placement.Placement;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Dense Llama/Qwen checkpoints: every layer is attention and may also run windowed, same weights.
 */
class DenseCheckpointTest {
  private static final int WINDOW = 6;
  private static final RandomCheckpoint.Spec SPEC =
      new RandomCheckpoint.Spec(32, 3, 64, 4, 2, 8, 48, WINDOW, 512);

  @ParameterizedTest
  @ValueSource(strings = {"llama", "qwen2", "qwen3"})
  void windowedLayerMatchesFullAttentionOnlyWithinTheWindow(String modelType, @TempDir Path dir) {
    RandomCheckpoint.writeDense(dir, modelType, SPEC, modelType.equals("qwen3"), 7);
    try (LanguageModel model = Models.load(dir, 2)) {
      Placement full = model.placement("all-fa", List.of("fa*3"));
      Placement windowed = model.placement("mid-swa", List.of("fa,swa,fa"));
      assertEquals(MixerKind.SLIDING_WINDOW, windowed.kind(1));
      assertEquals(List.of("attention", "swa", "attention"), windowed.mixerNames());
      int[] tokens = new int[20];
      for (int i = 0; i < tokens.length; i++) {
        tokens[i] = (i * 37 + 11) % SPEC.vocab();
      }
      int vocab = model.vocabSize();
      float[] a = run(model, full, tokens);
      float[] b = run(model, windowed, tokens);
      for (int p = 0; p < tokens.length; p++) {
        float diff = 0;
        for (int v = 0; v < vocab; v++) {
          diff = Math.max(diff, Math.abs(a[p * vocab + v] - b[p * vocab + v]));
        }
        if (p < WINDOW) {
          assertEquals(
              0f,
              diff,
              modelType + ": position " + p + " sees at most the window, logits must agree");
        } else {
          assertTrue(
              diff > 1e-4,
              modelType + ": position " + p + " is past the window, logits must differ");
        }
      }
    }
  }

  /** Prefill of the first half, then decode one token at a time: exercises both paths. */
  private static float[] run(LanguageModel model, Placement placement, int[] tokens) {
    int vocab = model.vocabSize();
    float[] out = new float[tokens.length * vocab];
    SequenceState seq = model.newSequence(placement);
    int half = tokens.length / 2;
    float[] prefill = new float[half * vocab];
    model.prefill(seq, tokens, 0, half, prefill, true);
    System.arraycopy(prefill, 0, out, 0, prefill.length);
    float[][] step = new float[1][vocab];
    for (int p = half; p < tokens.length; p++) {
      model.decode(new SequenceState[] {seq}, new int[] {tokens[p]}, 1, step);
      System.arraycopy(step[0], 0, out, p * vocab, vocab);
    }
    assertEquals(placement.stateBytes(tokens.length), seq.stateBytes());
    return out;
  }

  @Test
  void denseConfigExposesSizesAndTokenIds(@TempDir Path dir) {
    RandomCheckpoint.writeDense(dir, "qwen2", SPEC, false, 3);
    ModelConfig config = Models.loadConfig(dir);
    assertEquals(32, config.hiddenSize());
    assertEquals(3, config.numLayers());
    assertEquals(2, config.kvHeads());
    assertEquals(8, config.headDim());
    assertEquals(64, config.vocabSize());
    assertEquals(512, config.maxPositions());
    assertEquals(1, config.bosTokenId());
    assertEquals(List.of(2), config.eosTokenIds());
    assertEquals(List.of("attention", "swa"), config.layers().get(0).mixerNames());
    assertEquals(
        WINDOW,
        ((dev.gearbox.runtime.model.MixerConfig.Attention)
                config.layers().get(0).mixers().get("swa"))
            .window());
  }
}
