package dev.gearbox.routing.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gearbox.routing.Router;
import dev.gearbox.routing.config.ActiveConfig;
import dev.gearbox.routing.config.ConfigException;
import dev.gearbox.routing.config.RouterConfig;
import dev.gearbox.routing.runtime.GrpcRuntimeClient;
import dev.gearbox.routing.runtime.RuntimeFailure;
import dev.gearbox.routing.runtime.RuntimeInfo;
import dev.gearbox.routing.text.TokenizerCodec;
import dev.gearbox.runtime.cli.CommandFailure;
import dev.gearbox.runtime.cli.Flags;
import dev.gearbox.runtime.cli.Main;
import dev.gearbox.runtime.cli.Preflight;
import dev.gearbox.runtime.model.ModelConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import dev.gearbox.runtime.server.PlacementsFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code ./gearbox up}: runtime and router on localhost with the bundled model, one request per
 * placement as a smoke test, then serving until Ctrl-C or SIGTERM, which drain like {@code /drain}.
 * Every flag is checked (model folder, placements against its config, ports) before the weights
 * are read; a failure is one line on stderr and exit status 2 (bad flag) or 1 (cannot serve).
 */
public final class LocalMode {

  /** What {@code gearbox up --help} prints; the launcher's {@code gearbox help} lists the same flags. */
  public static final String USAGE =
      """
      usage: gearbox up [--model DIR] [--port 8080] [--runtime-port 0] [--config routing.yaml]
                        [--placement NAME=PATTERN]... [--memory-budget 512m] [--prompt TEXT]
                        [--max-tokens 32] [--threads N] [--grace-seconds 10] [--no-serve]
        runtime + router on 127.0.0.1 with the bundled model (examples/models/gearbox-tiny): prints
        the OpenAI endpoint, answers one request per placement, serves until Ctrl-C. Without
        --config the model folder's routing.yaml (if any) gives the routing rules; Ctrl-C or
        SIGTERM stop admitting, let requests finish within --grace-seconds and end the rest with an
        error event.""";

  /** Where the bundled default model is looked for, in order, relative to the working directory. */
  static final List<String> DEFAULT_MODEL_DIRS =
      List.of("examples/models/gearbox-tiny", "../examples/models/gearbox-tiny");

  /** Placements a model directory recommends, in the operator's ConfigMap format. */
  static final String PLACEMENTS_FILE = "placements.json";

  /** Routing rules a model directory recommends, in the router's config format. */
  static final String ROUTING_FILE = "routing.yaml";

  /** Held so the level set on it is not lost to garbage collection of the logger. */
  private static final Logger ROOT_LOG = Logger.getLogger("");

  record Options(
      Path model,
      int port,
      int runtimePort,
      Path config,
      List<String[]> placements,
      long memoryBudget,
      String prompt,
      int maxTokens,
      int threads,
      Duration grace,
      boolean serve) {}

  public static void main(String[] args) throws Exception {
    Main.runOrExit("gearbox up", () -> up(args));
  }

