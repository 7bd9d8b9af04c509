package dev.gearbox.runtime.bench;

import dev.gearbox.runtime.backend.cpu.CpuLanguageModel;
import dev.gearbox.runtime.backend.cpu.WorkerPool;
import dev.gearbox.runtime.model.Models;
import dev.gearbox.runtime.model.SequenceState;
import dev.gearbox.runtime.placement.Placement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU decode throughput by placement, context length and batch size, as ratios measured in one run:
 * each placement against all-FA, and achieved weight bandwidth against a plain memory-read probe on
 * the same threads.
 *
 * <p>Usage: {@code java -cp runtime/target/classes:<jackson jars>
 * dev.gearbox.runtime.bench.CpuDecodeBenchmark [goldenDir] [--quick]}.
 */
public final class CpuDecodeBenchmark {
  private static final int WARMUP_STEPS = 4;

  private final int threads = Runtime.getRuntime().availableProcessors();
  private final boolean quick;

  private CpuDecodeBenchmark(boolean quick) {
    this.quick = quick;
  }

  public static void main(String[] args) throws IOException {
    Path golden =
        Path.of(
            args.length > 0 && !args[0].startsWith("--")
                ? args[0]
                : "runtime/src/test/resources/golden/apriel2-tiny");
    boolean quick = List.of(args).contains("--quick");
    CpuDecodeBenchmark bench = new CpuDecodeBenchmark(quick);
    boolean simd = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    System.out.printf(
        Locale.ROOT,
        "threads=%d java=%s simd=%s%n",
        bench.threads,
        System.getProperty("java.version"),
        simd);
    double probe = bench.memoryProbeGbPerSecond();
    System.out.printf(Locale.ROOT, "memory-read probe: %.2f GB/s%n%n", probe);
    if (Files.exists(golden.resolve("config.json"))) {
      bench.goldenModel(golden);
    }
    bench.randomSupernet(probe);
  }

  /** Sums a 256 MiB array with the same thread count (and SIMD setting) the model uses. */
  private double memoryProbeGbPerSecond() {
    float[] data = new float[64 << 20];
    for (int i = 0; i < data.length; i += 1024) {
      data[i] = i;
    }
    double[] partial = new double[threads * 4 + 1];
    try (WorkerPool pool = new WorkerPool(threads)) {
      boolean simd = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
      WorkerPool.RangeTask sum =
          (from, to) -> {
            float total;
            if (simd) {
              total = SimdReadProbe.sum(data, from, to);
            } else {
              float s0 = 0;
              float s1 = 0;
              float s2 = 0;
              float s3 = 0;
              int i = from;
              for (; i + 3 < to; i += 4) {
                s0 += data[i];
                s1 += data[i + 1];
                s2 += data[i + 2];
                s3 += data[i + 3];
              }
              total = s0 + s1 + s2 + s3;
            }
            partial[from / Math.max(1, data.length / (threads * 4))] += total;
          };
      double best = 0;
      for (int round = 0; round < 6; round++) {
        long start = System.nanoTime();
        pool.run(sum, data.length, data.length / (threads * 4));
        double seconds = (System.nanoTime() - start) / 1e9;
        best = Math.max(best, 4.0 * data.length / seconds / 1e9);
      }
      double checksum = 0;
      for (double p : partial) {
        checksum += p;
      }
      if (checksum == 42) {
        System.out.println("(checksum)");
      }
      return best;
    }
  }

  private void goldenModel(Path dir) {
    System.out.println("== golden tiny model (" + dir + "), batch 1, context 40 ==");
    try (CpuLanguageModel model = Models.load(dir, threads)) {
      Map<String, Double> rates = new LinkedHashMap<>();
      for (String name :
          List.of("attention*4", "swa*4", "gdn*4", "kda*4", "mamba*4", "attention,gdn,swa,mamba")) {
        Placement placement = model.placement(name, List.of(name));
        SequenceState prompt = prefilled(model, placement, 40);
        tokensPerSecond(model, prompt, 1, 50);
        double best = 0;
        for (int round = 0; round < 3; round++) {
          best = Math.max(best, tokensPerSecond(model, prompt, 1, quick ? 100 : 400));
        }
        rates.put(name, best);
        prompt.release();
      }
      double base = rates.get("attention*4");
      rates.forEach(
          (name, rate) ->
              System.out.printf(
                  Locale.ROOT, "  %-26s %9.0f tok/s  x%.2f vs all-FA%n", name, rate, rate / base));
    }
    System.out.println();
  }

