package dev.gearbox.runtime.server;

import dev.gearbox.runtime.backend.ModelBackend;
import dev.gearbox.runtime.backend.cuda.CudaLanguageModel;
import dev.gearbox.runtime.backend.cuda.CudaOptions;
import dev.gearbox.runtime.cli.CommandFailure;
import dev.gearbox.runtime.cli.Flags;
import dev.gearbox.runtime.cli.Preflight;
import dev.gearbox.runtime.engine.Engine;
import dev.gearbox.runtime.engine.EngineConfig;
import dev.gearbox.runtime.model.LanguageModel;
import dev.gearbox.runtime.model.ModelConfig;
import dev.gearbox.runtime.placement.Placement;
import dev.gearbox.runtime.text.Tokenizers;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code serve}: loads a checkpoint, serves its placements over gRPC and its metrics over HTTP
 * until SIGTERM, then drains.
 *
 * <pre>
 * serve --model DIR [--placement NAME=PATTERN]... [--port 50051] [--metrics-port 9400]
 *       [--memory-budget 2g (CPU; GPU: 85% of its KV pool)] [--max-waiting 1024] [--kv-block-tokens 16]
 *       [--prefill-tokens-per-step 512] [--grace-seconds 30] [--backend cpu|cuda|auto]
 *       [--gpu-max-sequences 64] [--gpu-kv-memory 40g (default: 90% of free memory)]
 *       [--gpu-device 0] [--gpu-graphs true|false]
 * </pre>
 */
public final class ServeCommand {

  /** Parsed command line. */
  record Options(
      Path model,
      List<String[]> placements,
      int port,
      int metricsPort,
      long memoryBudget,
      int maxWaiting,
      int kvBlockTokens,
      int prefillTokensPerStep,
      Duration grace,
      ModelBackend backend,
      CudaOptions cuda) {}

  /** What {@code gearbox serve --help} prints; the launcher's {@code gearbox help} lists the same flags. */
  public static final String USAGE =
      """
      usage: gearbox serve --model DIR [--placement NAME=PATTERN]... [--placements FILE]
                           [--port 50051] [--metrics-port 9400] [--memory-budget 2g] [--max-waiting 1024]
                           [--kv-block-tokens 16] [--prefill-tokens-per-step 512] [--grace-seconds 30]
                           [--backend cpu|cuda|auto] [--gpu-max-sequences 64] [--gpu-kv-memory 40g]
                           [--gpu-device 0] [--gpu-graphs true]
        serves the model's placements over gRPC and its metrics over HTTP until SIGTERM/Ctrl-C, then
        drains: accepted requests finish within --grace-seconds, the rest end with UNAVAILABLE.""";

  /**
   * Parses and checks the flags (before any weights are read), then serves until SIGTERM.
   *
   * @throws CommandFailure with exit status 2 for bad flags, 1 when serving cannot start
   */
  public static void main(String[] args) throws Exception {
    dev.gearbox.runtime.cli.Main.runOrExit("gearbox serve", () -> serve(args));
  }

