package dev.gearbox.runtime.backend.cuda.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gearbox.runtime.backend.cpu.CpuLanguageModel;
import dev.gearbox.runtime.backend.cuda.Bf16;
import dev.gearbox.runtime.backend.cuda.CudaLanguageModel;
import dev.gearbox.runtime.backend.cuda.CudaOptions;
import dev.gearbox.runtime.checkpoint.SafetensorsFile;
import dev.gearbox.runtime.checkpoint.SafetensorsWriter;
import dev.gearbox.runtime.checkpoint.TensorInfo;
import dev.gearbox.runtime.checkpoint.TensorStore;
import dev.gearbox.runtime.model.ModelConfig;
import dev.gearbox.runtime.model.Models;
import dev.gearbox.runtime.model.SequenceState;
import dev.gearbox.runtime.placement.Placement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Device check of {@link CudaLanguageModel} against the CPU model (the numerical reference) and
 * the golden checkpoint's reference outputs. Run on a GPU machine:
 *
 * <pre>
 * java -cp runtime.jar:deps dev.gearbox.runtime.backend.cuda.check.CudaModelCheck \
 *     [--golden runtime/src/test/resources/golden/apriel2-tiny] [--bundled examples/models/gearbox-tiny]
 * </pre>
 *
 * Prints {@code PASS|FAIL <case> ...} lines and a summary; exits 1 on any FAIL.
 */
public final class CudaModelCheck {
  /** Logits of bf16 weights vs fp32 reference. */
  static final double TOLERANCE = 2e-2;

  private final CheckReport report = new CheckReport();

