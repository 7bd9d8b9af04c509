package dev.gearbox.runtime.server;

import dev.gearbox.runtime.engine.Engine;
import dev.gearbox.runtime.engine.EngineConfig;
import dev.gearbox.runtime.model.LanguageModel;
import dev.gearbox.runtime.placement.Placement;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * {@code serve}: loads a checkpoint, serves its placements over gRPC and its metrics over HTTP
 * until SIGTERM, then drains.
 *
 * <pre>
 * serve --model DIR [--placement NAME=PATTERN]... [--port 50051] [--metrics-port 9400]
 *       [--memory-budget 2g] [--max-waiting 1024] [--kv-block-tokens 16]
 *       [--prefill-tokens-per-step 512] [--grace-seconds 30]
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
      Duration grace) {}

  public static void main(String[] args) throws Exception {
    Options options;
    try {
      options = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("serve: " + e.getMessage());
      System.exit(2);
      return;
    }
    run(options, ModelLoader.checkpoint());
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
        options.memoryBudget());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  // SIGTERM: drain within the grace period, then exit.
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
              options.memoryBudget(),
              options.kvBlockTokens(),
              256,
              options.maxWaiting(),
              options.prefillTokensPerStep(),
              64,
              Duration.ofSeconds(1));
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      Engine engine = new Engine(model, placements, config, null, registry);
      MetricsHttpServer metrics = MetricsHttpServer.start(registry, options.metricsPort());
      RuntimeServer server =
          RuntimeServer.start(
              engine,
              NettyServerBuilder.forPort(options.port()),
              options.model().getFileName().toString(),
              options.grace());
      return new Serving(server, metrics, model);
    } catch (RuntimeException | java.io.IOException e) {
      model.close();
      throw e;
    }
  }

  static Options parse(String[] args) {
    Path model = null;
    List<String[]> placements = new ArrayList<>();
    int port = 50051;
    int metricsPort = 9400;
    long budget = 2L << 30;
    int maxWaiting = 1024;
    int block = 16;
    int prefill = 512;
    long grace = 30;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      String value = args[++i];
      switch (flag) {
        case "--model" -> model = Path.of(value);
        case "--placement" -> {
          int eq = value.indexOf('=');
          if (eq <= 0 || eq == value.length() - 1) {
            throw new IllegalArgumentException("--placement expects NAME=PATTERN, got '" + value + "'");
          }
          placements.add(new String[] {value.substring(0, eq), value.substring(eq + 1)});
        }
        case "--port" -> port = intFlag(flag, value);
        case "--metrics-port" -> metricsPort = intFlag(flag, value);
        case "--memory-budget" -> budget = bytes(flag, value);
        case "--max-waiting" -> maxWaiting = intFlag(flag, value);
        case "--kv-block-tokens" -> block = intFlag(flag, value);
        case "--prefill-tokens-per-step" -> prefill = intFlag(flag, value);
        case "--grace-seconds" -> grace = intFlag(flag, value);
        default -> throw new IllegalArgumentException("unknown flag " + flag);
      }
    }
    if (model == null) {
      throw new IllegalArgumentException("--model DIR is required");
    }
    if (!Files.isDirectory(model)) {
      throw new IllegalArgumentException("--model " + model + " is not a directory");
    }
    return new Options(model, placements, port, metricsPort, budget, maxWaiting, block, prefill, Duration.ofSeconds(grace));
  }

  private static int intFlag(String flag, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " expects an integer, got '" + value + "'");
    }
  }

  /** Parses {@code 123}, {@code 64k}, {@code 512m}, {@code 2g} (powers of 1024). */
  static long bytes(String flag, String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    long unit = 1;
    char last = v.isEmpty() ? ' ' : v.charAt(v.length() - 1);
    switch (last) {
      case 'k' -> unit = 1L << 10;
      case 'm' -> unit = 1L << 20;
      case 'g' -> unit = 1L << 30;
      default -> {}
    }
    if (unit > 1) {
      v = v.substring(0, v.length() - 1);
    }
    try {
      long n = Long.parseLong(v);
      if (n <= 0) {
        throw new NumberFormatException();
      }
      return Math.multiplyExact(n, unit);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException(flag + " expects a positive byte count such as 2g or 536870912, got '" + value + "'");
    }
  }
}