  static void serve(String[] args) throws Exception {
    if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
      System.out.println(USAGE);
      return;
    }
    Options options;
    try {
      options = parse(args);
      check(options);
    } catch (IllegalArgumentException e) {
      throw new CommandFailure(CommandFailure.BAD_FLAGS, e.getMessage());
    }
    run(options, ModelLoader.forBackend(options.backend(), options.cuda()));
  }

  /**
   * The checks that need the file system or the network but no weights: the model folder has a
   * readable config.json, every placement fits it, the ports are free.
   */
  static void check(Options options) {
    ModelConfig config = Preflight.model("--model", options.model());
    for (String[] p : options.placements()) {
      Preflight.placement("--placement " + p[0] + "=" + p[1], config, p[0], p[1]);
    }
    Preflight.portFree("--port", "0.0.0.0", options.port());
    if (options.metricsPort() != options.port()) {
      Preflight.portFree("--metrics-port", "0.0.0.0", options.metricsPort());
    }
  }

  /** A running server: gRPC, metrics HTTP and the model, closed in that order. */
  record Serving(RuntimeServer grpc, MetricsHttpServer metrics, LanguageModel model) implements AutoCloseable {
    @Override
    public void close() {
      grpc.close();
      metrics.close();
      model.close();
    }
  }

  static void run(Options options, ModelLoader loader) throws Exception {
    Serving serving = start(options, loader);
    System.out.printf(
        "gearbox runtime: model %s, placements %s, gRPC port %d, metrics port %d, budget %d bytes%n",
        options.model(),
        serving.grpc().engine().placements().stream().map(Placement::name).toList(),
        serving.grpc().port(),
        serving.metrics().port(),
        budgetFor(options, serving.model()));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  // SIGTERM or Ctrl-C: drain within the grace period, then exit.
                  System.err.printf(
                      "gearbox serve: draining (up to %ds)%n", options.grace().toSeconds());
                  serving.close();
                  stopped.countDown();
                },
                "gearbox-shutdown"));
    stopped.await();
  }

  /** Loads the model and starts serving it. */
  static Serving start(Options options, ModelLoader loader) throws Exception {
    LanguageModel model = loader.load(options.model());
    try {
      List<Placement> placements = new ArrayList<>();
      for (String[] p : options.placements()) {
        placements.add(model.placement(p[0], List.of(p[1])));
      }
      EngineConfig config =
          new EngineConfig(
              budgetFor(options, model),
              options.kvBlockTokens(),
              maxRunning(model),
              options.maxWaiting(),
              options.prefillTokensPerStep(),
              64,
              Duration.ofSeconds(1));
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      // Prompts as text, streamed text and stop strings need the checkpoint's tokenizer.
      TokenizerDecoder decoder =
          new TokenizerDecoder(Tokenizers.load(options.model(), model.vocabSize()));
      Engine engine = new Engine(model, placements, config, decoder, registry);
      MetricsHttpServer metrics;
      try {
        metrics = MetricsHttpServer.start(registry, options.metricsPort());
      } catch (java.io.IOException e) {
        engine.close();
        throw Preflight.portInUse("--metrics-port", "0.0.0.0", options.metricsPort());
      }
      RuntimeServer server;
      try {
        server =
            RuntimeServer.start(
                engine,
                NettyServerBuilder.forPort(options.port()),
                options.model().getFileName().toString(),
                options.grace());
      } catch (java.io.IOException e) {
        // A failed bind must end the process, not leave the engine's threads running.
        metrics.close();
        engine.close();
        throw Preflight.portInUse("--port", "0.0.0.0", options.port());
      }
      return new Serving(server, metrics, model);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /**
   * The engine's memory budget: {@code --memory-budget} when given; else on the GPU 85% of the KV
   * page pool (the engine counts exact state bytes, the pool also holds page rounding and the
   * sliding-window rings' spare pages), and 2 GiB on the CPU.
   */
  static long budgetFor(Options options, LanguageModel model) {
    if (options.memoryBudget() > 0) {
      return options.memoryBudget();
    }
    if (model instanceof CudaLanguageModel cuda && cuda.kvPoolBytes() > 0) {
      return Math.max(64L << 20, (long) (0.85 * cuda.kvPoolBytes()));
    }
    return 2L << 30;
  }

  /** Sequences the engine may run at once: 256, or the GPU model's slots. */
  static int maxRunning(LanguageModel model) {
    return model instanceof CudaLanguageModel cuda ? Math.min(256, cuda.options().maxSlots()) : 256;
  }

  static Options parse(String[] args) {
    Path model = null;
    List<String[]> placements = new ArrayList<>();
    int port = 50051;
    int metricsPort = 9400;
    long budget = 0; // 0: chosen at start from the backend (budgetFor)
    int maxWaiting = 1024;
    int block = 16;
    int prefill = 512;
    long grace = 30;
    ModelBackend backend = ModelBackend.CPU;
    CudaOptions cuda = CudaOptions.defaults();
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      String value;
      int equals = flag.indexOf('=');
      if (flag.startsWith("--") && equals > 0) {
        // --flag=value, the form the operator's pod spec uses.
        value = flag.substring(equals + 1);
        flag = flag.substring(0, equals);
      } else if (i + 1 >= args.length) {
        throw new IllegalArgumentException(flag + " needs a value");
      } else {
        value = args[++i];
      }
      switch (flag) {
        case "--model", "--model-dir" -> model = Path.of(value);
        case "--placements" -> placements.addAll(PlacementsFile.read(Path.of(value)));
        case "--backend" -> backend = ModelBackend.parse(value);
        case "--placement" -> {
          int eq = value.indexOf('=');
          if (eq <= 0 || eq == value.length() - 1) {
            throw new IllegalArgumentException("--placement expects NAME=PATTERN, got '" + value + "'");
          }
          placements.add(new String[] {value.substring(0, eq), value.substring(eq + 1)});
        }
        case "--port", "--grpc-port" -> port = Preflight.port(flag, value);
        case "--metrics-port" -> metricsPort = Preflight.port(flag, value);
        case "--memory-budget" -> budget = Flags.bytes(flag, value);
        case "--max-waiting" -> maxWaiting = Flags.positiveInt(flag, value);
        case "--kv-block-tokens" -> block = Flags.positiveInt(flag, value);
        case "--prefill-tokens-per-step" -> prefill = Flags.positiveInt(flag, value);
        case "--grace-seconds" -> grace = Flags.nonNegativeInt(flag, value);
        case "--gpu-max-sequences" -> cuda = cuda.withMaxSequences(Flags.positiveInt(flag, value));
        case "--gpu-kv-memory" -> cuda = cuda.withKvBytes(Flags.bytes(flag, value));
        case "--gpu-device" -> cuda = cuda.withDevice(Flags.nonNegativeInt(flag, value));
        case "--gpu-graphs" -> cuda = cuda.withGraphs(Flags.bool(flag, value));
        default ->
            throw new IllegalArgumentException("unknown flag " + flag + " (gearbox serve --help lists them)");
      }
    }
    if (model == null) {
      throw new IllegalArgumentException("--model DIR is required");
    }
    if (!Files.isDirectory(model)) {
      throw new IllegalArgumentException("--model " + model + " is not a directory");
    }
    return new Options(
        model, placements, port, metricsPort, budget, maxWaiting, block, prefill,
        Duration.ofSeconds(grace), backend, cuda);
  }

}