  static void up(String[] args) throws Exception {
    if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
      System.out.println(USAGE);
      return;
    }
    Options o;
    try {
      o = parse(args);
      check(o);
    } catch (IllegalArgumentException e) {
      throw new CommandFailure(CommandFailure.BAD_FLAGS, e.getMessage());
    }
    Running running = start(o);
    running.smokeTest(o);
    if (!o.serve()) {
      running.stop(o.grace());
      return;
    }
    System.out.printf(
        "%nServing until Ctrl-C. Try:%n  curl %s/chat/completions -H 'content-type:"
            + " application/json' -d"
            + " '{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":16}'%n",
        running.endpoint(),
        running.info().modelName());
    System.out.flush();
    // From here on, log lines cannot land inside the table.
    ROOT_LOG.setLevel(Level.INFO);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.printf(
                      "%ngearbox up: draining (up to %ds), then stopping%n",
                      o.grace().toSeconds());
                  running.stop(o.grace());
                  System.out.println("gearbox up: stopped");
                  stopped.countDown();
                },
                "gearbox-up-shutdown"));
    stopped.await();
  }

  /** The checks that need the file system or the network but no weights. */
  static void check(Options o) {
    ModelConfig config = Preflight.model("--model", o.model());
    for (String[] p : o.placements()) {
      Preflight.placement("--placement " + p[0] + "=" + p[1], config, p[0], p[1]);
    }
    Preflight.portFree("--port", "127.0.0.1", o.port());
    if (o.runtimePort() != o.port()) {
      Preflight.portFree("--runtime-port", "127.0.0.1", o.runtimePort());
    }
  }

  /** Runtime, client and router of one {@code gearbox up}, stopped in drain order. */
  record Running(
      InProcessRuntime runtime, GrpcRuntimeClient client, Router router, RuntimeInfo info) {

    String endpoint() {
      return "http://127.0.0.1:" + router.port() + "/v1";
    }

    void smokeTest(Options o) throws Exception {
      LocalMode.smokeTest(router.port(), info, o);
    }

    /**
     * As a pod's preStop does: the router stops admitting (503), the runtime lets accepted
     * requests run for up to {@code grace} and ends the rest with UNAVAILABLE, which the router
     * turns into an SSE error event and {@code [DONE]} (or an error body) for its client.
     */
    void stop(Duration grace) {
      try {
        router.drain(Duration.ZERO);
        runtime.close();
        router.drain(Duration.ofSeconds(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        router.close();
        client.close();
      }
    }
  }

  /**
   * Loads the model and starts runtime and router; a port lost to a race since {@link #check} is a
   * {@link CommandFailure}, everything started so far closed again.
   */
  static Running start(Options o) throws Exception {
    // Startup logs would land inside the table this prints; they return once it is done.
    ROOT_LOG.setLevel(Level.WARNING);
    System.out.printf("gearbox up: loading %s ...%n", o.model());
    long t0 = System.nanoTime();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    InProcessRuntime runtime;
    try {
      runtime =
          InProcessRuntime.start(
              o.model(),
              o.placements(),
              o.memoryBudget(),
              o.runtimePort(),
              o.threads(),
              registry,
              o.grace());
    } catch (IOException e) {
      throw Preflight.portInUse("--runtime-port", "127.0.0.1", o.runtimePort());
    }
    GrpcRuntimeClient client = GrpcRuntimeClient.connect("127.0.0.1", runtime.port());
    Router router;
    try {
      Path configFile = o.config();
      if (configFile == null && Files.isRegularFile(o.model().resolve(ROUTING_FILE))) {
        configFile = o.model().resolve(ROUTING_FILE);
      }
      ActiveConfig config =
          configFile == null
              ? ActiveConfig.fixed(RouterConfig.defaults())
              : ActiveConfig.load(configFile, runtime::placementNames);
      router =
          Router.builder()
              .runtime(client)
              .codec(TokenizerCodec.forCheckpoint(o.model(), runtime.model().vocabSize()))
              .config(config)
              .registry(registry)
              .host("127.0.0.1")
              .port(o.port())
              .start();
    } catch (ConfigException e) {
      client.close();
      runtime.close();
      throw new CommandFailure(CommandFailure.BAD_FLAGS, "--config " + e.getMessage());
    } catch (IllegalStateException e) {
      client.close();
      runtime.close();
      throw Preflight.portInUse("--port", "127.0.0.1", o.port());
    }
    RuntimeInfo info = awaitInfo(client, Duration.ofSeconds(30));
    // The router answers 503 until its first poll of the runtime succeeded.
    long ready = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while ((router.runtimeView().cachedInfo() == null || !router.runtimeView().load().ready())
        && System.nanoTime() < ready) {
      Thread.sleep(50);
    }
    System.out.printf(
        "gearbox up: model '%s' loaded in %.1fs; runtime gRPC 127.0.0.1:%d%n",
        info.modelName(), (System.nanoTime() - t0) / 1e9, runtime.port());
    String endpoint = "http://127.0.0.1:" + router.port() + "/v1";
    System.out.printf("%nOpenAI-compatible endpoint: %s%n", endpoint);
    System.out.printf(
        "  metrics (router and runtime): http://127.0.0.1:%d/metrics   SLOs:"
            + " http://127.0.0.1:%d/admin/slo%n%n",
        router.port(),
        router.port());
    return new Running(runtime, client, router, info);
  }

  /** The runtime's catalogue, asked again while the first calls time out on a busy machine. */
  static RuntimeInfo awaitInfo(GrpcRuntimeClient client, Duration patience)
      throws InterruptedException {
    long deadline = System.nanoTime() + patience.toNanos();
    while (true) {
      try {
        return client.info();
      } catch (RuntimeFailure e) {
        if (System.nanoTime() >= deadline) {
          throw new CommandFailure(1, "the in-process runtime does not answer: " + e.getMessage());
        }
        Thread.sleep(200);
      }
    }
  }

  /** Sends one greedy request per placement through the router and prints what came back. */
  static void smokeTest(int port, RuntimeInfo info, Options o) throws Exception {
    ObjectMapper json = new ObjectMapper();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    // One unprinted request first, so the numbers below are not the JIT's warm-up.
    http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/completions"))
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    json.createObjectNode()
                        .put("model", info.modelName())
                        .put("prompt", o.prompt())
                        .put("max_tokens", o.maxTokens())
                        .toString()))
            .build(),
        HttpResponse.BodyHandlers.discarding());
    System.out.printf(
        "%-14s %-26s %8s %10s %14s  %s%n",
        "placement",
        "layers",
        "rel.cost",
        "tokens/s",
        "state@" + info.maxContextLength(),
        "answer");
    for (RuntimeInfo.PlacementInfo p : tableRows(info)) {
      String body =
          json.createObjectNode()
              .put("model", info.modelName() + ":" + p.name())
              .put("prompt", o.prompt())
              .put("max_tokens", o.maxTokens())
              .put("temperature", 0)
              .toString();
      long start = System.nanoTime();
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/completions"))
                  .header("content-type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      double seconds = (System.nanoTime() - start) / 1e9;
      if (r.statusCode() != 200) {
        System.out.printf("%-14s request failed: HTTP %d %s%n", p.name(), r.statusCode(), r.body());
        continue;
      }
      JsonNode answer = json.readTree(r.body());
      int completion = answer.at("/usage/completion_tokens").asInt();
      System.out.printf(
          Locale.ROOT,
          "%-14s %-26s %8.2f %10.1f %14s  %s%n",
          p.name(),
          abbreviate(p.layers(), 26),
          p.relativeCost(),
          completion / seconds,
          humanBytes(p.stateBytesAtMaxContext()),
          printable(answer.at("/choices/0/text").asText()));
    }
    Runtime jvm = Runtime.getRuntime();
    System.out.printf(
        "%nmemory in use: JVM heap %s of %s (weights shared by every placement)%n",
        humanBytes(jvm.totalMemory() - jvm.freeMemory()), humanBytes(jvm.maxMemory()));
  }

  /**
   * The placements in the runtime's order, the default first: the runtime's unnamed default, or
   * instead the named placement with the same layers (for the bundled model {@code all-fa}).
   */
  static List<RuntimeInfo.PlacementInfo> tableRows(RuntimeInfo info) {
    List<RuntimeInfo.PlacementInfo> rows = new ArrayList<>();
    RuntimeInfo.PlacementInfo unnamed = null;
    for (RuntimeInfo.PlacementInfo p : info.placements()) {
      if (p.name().equals(info.defaultPlacement())) {
        unnamed = p;
      } else {
        rows.add(p);
      }
    }
    if (unnamed != null) {
      String layers = unnamed.layers();
      List<RuntimeInfo.PlacementInfo> twins =
          rows.stream().filter(p -> p.layers().equals(layers)).toList();
      rows.removeAll(twins);
      rows.addAll(0, twins.isEmpty() ? List.of(unnamed) : twins);
    }
    return rows;
  }

  private static String printable(String s) {
    StringBuilder sb = new StringBuilder("\"");
    s.codePoints()
        .limit(48)
        .forEach(
            c -> {
              if (c < 0x20 || c == 0x7f || c == 0xfffd) {
                sb.append(c == 0xfffd ? "\\ufffd" : String.format("\\x%02x", c));
              } else {
                sb.appendCodePoint(c);
              }
            });
    return sb.append('"').toString();
  }

  private static String abbreviate(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n - 3) + "...";
  }

  static String humanBytes(long b) {
    if (b < 1024) {
      return b + " B";
    }
    if (b < 1 << 20) {
      return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
    }
    if (b < 1L << 30) {
      return String.format(Locale.ROOT, "%.1f MiB", b / (double) (1 << 20));
    }
    return String.format(Locale.ROOT, "%.2f GiB", b / (double) (1L << 30));
  }

  static Options parse(String[] args) {
    Path model = null;
    int port = 8080;
    int runtimePort = 0;
    Path config = null;
    List<String[]> placements = new ArrayList<>();
    long budget = 512L << 20;
    String prompt = "The quick brown fox";
    int maxTokens = 32;
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    int grace = 10;
    boolean serve = true;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("--no-serve")) {
        serve = false;
        continue;
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      String value = args[++i];
      switch (flag) {
        case "--model" -> model = Path.of(value);
        case "--port" -> port = Preflight.port(flag, value);
        case "--runtime-port" -> runtimePort = Preflight.port(flag, value);
        case "--config" -> config = Path.of(value);
        case "--placement" -> {
          int eq = value.indexOf('=');
          if (eq <= 0 || eq == value.length() - 1) {
            throw new IllegalArgumentException(
                "--placement expects NAME=PATTERN, got '" + value + "'");
          }
          placements.add(new String[] {value.substring(0, eq), value.substring(eq + 1)});
        }
        case "--memory-budget" -> budget = Flags.bytes(flag, value);
        case "--prompt" -> prompt = value;
        case "--max-tokens" -> maxTokens = Flags.positiveInt(flag, value);
        case "--threads" -> threads = Flags.positiveInt(flag, value);
        case "--grace-seconds" -> grace = Flags.nonNegativeInt(flag, value);
        default ->
            throw new IllegalArgumentException(
                "unknown flag " + flag + " (gearbox up --help lists them)");
      }
    }
    if (model == null) {
      for (String candidate : DEFAULT_MODEL_DIRS) {
        if (Files.isRegularFile(Path.of(candidate, "config.json"))) {
          model = Path.of(candidate);
          break;
        }
      }
      if (model == null) {
        throw new IllegalArgumentException(
            "no --model given and no bundled model found in " + DEFAULT_MODEL_DIRS);
      }
    }
    if (!Files.isRegularFile(model.resolve("config.json"))) {
      throw new IllegalArgumentException(
          "--model " + model + " has no config.json (expected a Hugging Face-style model folder)");
    }
    if (placements.isEmpty() && Files.isRegularFile(model.resolve(PLACEMENTS_FILE))) {
      // The model's recommended placements (for the bundled model: the placement search's).
      placements.addAll(PlacementsFile.read(model.resolve(PLACEMENTS_FILE)));
    }
    if (config != null && !Files.isRegularFile(config)) {
      throw new IllegalArgumentException("--config " + config + " is not a file");
    }
    return new Options(
        model,
        port,
        runtimePort,
        config,
        placements,
        budget,
        prompt,
        maxTokens,
        threads,
        Duration.ofSeconds(grace),
        serve);
  }


}