  public static void main(String[] args) throws Exception {
    Path golden = Path.of("runtime/src/test/resources/golden/apriel2-tiny");
    Path bundled = Path.of("examples/models/gearbox-tiny");
    String sections = "golden,bundled";
    int repeat = 1;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--golden" -> golden = Path.of(args[i + 1]);
        case "--bundled" -> bundled = Path.of(args[i + 1]);
        case "--sections" -> sections = args[i + 1];
        case "--repeat" -> repeat = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown flag " + args[i]);
      }
    }
    CudaModelCheck check = new CudaModelCheck();
    // Repeats catch errors that move between runs (races, reads of memory nothing wrote).
    for (int r = 0; r < repeat; r++) {
      if (sections.contains("golden")) {
        check.golden(golden);
      }
      if (sections.contains("bundled")) {
        check.bundled(bundled);
      }
    }
    System.exit(check.report.summary() ? 0 : 1);
  }

  private static CudaLanguageModel gpu(Path dir, CudaOptions options) {
    ModelConfig config = Models.loadConfig(dir);
    try (TensorStore store = TensorStore.open(dir)) {
      return CudaLanguageModel.load(config, store, options);
    }
  }

  private static CudaOptions small() {
    return new CudaOptions(48, 16, 64, 512, 64L << 20, true, 0);
  }

  private void golden(Path dir) throws IOException {
    JsonNode json = new ObjectMapper().readTree(dir.resolve("golden.json").toFile());
    Map<String, List<String>> placements = new LinkedHashMap<>();
    json.get("placements").fields().forEachRemaining(e -> {
      List<String> names = new ArrayList<>();
      e.getValue().forEach(n -> names.add(n.asText()));
      placements.put(e.getKey(), names);
    });
    int split = json.get("decode_split").asInt();
    int[] prompt;
    Map<String, long[]> greedy = new LinkedHashMap<>();
    try (SafetensorsFile file = SafetensorsFile.open(dir.resolve("golden.safetensors"))) {
      long[] ids = file.longs("prompt_ids");
      prompt = new int[ids.length];
      for (int i = 0; i < ids.length; i++) {
        prompt[i] = Math.toIntExact(ids[i]);
      }
      for (String name : placements.keySet()) {
        greedy.put(name, file.longs(name + ".greedy_tokens"));
      }
    }
    // The reference is the CPU model on the same weights the GPU holds: those it keeps in bf16
    // rounded to bf16. What bf16 itself changes against the fp32 golden outputs is reported apart.
    Path rounded = bf16Copy(dir);
    try (CpuLanguageModel cpu = Models.load(rounded, 4);
        CudaLanguageModel gpu = gpu(dir, small());
        CudaLanguageModel direct = gpu(dir, small().withGraphs(false));
        // Chunks of 20 keep every chunk of the 40-token prompt on the GEMM path like the whole prompt,
        // so chunking is compared on equal arithmetic (the ring model below uses chunks of 7).
        CudaLanguageModel chunked = gpu(dir, small().withPrefillChunk(20));
        CudaLanguageModel ring = gpu(dir, new CudaOptions(32, 16, 4, 7, 16L << 20, true, 0))) {
      report.info("golden " + dir + " on " + gpu.context().name());
      weights(gpu, "golden");
      List<Placement> all = new ArrayList<>();
      for (Map.Entry<String, List<String>> e : placements.entrySet()) {
        String name = e.getKey();
        Placement cp = cpu.placement(name, e.getValue());
        Placement gp = gpu.placement(name, e.getValue());
        all.add(gp);
        ModelChecks.prefill(report, "golden " + name, cpu, cp, gpu, gp, prompt);
        ModelChecks.decode(report, "golden " + name, cpu, cp, gpu, gp, prompt, split);
        ModelChecks.greedy(report, "golden " + name, cpu, cp, gpu, gp, prompt, greedy.get(name));
        ModelChecks.chunked(report, "golden " + name + " prefillChunk=20", gpu, chunked, gp, prompt);
        ModelChecks.decode(report, "golden " + name + " pageTokens=4 ring", cpu, cp, ring, gp,
            prompt, split);
        ModelChecks.longDecode(report, "golden " + name + " 64 steps past prompt, pageTokens=4",
            cpu, cp, ring, gp, prompt, 64);
        ModelChecks.sampleGreedy(report, "golden " + name, gpu, gp, prompt);
      }
      ModelChecks.mixedBatch(report, "golden mixed batch x1", gpu, all, prompt, split, 1);
      ModelChecks.mixedBatch(report, "golden mixed batch x2 (GEMM rows)", gpu, all, prompt, split, 2);
      ModelChecks.graphsVsDirect(report, "golden", gpu, direct, all, prompt, 16);
      ModelChecks.errors(report, "golden", ring, all.get(0), prompt);
    }
  }

  private void bundled(Path dir) throws IOException {
    JsonNode json = new ObjectMapper().readTree(dir.resolve("placements.json").toFile());
    try (CpuLanguageModel cpu = Models.load(dir, 4);
        CudaLanguageModel gpu = gpu(dir, small());
        CudaLanguageModel direct = gpu(dir, small().withGraphs(false))) {
      weights(gpu, "bundled");
      Map<String, String> patterns = new LinkedHashMap<>();
      for (String mixer : cpu.mixerNames(0)) {
        patterns.put("all-" + mixer, mixer + "*" + cpu.numLayers());
      }
      json.get("placements").forEach(p -> patterns.put(p.get("name").asText(),
          p.get("pattern").asText()));
      int[] prompt = new int[48];
      for (int i = 0; i < prompt.length; i++) {
        prompt[i] = (int) ((i * 7919L + 13) % cpu.vocabSize());
      }
      List<Placement> all = new ArrayList<>();
      for (Map.Entry<String, String> e : patterns.entrySet()) {
        Placement cp = cpu.placement(e.getKey(), List.of(e.getValue()));
        Placement gp = gpu.placement(e.getKey(), List.of(e.getValue()));
        all.add(gp);
        ModelChecks.prefill(report, "bundled " + e.getKey(), cpu, cp, gpu, gp, prompt);
        ModelChecks.decode(report, "bundled " + e.getKey(), cpu, cp, gpu, gp, prompt, 32);
        ModelChecks.longDecode(report, "bundled " + e.getKey() + " 80 steps past prompt", cpu, cp,
            gpu, gp, prompt, 80);
      }
      ModelChecks.mixedBatch(report, "bundled mixed batch x2", gpu, all, prompt, 32, 2);
      ModelChecks.graphsVsDirect(report, "bundled", gpu, direct, all, prompt, 16);
    }
  }

  /**
   * A copy of checkpoint {@code dir} (config and weights) in which every tensor the GPU keeps in
   * bf16 (linear projections, embedding, LM head: names ending in {@code proj.weight}, {@code
   * proj_qkvz.weight}, {@code proj_ba.weight}, {@code embed_tokens.weight}, {@code lm_head.weight})
   * is rounded to bf16 the way {@code DeviceWeights} rounds it.
   */
  static Path bf16Copy(Path dir) throws IOException {
    Path out = Files.createTempDirectory("gearbox-bf16-");
    Files.copy(dir.resolve("config.json"), out.resolve("config.json"));
    SafetensorsWriter writer = new SafetensorsWriter();
    try (TensorStore store = TensorStore.open(dir)) {
      for (String name : store.names()) {
        TensorInfo info = store.info(name);
        float[] values = store.floats(name, info.shape());
        if (keptInBf16(name)) {
          for (int i = 0; i < values.length; i++) {
            values[i] = Bf16.toFloat(Bf16.round(values[i]));
          }
        }
        writer.add(name, info.shape(), values);
      }
    }
    writer.write(out.resolve("model.safetensors"));
    return out;
  }

  static boolean keptInBf16(String name) {
    return name.endsWith("proj.weight")
        || name.endsWith("proj_qkvz.weight")
        || name.endsWith("proj_ba.weight")
        || name.endsWith("embed_tokens.weight")
        || name.endsWith("lm_head.weight");
  }

  private void weights(CudaLanguageModel gpu, String name) {
    report.check(gpu.weightBytes() == gpu.modelledWeightBytes(),
        name + " weight bytes on the device == bytes-per-step model",
        gpu.weightBytes() + " vs " + gpu.modelledWeightBytes());
  }

  /** Rel err ‖a-b‖/‖b‖ and max |a-b|. */
  static double[] compare(float[] actual, float[] expected) {
    double diff = 0;
    double norm = 0;
    double max = 0;
    for (int i = 0; i < expected.length; i++) {
      double d = actual[i] - expected[i];
      if (!Float.isFinite(actual[i])) {
        return new double[] {Double.NaN, Double.NaN};
      }
      diff += d * d;
      norm += (double) expected[i] * expected[i];
      max = Math.max(max, Math.abs(d));
    }
    return new double[] {Math.sqrt(diff / Math.max(norm, 1e-30)), max};
  }

  static String errText(double[] err) {
    return String.format(Locale.ROOT, "relErr=%.3e maxAbs=%.3e", err[0], err[1]);
  }

  /** Unused-release helper for the checks: releases whatever was made. */
  static void release(SequenceState... sequences) {
    for (SequenceState s : sequences) {
      if (s != null) {
        s.release();
      }
    }
  }
}
