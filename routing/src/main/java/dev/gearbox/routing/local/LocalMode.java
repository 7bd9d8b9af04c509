package dev.gearbox.routing.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gearbox.routing.Router;
import dev.gearbox.routing.config.ActiveConfig;
import dev.gearbox.routing.config.ConfigException;
import dev.gearbox.routing.config.RouterConfig;
import dev.gearbox.routing.runtime.GrpcRuntimeClient;
import dev.gearbox.routing.runtime.RuntimeInfo;
import dev.gearbox.routing.text.TokenizerCodec;
import dev.gearbox.runtime.cli.Flags;
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

/**
 * {@code ./gearbox up}: runtime and router on localhost with the bundled model, one request per
 * placement as a smoke test, then serving until Ctrl-C.
 *
 * <pre>
 * LocalMode [--model DIR] [--port 8080] [--runtime-port 0] [--config routing.yaml]
 *           [--placement NAME=PATTERN]... [--memory-budget 512m] [--prompt TEXT]
 *           [--max-tokens 32] [--threads N] [--no-serve]
 * </pre>
 */
public final class LocalMode {

  /** Where the bundled default model is looked for, in order, relative to the working directory. */
  static final List<String> DEFAULT_MODEL_DIRS =
      List.of("examples/models/gearbox-tiny", "../examples/models/gearbox-tiny");

  /** Placements a model directory recommends, in the operator's ConfigMap format. */
  static final String PLACEMENTS_FILE = "placements.json";

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
      boolean serve) {}

  public static void main(String[] args) throws Exception {
    Options o;
    try {
      o = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("gearbox up: " + e.getMessage());
      System.exit(2);
      return;
    }
    run(o);
  }

  static void run(Options o) throws Exception {
    System.out.printf("gearbox up: loading %s ...%n", o.model());
    long t0 = System.nanoTime();
    InProcessRuntime runtime =
        InProcessRuntime.start(
            o.model(), o.placements(), o.memoryBudget(), o.runtimePort(), o.threads());
    GrpcRuntimeClient client = GrpcRuntimeClient.connect("127.0.0.1", runtime.port());
    Router router;
    try {
      ActiveConfig config =
          o.config() == null
              ? ActiveConfig.fixed(RouterConfig.defaults())
              : ActiveConfig.load(o.config(), () -> client.info().placementNames());
      router =
          Router.builder()
              .runtime(client)
              .codec(TokenizerCodec.forCheckpoint(o.model(), runtime.model().vocabSize()))
              .config(config)
              .host("127.0.0.1")
              .port(o.port())
              .start();
    } catch (ConfigException | IllegalStateException e) {
      client.close();
      runtime.close();
      System.err.println("gearbox up: " + e.getMessage());
      System.exit(1);
      return;
    }
    RuntimeInfo info = client.info();
    String endpoint = "http://127.0.0.1:" + router.port() + "/v1";
    System.out.printf(
        "gearbox up: model '%s' loaded in %.1fs; runtime gRPC 127.0.0.1:%d%n",
        info.modelName(), (System.nanoTime() - t0) / 1e9, runtime.port());
    System.out.printf("%nOpenAI-compatible endpoint: %s%n", endpoint);
    System.out.printf(
        "  metrics: http://127.0.0.1:%d/metrics   SLOs: http://127.0.0.1:%d/admin/slo%n%n",
        router.port(), router.port());
    smokeTest(router.port(), info, o);
    Runnable shutdown =
        () -> {
          router.close();
          client.close();
          runtime.close();
        };
    if (!o.serve()) {
      shutdown.run();
      return;
    }
    System.out.printf(
        "%nServing until Ctrl-C. Try:%n  curl %s/chat/completions -H 'content-type:"
            + " application/json' -d"
            + " '{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":16}'%n",
        endpoint, info.modelName());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println("gearbox up: shutting down");
                  shutdown.run();
                  stopped.countDown();
                },
                "gearbox-up-shutdown"));
    stopped.await();
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
    List<RuntimeInfo.PlacementInfo> placements = new ArrayList<>(info.placements());
    placements.sort(
        java.util.Comparator.comparing(
                (RuntimeInfo.PlacementInfo p) -> !p.name().equals(info.defaultPlacement()))
            .thenComparing(RuntimeInfo.PlacementInfo::name));
    for (RuntimeInfo.PlacementInfo p : placements) {
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
    boolean serve = true;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("--no-serve")) {
        serve = false;
        continue;
      }
      if (flag.equals("--help") || flag.equals("-h")) {
        throw new IllegalArgumentException(
            "usage: LocalMode [--model DIR] [--port 8080] [--runtime-port 0] [--config"
                + " routing.yaml] [--placement NAME=PATTERN]... [--memory-budget 512m] [--prompt"
                + " TEXT] [--max-tokens 32] [--threads N] [--no-serve]");
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      String value = args[++i];
      switch (flag) {
        case "--model" -> model = Path.of(value);
        case "--port" -> port = Flags.intValue(flag, value);
        case "--runtime-port" -> runtimePort = Flags.intValue(flag, value);
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
        case "--max-tokens" -> maxTokens = Flags.intValue(flag, value);
        case "--threads" -> threads = Flags.intValue(flag, value);
        default -> throw new IllegalArgumentException("unknown flag " + flag + " (see --help)");
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
      throw new IllegalArgumentException("--model " + model + " has no config.json");
    }
    if (placements.isEmpty() && Files.isRegularFile(model.resolve(PLACEMENTS_FILE))) {
      // The model's recommended placements (for the bundled model: the placement search's).
      placements.addAll(PlacementsFile.read(model.resolve(PLACEMENTS_FILE)));
    }
    if (config != null && !Files.isRegularFile(config)) {
      throw new IllegalArgumentException("--config " + config + " is not a file");
    }
    return new Options(
        model, port, runtimePort, config, placements, budget, prompt, maxTokens, threads, serve);
  }


}
