package dev.gearbox.runtime.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.runtime.model.MixerConfig;
import dev.gearbox.runtime.model.ModelConfig;
import dev.gearbox.runtime.model.PlacementResolver;
import dev.gearbox.runtime.placement.LayerState;
import dev.gearbox.runtime.placement.MixerKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The benchmark's shapes parse to the published sizes; placements land on the right layers. */
class BenchShapesTest {
  private static final ModelConfig LLAMA = BenchShapes.config(BenchShapes.LLAMA_1B);
  private static final ModelConfig QWEN = BenchShapes.config(BenchShapes.QWEN3_1_7B);
  private static final ModelConfig BIG = BenchShapes.config(BenchShapes.SUPER_APRIEL_15B);

  private static List<String> resolve(ModelConfig config, String pattern) {
    PlacementResolver resolver =
        new PlacementResolver(
            config.layers(), (layer, name) -> new LayerState(MixerKind.FULL_ATTENTION, 0, 0, 0));
    return resolver.resolve("p", List.of(pattern)).mixerNames();
  }

  @Test
  void llamaShapeMatchesLlama32OneB() {
    assertEquals(16, LLAMA.numLayers());
    assertEquals(2048, LLAMA.hiddenSize());
    assertEquals(128256, LLAMA.vocabSize());
    assertTrue(LLAMA.tieWordEmbeddings());
    MixerConfig.Attention a =
        assertInstanceOf(MixerConfig.Attention.class, LLAMA.layers().get(0).mixers().get("attention"));
    assertEquals(32, a.heads());
    assertEquals(8, a.kvHeads());
    assertEquals(64, a.headDim());
    assertEquals(500000.0, a.rope().theta());
    assertEquals(32.0, a.rope().llama3Factor());
    assertEquals(8192, LLAMA.layers().get(15).intermediateSize());
    // 1,235,814,400 parameters (the published count); norms f32, everything else bf16.
    long norms = 16 * 2 * 2048 + 2048;
    assertEquals(2 * (1_235_814_400L - norms) + 4 * norms, BenchShapes.weightBytes(LLAMA));
  }

  @Test
  void qwenShapeHasQkNormAndTiedEmbeddings() {
    assertEquals(28, QWEN.numLayers());
    assertEquals(151936, QWEN.vocabSize());
    assertTrue(QWEN.tieWordEmbeddings());
    MixerConfig.Attention a =
        assertInstanceOf(MixerConfig.Attention.class, QWEN.layers().get(27).mixers().get("attention"));
    assertEquals(16, a.heads());
    assertEquals(8, a.kvHeads());
    assertEquals(128, a.headDim());
    assertTrue(a.qkNorm());
    assertEquals(6144, QWEN.layers().get(0).intermediateSize());
    // Per layer: q|k|v 2048x4096 + o 2048x2048 + MLP 3x2048x6144 (bf16); 2 norms + q/k norms (f32).
    long perLayer = 2L * (2048L * 4096 + 2048L * 2048 + 3L * 2048 * 6144) + 4L * (2 * 2048 + 2 * 128);
    assertEquals(
        28 * perLayer + 2L * 151936 * 2048 + 4L * 2048, BenchShapes.weightBytes(QWEN));
  }

  @Test
  void superAprielLayersCarryTheMixersThePlacementsNeed() {
    assertEquals(48, BIG.numLayers());
    assertEquals(5120, BIG.hiddenSize());
    assertEquals(131072, BIG.vocabSize());
    assertEquals(false, BIG.tieWordEmbeddings());
    assertTrue(BIG.maxPositions() >= 131072 + 1024);
    for (int i = 0; i < 48; i++) {
      List<String> names = BIG.layers().get(i).mixerNames();
      assertEquals("attention", BIG.layers().get(i).mainMixer());
      assertTrue(names.contains("attention") && names.contains("gdn"), "layer " + i);
      assertEquals(i < 10, names.contains("swa"), "swa on layer " + i);
      assertEquals(i >= 10 && i < 15, names.contains("kda"), "kda on layer " + i);
    }
    MixerConfig.Attention swa =
        assertInstanceOf(MixerConfig.Attention.class, BIG.layers().get(3).mixers().get("swa"));
    assertEquals(BenchShapes.SWA_WINDOW, swa.window());
    assertEquals(8, swa.kvHeads());
    MixerConfig.GatedDeltaNet gdn =
        assertInstanceOf(MixerConfig.GatedDeltaNet.class, BIG.layers().get(20).mixers().get("gdn"));
    assertEquals(List.of(32, 16, 128, 128, 4),
        List.of(gdn.valueHeads(), gdn.keyHeads(), gdn.keyHeadDim(), gdn.valueHeadDim(), gdn.convKernel()));
    MixerConfig.KimiDelta kda =
        assertInstanceOf(MixerConfig.KimiDelta.class, BIG.layers().get(12).mixers().get("kda"));
    assertEquals(32, kda.heads());
    assertEquals(128, kda.headDim());
    assertEquals(14336, BIG.layers().get(47).intermediateSize());
  }

