package dev.gearbox.runtime.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gearbox.runtime.backend.cuda.CudaContext;
import dev.gearbox.runtime.backend.cuda.CudaLanguageModel;
import dev.gearbox.runtime.backend.cuda.CudaOptions;
import dev.gearbox.runtime.model.ModelConfig;
import dev.gearbox.runtime.placement.Placement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * GPU decode benchmark: read-bandwidth roofline, batch-1 decode and achieved bandwidth per shape,
 * turbo placements against all-FA at long contexts (measured speedup against the bytes-moved
 * prediction), batch scaling with pure and 50/50 mixed batches, prefill, and the ratio to an HF
 * transformers peer run. All ratios come from one run on one GPU; models are random and loaded one
 * at a time.
 *
 * <p>Usage: {@code java --add-modules jdk.incubator.vector -cp '.dev/lib/*'
 * dev.gearbox.runtime.bench.CudaDecodeBenchmark [--quick] [--shapes a,b] [--out FILE(.md|.csv)]
 * [--peer hf_peer.json] [--device N]}.
 */
public final class CudaDecodeBenchmark {
  private static final long GIB = 1L << 30;
  private static final int SHORT_CONTEXT = 512;
  private static final int PEER_BATCH = 16;
  private static final int PROMPT = 2048;
  /** Contexts the batch sweep tries, largest first: the first whose KV for batch 64 fits. */
  private static final List<Integer> SWEEP_CONTEXTS = List.of(4096, 2048, 1024);
  private static final List<Integer> BATCHES = List.of(1, 2, 4, 8, 16, 32, 64);

  /** Command-line options. */
  record Options(boolean quick, List<String> shapes, Path out, Path peer, int device) {
    static Options parse(String[] args) {
      boolean quick = false;
      List<String> shapes = BenchShapes.NAMES;
      Path out = null;
      Path peer = null;
      int device = 0;
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        switch (arg) {
          case "--quick" -> quick = true;
          case "--shapes" -> shapes = shapeList(value(args, ++i, arg));
          case "--out" -> out = Path.of(value(args, ++i, arg));
          case "--peer" -> peer = Path.of(value(args, ++i, arg));
          case "--device" -> device = Integer.parseInt(value(args, ++i, arg));
          default ->
              throw new IllegalArgumentException(
                  "unknown argument '"
                      + arg
                      + "'; usage: [--quick] [--shapes "
                      + String.join(",", BenchShapes.NAMES)
                      + "] [--out FILE.md|FILE.csv] [--peer hf_peer.json] [--device N]");
        }
      }
      return new Options(quick, shapes, out, peer, device);
    }

    private static String value(String[] args, int i, String flag) {
      if (i >= args.length) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      return args[i];
    }

