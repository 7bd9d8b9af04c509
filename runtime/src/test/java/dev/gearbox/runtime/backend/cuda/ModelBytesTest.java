package dev.gearbox.runtime.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gearbox.runtime.model.LayerConfig;
import dev.gearbox.runtime.model.MixerConfig;
import dev.gearbox.runtime.model.ModelConfig;
import dev.gearbox.runtime.model.Rope;
import dev.gearbox.runtime.placement.LayerState;
import dev.gearbox.runtime.placement.Placement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelBytesTest {
  static final int HIDDEN = 64;
  static final int VOCAB = 256;
  static final int INTER = 128;

  static final MixerConfig.Attention FA =
      new MixerConfig.Attention(4, 2, 16, Rope.plain(10000), 0, false, false, false, 1e-5);
  static final MixerConfig.Attention SWA =
      new MixerConfig.Attention(4, 2, 16, Rope.plain(10000), 8, true, false, false, 1e-5);
  static final MixerConfig.GatedDeltaNet GDN = new MixerConfig.GatedDeltaNet(4, 2, 16, 16, 4, 1e-5);
  static final MixerConfig.Mamba MAMBA =
      new MixerConfig.Mamba(128, 16, 32, 4, 4, true, true, false, true);

  static ModelConfig config() {
    List<LayerConfig> layers = new ArrayList<>();
    for (int l = 0; l < 2; l++) {
      Map<String, MixerConfig> mixers = new LinkedHashMap<>();
      mixers.put("attention", FA);
      mixers.put("swa", SWA);
      mixers.put("gdn", GDN);
      mixers.put("mamba", MAMBA);
      Map<String, String> prefixes = new LinkedHashMap<>();
      mixers.keySet().forEach(n -> prefixes.put(n, "l" + n + "."));
      layers.add(new LayerConfig(mixers, prefixes, "attention", "b.", INTER, 1e-5));
    }
    return new ModelConfig("t", HIDDEN, VOCAB, 4096, layers, 1e-5, false, 1, List.of(2));
  }

  @Test
  void attentionWeightsAreBf16LinearsPlusFp32Extras() {
    // qkv 64x(64+32+32) + o 64x64, bf16; rope 8 floats
    assertEquals(2L * (64 * 128 + 64 * 64) + 4 * 8, ModelBytes.mixerWeights(FA, HIDDEN));
    // + q|k|v bias 128 floats
    assertEquals(2L * (64 * 128 + 64 * 64) + 4 * 8 + 4 * 128, ModelBytes.mixerWeights(SWA, HIDDEN));
  }

  @Test
  void mambaPadsTheDtRankToEight() {
    assertEquals(8, ModelBytes.paddedDtRank(4));
    assertEquals(16, ModelBytes.paddedDtRank(16));
    long linears = 2L * (64 * (2 * 32 + 2 * 128) + 64 * 8 + 8 * 128 + 128 * 64);
    long small = 128 * 4 + 128 + 128 * 16 + 128 + 128 + 128; // conv w+b, aNeg, D, dtBias, dt bias
    assertEquals(linears + 4 * small, ModelBytes.mixerWeights(MAMBA, HIDDEN));
  }

  @Test
  void stateLayoutsAreBf16KvAndFp32Recurrent() {
    LayerState fa = ModelBytes.layout(FA, HIDDEN);
    assertEquals(2L * 2 * 16 * 2, fa.bytesPerToken());
    assertEquals(0, fa.window());
    assertEquals(8, ModelBytes.layout(SWA, HIDDEN).window());
    LayerState gdn = ModelBytes.layout(GDN, HIDDEN);
    assertEquals(4L * (4 * 16 * 16 + (2 * 32 + 64) * 3), gdn.fixedBytes());
    assertEquals(0, gdn.bytesPerToken());
  }

  @Test
  void bytesPerStepAddsWeightsKvReadAndStateTraffic() {
    ModelConfig config = config();
    List<String> names = List.of("attention", "swa");
    List<LayerState> layouts =
        List.of(ModelBytes.layout(FA, HIDDEN), ModelBytes.layout(SWA, HIDDEN));
    Placement p = new Placement("p", names, layouts);
    long shared = 2L * 4 * HIDDEN + 2L * (HIDDEN * 2 * INTER + INTER * HIDDEN);
    long head = 2L * VOCAB * HIDDEN + 4L * HIDDEN;
    long kv = 2L * 2 * 16 * 2;
    long weights =
        head + 2 * shared + ModelBytes.mixerWeights(FA, HIDDEN) + ModelBytes.mixerWeights(SWA, HIDDEN);
    assertEquals(weights + 100 * kv + 8 * kv, ModelBytes.perStep(config, p, 100));
    assertEquals(weights + 5 * kv + 5 * kv, ModelBytes.perStep(config, p, 5));
    Placement r =
        new Placement("r", List.of("gdn", "mamba"),
            List.of(ModelBytes.layout(GDN, HIDDEN), ModelBytes.layout(MAMBA, HIDDEN)));
    long state =
        2L * 4 * (ModelBytes.stateFloats(GDN, HIDDEN) + ModelBytes.stateFloats(MAMBA, HIDDEN));
    long rw =
        head + 2 * shared + ModelBytes.mixerWeights(GDN, HIDDEN)
            + ModelBytes.mixerWeights(MAMBA, HIDDEN);
    assertEquals(rw + state, ModelBytes.perStep(config, r, 1));
    assertEquals(rw + state, ModelBytes.perStep(config, r, 100000), "no growth with context");
  }

  @Test
  void aBatchReadsEachUsedMixersWeightsOnceAndEachRowsOwnState() {
    ModelConfig config = config();
    Placement fa =
        new Placement("fa", List.of("attention", "attention"),
            List.of(ModelBytes.layout(FA, HIDDEN), ModelBytes.layout(FA, HIDDEN)));
    Placement gdn =
        new Placement("gdn", List.of("gdn", "gdn"),
            List.of(ModelBytes.layout(GDN, HIDDEN), ModelBytes.layout(GDN, HIDDEN)));
    long kvRow = 2 * 100L * 2 * 2 * 16 * 2; // two layers, 100 tokens of K and V
    long stateRow = 2 * 2L * 4 * ModelBytes.stateFloats(GDN, HIDDEN);
    // One row: the same as the single-sequence model.
    assertEquals(ModelBytes.perStep(config, fa, 100), ModelBytes.perBatchStep(config, List.of(fa), 100));
    // Three rows of one placement: weights once, KV three times.
    assertEquals(ModelBytes.perStep(config, fa, 100) + 2 * kvRow,
        ModelBytes.perBatchStep(config, List.of(fa, fa, fa), 100));
    // A mixed pair reads both mixers' weights: the pure steps' bytes plus the other mixer's.
    long mixed = ModelBytes.perBatchStep(config, List.of(fa, gdn), 100);
    assertEquals(ModelBytes.perStep(config, fa, 100) + 2 * ModelBytes.mixerWeights(GDN, HIDDEN)
        + stateRow, mixed);
  }

  @Test
  void bf16RoundsToNearestEven() {
    assertEquals((short) 0x3f80, Bf16.round(1.0f));
    // 1 + 2^-8 is halfway between bf16 1.0 and 1.0078125: ties to even (1.0)
    assertEquals((short) 0x3f80, Bf16.round(Float.intBitsToFloat(0x3f808000)));
    // 1.0078125 + half ulp: ties to even (1.015625)
    assertEquals((short) 0x3f82, Bf16.round(Float.intBitsToFloat(0x3f818000)));
    assertEquals((short) 0x3f81, Bf16.round(Float.intBitsToFloat(0x3f808001)));
    assertEquals(-2.5f, Bf16.toFloat(Bf16.round(-2.5f)));
    assertEquals(true, Float.isNaN(Bf16.toFloat(Bf16.round(Float.NaN))));
    assertEquals(Float.POSITIVE_INFINITY,
        Bf16.toFloat(Bf16.round(Float.POSITIVE_INFINITY)));
  }
}