  @Test
  void placementPatternsResolveToTheDescribedLayers() {
    List<String> turbo = resolve(BIG, BenchShapes.TURBO);
    List<String> expected = new ArrayList<>();
    expected.addAll(Collections.nCopies(10, "swa"));
    expected.addAll(Collections.nCopies(5, "kda"));
    expected.addAll(Collections.nCopies(33, "gdn"));
    assertEquals(expected, turbo);

    List<String> hybrid = resolve(BIG, BenchShapes.HYBRID);
    assertEquals(48, hybrid.size());
    for (int i = 0; i < 48; i++) {
      assertEquals(i % 4 == 0 ? "attention" : "gdn", hybrid.get(i), "layer " + i);
    }
    assertEquals(12, Collections.frequency(hybrid, "attention"));
    assertEquals(Collections.nCopies(48, "gdn"), resolve(BIG, BenchShapes.allGdn(BIG)));
    assertEquals(Collections.nCopies(48, "attention"), resolve(BIG, BenchShapes.allFa(BIG)));
    assertEquals(Collections.nCopies(16, "attention"), resolve(LLAMA, BenchShapes.allFa(LLAMA)));
    // KDA only exists on layers 10-14.
    assertThrows(IllegalArgumentException.class, () -> resolve(BIG, "kda*48"));
  }

  @Test
  void predictedRatioGrowsWithContextOnlyThroughFullAttentionKv() {
    List<String> fa = resolve(BIG, BenchShapes.allFa(BIG));
    List<String> turbo = resolve(BIG, BenchShapes.TURBO);
    long kvPerToken = 48L * 2 * 8 * 128 * 2;
    assertEquals(kvPerToken, BenchShapes.kvBytesPerToken(BIG, fa));
    assertEquals(0, BenchShapes.kvBytesPerToken(BIG, turbo));
    assertEquals(12L * 2 * 8 * 128 * 2, BenchShapes.kvBytesPerToken(BIG, resolve(BIG, BenchShapes.HYBRID)));

    // All-FA: linear in length; turbo: flat once the SWA window is full.
    long fa0 = BenchShapes.stepBytes(BIG, fa, 0);
    assertEquals(fa0 + 131072 * kvPerToken, BenchShapes.stepBytes(BIG, fa, 131072));
    long turboFull = BenchShapes.stepBytes(BIG, turbo, 4096);
    assertEquals(turboFull, BenchShapes.stepBytes(BIG, turbo, 131072));
    assertEquals(
        turboFull - 96L * 10 * 2 * 8 * 128 * 2, BenchShapes.stepBytes(BIG, turbo, 4000));

    double at4k =
        BenchShapes.predictedSpeedup(BenchShapes.stepBytes(BIG, fa, 4096), turboFull);
    double at128k =
        BenchShapes.predictedSpeedup(BenchShapes.stepBytes(BIG, fa, 131072), turboFull);
    assertTrue(at128k > at4k, at128k + " vs " + at4k);
    assertEquals(
        (double) BenchShapes.stepBytes(BIG, fa, 131072) / turboFull, at128k, 1e-12);
    // 128k of all-FA KV (25.8 GB) exceeds the turbo placement's whole step.
    assertTrue(at128k > 1.5, "128k ratio " + at128k);
    assertThrows(IllegalArgumentException.class, () -> BenchShapes.predictedSpeedup(0, 1));
  }

  @Test
  void optionsParseShapesSmallestFirstAndRejectUnknowns() {
    CudaDecodeBenchmark.Options o =
        CudaDecodeBenchmark.Options.parse(
            new String[] {"--quick", "--shapes", "superapriel-15b,llama-3.2-1b", "--out", "x.csv"});
    assertTrue(o.quick());
    assertEquals(List.of("llama-3.2-1b", "superapriel-15b"), o.shapes());
    assertEquals(Path.of("x.csv"), o.out());
    assertEquals(BenchShapes.NAMES, CudaDecodeBenchmark.Options.parse(new String[0]).shapes());
    assertThrows(
        IllegalArgumentException.class,
        () -> CudaDecodeBenchmark.Options.parse(new String[] {"--shapes", "gpt2"}));
    assertThrows(
        IllegalArgumentException.class,
        () -> CudaDecodeBenchmark.Options.parse(new String[] {"--bogus"}));
    assertThrows(
        IllegalArgumentException.class,
        () -> CudaDecodeBenchmark.Options.parse(new String[] {"--out"}));
  }

  @Test
  void tablesRenderMarkdownAndQuotedCsv() {
    BenchTable table = new BenchTable("T, one", "a", "b");
    table.add("x", 1234.5);
    table.add(7, null);
    assertEquals("### T, one\n\n| a | b |\n| --- | --- |\n| x | 1235 |\n| 7 | - |\n", table.markdown());
    assertEquals("table,a,b\n\"T, one\",x,1235\n\"T, one\",7,-\n", table.csv());
    assertThrows(IllegalArgumentException.class, () -> table.add("only one"));
  }
}