    private static List<String> shapeList(String text) {
      List<String> shapes = new ArrayList<>();
      for (String name : text.split(",")) {
        String trimmed = name.trim();
        if (!BenchShapes.NAMES.contains(trimmed)) {
          throw new IllegalArgumentException(
              "--shapes: unknown shape '" + trimmed + "', expected some of " + BenchShapes.NAMES);
        }
        shapes.add(trimmed);
      }
      // Smallest first, whatever order was given.
      shapes.sort((a, b) -> BenchShapes.NAMES.indexOf(a) - BenchShapes.NAMES.indexOf(b));
      return List.copyOf(shapes);
    }
  }

  private final Options options;
  private final int warmup;
  private final int steps;
  private final int repeats;
  private final List<Integer> contexts;
  private final List<Integer> batches;
  private final int prompt;
  private double probe;
  private long freeAtStart;
  private final Map<String, Double> shortDecode = new HashMap<>();

  private final BenchTable probeTable =
      new BenchTable("Read-bandwidth probe (roofline)", "GPU", "bytes", "GB/s (median)");
  private final BenchTable decodeTable =
      new BenchTable(
          "Decode, all-FA, context " + SHORT_CONTEXT,
          "shape",
          "batch",
          "tok/s",
          "step ms",
          "bytes/step GB",
          "achieved GB/s",
          "% of probe");
  private final BenchTable turboTable =
      new BenchTable(
          "SuperApriel-15B placements vs all-FA, batch 1",
          "context",
          "placement",
          "tok/s",
          "step ms",
          "bytes/step GB",
          "% of probe",
          "speedup vs FA",
          "predicted (bytes FA/this)",
          "measured/predicted");
  private BenchTable batchTable;
  private String sweepReason = "";
  private int sweepContext = SWEEP_CONTEXTS.getFirst();
  private final BenchTable prefillTable =
      new BenchTable("Prefill", "shape", "placement", "prompt", "tok/s", "ms");
  private final BenchTable peerTable =
      new BenchTable(
          "Gearbox vs HF transformers (same shapes, random bf16 weights, context " + SHORT_CONTEXT + ")",
          "shape",
          "batch",
          "gearbox tok/s",
          "HF tok/s",
          "gearbox/HF",
          "HF mode");

  private CudaDecodeBenchmark(Options options) {
    this.options = options;
    boolean quick = options.quick();
    this.warmup = quick ? 2 : 4;
    this.steps = quick ? 8 : 32;
    this.repeats = quick ? 3 : 5;
    this.contexts = quick ? List.of(4096) : List.of(4096, 32768, 131072);
    this.batches = quick ? List.of(1, 2, 8) : BATCHES;
    this.prompt = quick ? 512 : PROMPT;
  }

  public static void main(String[] args) throws IOException {
    Options options = Options.parse(args);
    new CudaDecodeBenchmark(options).run();
  }

  private void run() throws IOException {
    System.out.printf(
        Locale.ROOT,
        "gearbox GPU benchmark: shapes=%s quick=%s steps=%d x%d (median) warmup=%d java=%s%n",
        options.shapes(),
        options.quick(),
        steps,
        repeats,
        warmup,
        System.getProperty("java.version"));
    long probeBytes = 4 * GIB;
    long total;
    try (CudaContext ctx = CudaContext.open(options.device())) {
      probe = GpuTimer.probeGbPerSecond(ctx, probeBytes, options.quick() ? 3 : 7);
      freeAtStart = ctx.freeMemory();
      total = ctx.totalMemory();
      probeTable.add(ctx.name(), probeBytes, probe);
      System.out.printf(Locale.ROOT, "%s: probe %.0f GB/s, %.1f GB free%n", ctx.name(), probe, freeAtStart / 1e9);
    }
    String sweepShape = sweepShape(total);
    List<String> failures = new ArrayList<>();
    for (String shape : options.shapes()) {
      try {
        runShape(shape, shape.equals(sweepShape));
      } catch (RuntimeException e) {
        // Keep the other shapes' numbers; the exit status says something failed.
        failures.add(shape + ": " + e);
        e.printStackTrace();
      }
      writeTables();
    }
    if (options.peer() != null) {
      peerRows(options.peer());
    }
    System.out.println();
    System.out.print(writeTables());
    if (options.out() != null) {
      System.out.println("wrote " + options.out());
    }
    if (!failures.isEmpty()) {
      System.out.println("FAILED shapes:");
      failures.forEach(f -> System.out.println("  " + f));
      System.exit(1);
    }
  }

  /** Renders every non-empty table; rewrites {@code --out} so a run cut short keeps its rows. */
  private String writeTables() throws IOException {
    StringBuilder markdown = new StringBuilder();
    StringBuilder csv = new StringBuilder();
    for (BenchTable table :
        new BenchTable[] {
          probeTable, decodeTable, turboTable, batchTable, prefillTable, peerTable
        }) {
      if (table != null && !table.isEmpty()) {
        markdown.append(table.markdown()).append('\n');
        csv.append(table.csv());
      }
    }
    if (options.out() != null) {
      boolean isCsv = options.out().toString().endsWith(".csv");
      Files.writeString(options.out(), isCsv ? csv : markdown);
    }
    return markdown.toString();
  }

  /**
   * The shape for the batch sweep: SuperApriel-15B (it has the GDN mixers the pure and mixed
   * batches need) at the largest of {@link #SWEEP_CONTEXTS} whose weights plus 64 all-FA sequences
   * of KV fit in 90% of the GPU (an 80 GB H100 holds 15B + 64 x 2k, not 64 x 4k).
   */
  private String sweepShape(long totalMemory) {
    int maxBatch = Collections.max(batches);
    String big = BenchShapes.SUPER_APRIEL_15B;
    if (!options.shapes().contains(big)) {
      sweepReason = " (skipped: the sweep needs the " + big + " supernet)";
      return null;
    }
    ModelConfig config = BenchShapes.config(big);
    long room = (long) (0.9 * Math.min(totalMemory, freeAtStart));
    for (int context : SWEEP_CONTEXTS) {
      long need = BenchShapes.weightBytes(config) + kvPlan(config, maxBatch, context, false) + 4 * GIB;
      if (need < room) {
        sweepContext = context;
        if (context != SWEEP_CONTEXTS.getFirst()) {
          sweepReason = String.format(Locale.ROOT,
              " (not %d: weights + batch %d KV would not fit in %.1f GB)",
              SWEEP_CONTEXTS.getFirst(), maxBatch, room / 1e9);
        }
        return big;
      }
    }
    sweepReason = " (skipped: even context " + SWEEP_CONTEXTS.getLast() + " does not fit)";
    return null;
  }

  private BenchTable batchTable(String shape) {
    return
        new BenchTable(
            "Batch scaling, " + shape + ", context " + sweepContext + sweepReason,
            "batch",
            "all-FA tok/s",
            "all-GDN tok/s",
            "GDN/FA",
            "mixed 50/50 tok/s",
            "harmonic pure tok/s",
            "mixed/harmonic",
            "predicted (bytes)",
            "measured/predicted");
  }

  /** KV bytes to reserve for {@code sequences} all-FA sequences at {@code context} (+ decode). */
  private long kvPlan(ModelConfig config, int sequences, int context) {
    return kvPlan(config, sequences, context, true);
  }

  /** As above; {@code rings}: also room for each sequence's SWA rings (turbo placements). */
  private long kvPlan(ModelConfig config, int sequences, int context, boolean rings) {
    List<String> fa = Collections.nCopies(config.numLayers(), "attention");
    long perToken = BenchShapes.kvBytesPerToken(config, fa);
    // Decode steps, page rounding (<= 128 tokens per sequence) and SWA rings (< 5k tokens of one
    // layer each) on top of the context.
    long tokens = context + 3L * steps * repeats + warmup + 128;
    long ring = rings ? 10L * 5120 * perToken / config.numLayers() : 0;
    return (long) (1.1 * sequences * (tokens * perToken + ring)) + GIB / 4;
  }

  private void runShape(String shape, boolean sweep) {
    ModelConfig config = BenchShapes.config(shape);
    boolean big = shape.equals(BenchShapes.SUPER_APRIEL_15B);
    long kv = kvPlan(config, PEER_BATCH, SHORT_CONTEXT);
    kv = Math.max(kv, kvPlan(config, 1, big ? Collections.max(contexts) : prompt));
    if (sweep) {
      kv = Math.max(kv, kvPlan(config, Collections.max(batches), sweepContext, false));
    }
    long room = freeAtStart - BenchShapes.weightBytes(config) - 3 * GIB;
    kv = Math.min(kv, (long) (0.95 * room));
    CudaOptions d = CudaOptions.defaults();
    CudaOptions opts =
        new CudaOptions(
            d.maxSlots(), d.maxBatch(), d.pageTokens(), d.prefillChunk(), kv, d.useGraphs(), options.device());
    System.out.printf(
        Locale.ROOT,
        "%n== %s: %d layers, hidden %d, weights ~%.2f GB, KV pool %.2f GB%n",
        shape,
        config.numLayers(),
        config.hiddenSize(),
        BenchShapes.weightBytes(config) / 1e9,
        kv / 1e9);
    long start = System.nanoTime();
    try (CudaLanguageModel model = CudaLanguageModel.random(config, 42, opts);
        DecodeTimings timings = new DecodeTimings(model, warmup, steps, repeats)) {
      System.out.printf(
          Locale.ROOT,
          "   loaded in %.1f s, %.2f GB of weights on the device%n",
          (System.nanoTime() - start) / 1e9,
          model.weightBytes() / 1e9);
      Placement fa = model.placement("all-FA", List.of(BenchShapes.allFa(config)));
      shortContext(shape, model, timings, fa);
      if (big) {
        placements(model, timings, fa);
      }
      if (sweep) {
        batchTable = batchTable(shape);
        batchSweep(model, timings, fa);
      }
      prefill(shape, timings, fa);
      if (big) {
        prefill(shape, timings, model.placement("all-GDN", List.of(BenchShapes.allGdn(config))));
      }
    }
  }

  private void shortContext(
      String shape, CudaLanguageModel model, DecodeTimings timings, Placement fa) {
    for (int batch : List.of(1, PEER_BATCH)) {
      DecodeTimings.Rate rate = timings.decode(Collections.nCopies(batch, fa), SHORT_CONTEXT);
      shortDecode.put(shape + "/" + batch, rate.tokensPerSecond());
      if (batch == 1) {
        long bytes = model.bytesPerStep(fa, timings.midLength(SHORT_CONTEXT));
        double gbps = bytes / (rate.stepMillis() * 1e6);
        decodeTable.add(
            shape, batch, rate.tokensPerSecond(), rate.stepMillis(), bytes / 1e9, gbps, 100 * gbps / probe);
      } else {
        decodeTable.add(shape, batch, rate.tokensPerSecond(), rate.stepMillis(), null, null, null);
      }
      log(shape + " all-FA ctx " + SHORT_CONTEXT + " batch " + batch, rate);
    }
  }

  /** All-FA, turbo, 12 FA + 36 GDN and all-GDN at each context, batch 1. */
  private void placements(CudaLanguageModel model, DecodeTimings timings, Placement fa) {
    ModelConfig config = model.config();
    List<Placement> others =
        List.of(
            model.placement("turbo (10 SWA + 5 KDA + 33 GDN)", List.of(BenchShapes.TURBO)),
            model.placement("12 FA + 36 GDN", List.of(BenchShapes.HYBRID)),
            model.placement("all-GDN", List.of(BenchShapes.allGdn(config))));
    for (int context : contexts) {
      if (context + timings.tokensAdded() > model.maxContextLength()) {
        System.out.printf("   skipping context %d: model max %d%n", context, model.maxContextLength());
        continue;
      }
      int mid = timings.midLength(context);
      DecodeTimings.Rate base = timings.decode(List.of(fa), context);
      long faBytes = model.bytesPerStep(fa, mid);
      turboRow(context, fa, base, faBytes, base, faBytes);
      for (Placement placement : others) {
        DecodeTimings.Rate rate = timings.decode(List.of(placement), context);
        turboRow(context, placement, rate, model.bytesPerStep(placement, mid), base, faBytes);
      }
    }
  }

  private void turboRow(
      int context,
      Placement placement,
      DecodeTimings.Rate rate,
      long bytes,
      DecodeTimings.Rate base,
      long faBytes) {
    double gbps = bytes / (rate.stepMillis() * 1e6);
    double speedup = rate.tokensPerSecond() / base.tokensPerSecond();
    double predicted = BenchShapes.predictedSpeedup(faBytes, bytes);
    turboTable.add(
        context,
        placement.name(),
        rate.tokensPerSecond(),
        rate.stepMillis(),
        bytes / 1e9,
        100 * gbps / probe,
        speedup,
        predicted,
        speedup / predicted);
    log("15B " + placement.name() + " ctx " + context, rate);
  }

  /** Pure all-FA and all-GDN batches and a 50/50 mixed batch at each batch size. */
  private void batchSweep(CudaLanguageModel model, DecodeTimings timings, Placement fa) {
    Placement gdn = model.placement("all-GDN", List.of(BenchShapes.allGdn(model.config())));
    for (int batch : batches) {
      double faRate = timings.decode(Collections.nCopies(batch, fa), sweepContext).tokensPerSecond();
      double gdnRate =
          timings.decode(Collections.nCopies(batch, gdn), sweepContext).tokensPerSecond();
      Double mixed = null;
      Double harmonic = null;
      Double ratio = null;
      Double predicted = null;
      if (batch >= 2) {
        List<Placement> rows = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
          rows.add(i % 2 == 0 ? fa : gdn);
        }
        mixed = timings.decode(rows, sweepContext).tokensPerSecond();
        // Half the tokens at the all-FA rate, half at the all-GDN rate (same batch size).
        harmonic = 1 / (0.5 / faRate + 0.5 / gdnRate);
        ratio = mixed / harmonic;
        // A mixed step reads both mixers' weights; bytes predict the ratio the batch can reach:
        // (half the pure FA step's bytes + half the pure GDN step's) / the mixed step's bytes.
        int length = timings.midLength(sweepContext);
        double pureBytes =
            0.5 * model.bytesPerStep(Collections.nCopies(batch, fa), length)
                + 0.5 * model.bytesPerStep(Collections.nCopies(batch, gdn), length);
        predicted = pureBytes / model.bytesPerStep(rows, length);
      }
      batchTable.add(
          batch, faRate, gdnRate, gdnRate / faRate, mixed, harmonic, ratio, predicted,
          ratio == null ? null : ratio / predicted);
      System.out.printf(
          Locale.ROOT,
          "   batch %d: FA %.0f tok/s, GDN %.0f tok/s, mixed %s tok/s%n",
          batch,
          faRate,
          gdnRate,
          BenchTable.format(mixed));
    }
  }

  private void prefill(String shape, DecodeTimings timings, Placement placement) {
    double rate = timings.prefill(placement, prompt, options.quick() ? 1 : 3);
    prefillTable.add(shape, placement.name(), prompt, rate, prompt * 1000.0 / rate);
    System.out.printf(Locale.ROOT, "   prefill %s %d tokens: %.0f tok/s%n", placement.name(), prompt, rate);
  }

  /** Rows of the HF comparison from the peer's JSON ({@code results[]: shape, batch, tokens_per_second, mode}). */
  private void peerRows(Path file) throws IOException {
    if (!Files.exists(file)) {
      System.out.println("no HF peer results at " + file + " (peer run failed or skipped)");
      return;
    }
    JsonNode root = new ObjectMapper().readTree(file.toFile());
    for (JsonNode result : root.path("results")) {
      String shape = result.path("shape").asText();
      int batch = result.path("batch").asInt();
      double hf = result.path("tokens_per_second").asDouble(Double.NaN);
      Double ours = shortDecode.get(shape + "/" + batch);
      peerTable.add(
          shape, batch, ours, hf, ours == null ? null : ours / hf, result.path("mode").asText("?"));
    }
  }

  private static void log(String what, DecodeTimings.Rate rate) {
    System.out.printf(
        Locale.ROOT, "   %s: %.1f tok/s, %.3f ms/step%n", what, rate.tokensPerSecond(), rate.stepMillis());
  }
}