  private void randomSupernet(double probe) throws IOException {
    RandomCheckpoint.Spec spec =
        new RandomCheckpoint.Spec(512, 8, 32000, 8, 2, 64, 1536, 128, 8192);
    Path dir = Files.createTempDirectory("gearbox-bench");
    try {
      RandomCheckpoint.writeApriel2Supernet(dir, spec, 42);
      try (CpuLanguageModel model = Models.load(dir, threads)) {
        System.out.printf(
            Locale.ROOT,
            "== random Apriel2 supernet: hidden %d, %d layers, vocab %d, %.1fM parameters on disk"
                + " ==%n",
            spec.hidden(),
            spec.layers(),
            spec.vocab(),
            Files.size(dir.resolve("model.safetensors")) / 4e6);
        List<String> patterns =
            List.of("fa*8", "swa*8", "fa,gdn*3 x2", "gdn*8", "kda*8", "mamba*8");
        int[] contexts = quick ? new int[] {128} : new int[] {256, 1024, 4096};
        int[] batches = quick ? new int[] {1, 4} : new int[] {1, 8};
        int steps = quick ? 8 : 24;
        // One throwaway run so the JIT has compiled the decode path before anything is timed.
        tokensPerSecond(
            model, prefilled(model, model.placement("warmup", List.of("fa*8")), 64), 1, steps);
        for (int context : contexts) {
          System.out.printf(
              Locale.ROOT,
              "-- context %d (prefill, then decode steps at each batch size) --%n",
              context);
          Map<String, SequenceState> prompts = new LinkedHashMap<>();
          Map<String, Double> prefillRates = new LinkedHashMap<>();
          for (String pattern : patterns) {
            long start = System.nanoTime();
            prompts.put(
                pattern, prefilled(model, model.placement(pattern, List.of(pattern)), context));
            prefillRates.put(pattern, context / ((System.nanoTime() - start) / 1e9));
          }
          // Placements take turns, best of three rounds each, so load from other processes on a
          // shared machine hits them all alike.
          double[][] best = new double[patterns.size()][batches.length];
          for (int round = 0; round < 3; round++) {
            for (int p = 0; p < patterns.size(); p++) {
              for (int b = 0; b < batches.length; b++) {
                double rate =
                    tokensPerSecond(model, prompts.get(patterns.get(p)), batches[b], steps);
                best[p][b] = Math.max(best[p][b], rate);
              }
            }
          }
          for (int p = 0; p < patterns.size(); p++) {
            String pattern = patterns.get(p);
            Placement placement = prompts.get(pattern).placement();
            StringBuilder line =
                new StringBuilder(
                    String.format(
                        Locale.ROOT,
                        "  %-12s prefill %6.0f tok/s",
                        pattern,
                        prefillRates.get(pattern)));
            for (int b = 0; b < batches.length; b++) {
              double rate = best[p][b];
              double gbps = rate / batches[b] * model.weightBytesPerStep(placement) / 1e9;
              line.append(
                  String.format(
                      Locale.ROOT,
                      " | batch %d: %7.1f tok/s x%.2f, weights %.2f GB/s (%.0f%% of probe)",
                      batches[b],
                      rate,
                      rate / best[0][b],
                      gbps,
                      100 * gbps / probe));
            }
            System.out.println(line);
          }
          prompts.values().forEach(SequenceState::release);
        }
      }
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** One sequence of {@code placement} prefilled with {@code context} pseudo-random tokens. */
  private static SequenceState prefilled(CpuLanguageModel model, Placement placement, int context) {
    int vocab = model.vocabSize();
    int[] prompt = new int[context];
    for (int i = 0; i < context; i++) {
      prompt[i] = (i * 7919 + 13) % vocab;
    }
    SequenceState sequence = model.newSequence(placement);
    model.prefill(sequence, prompt, 0, context, new float[vocab], false);
    return sequence;
  }

  /**
   * Forks {@code prompt} into {@code batch} rows and times {@code steps} decode steps over them
   * Returns generated tokens per second over all rows.
   */
  private static double tokensPerSecond(
      CpuLanguageModel model, SequenceState prompt, int batch, int steps) {
    SequenceState[] rows = new SequenceState[batch];
    for (int r = 0; r < batch; r++) {
      rows[r] = model.fork(prompt);
    }
    int[] tokens = new int[batch];
    float[][] logits = new float[batch][model.vocabSize()];
    for (int s = 0; s < WARMUP_STEPS; s++) {
      step(model, rows, tokens, logits);
    }
    long start = System.nanoTime();
    for (int s = 0; s < steps; s++) {
      step(model, rows, tokens, logits);
    }
    double rate = steps * batch / ((System.nanoTime() - start) / 1e9);
    for (SequenceState row : rows) {
      row.release();
    }
    return rate;
  }

  private static void step(
      CpuLanguageModel model, SequenceState[] rows, int[] tokens, float[][] logits) {
    model.decode(rows, tokens, rows.length, logits);
    for (int r = 0; r < rows.length; r++) {
      int best = 0;
      for (int v = 1; v < logits[r].length; v++) {
        if (logits[r][v] > logits[r][best]) {
          best = v;
        }
      }
      tokens[r] = best;
    }
  }
}
