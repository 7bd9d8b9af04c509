package dev.gearbox.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gearbox.routing.config.ActiveConfig;
import dev.gearbox.routing.config.ConfigException;
import dev.gearbox.routing.config.RouterConfig;
import dev.gearbox.routing.runtime.GrpcRuntimeClient;
import dev.gearbox.routing.runtime.RuntimeFailure;
import dev.gearbox.routing.text.TokenizerCodec;
import dev.gearbox.runtime.model.Models;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Logger;

/**
 * The routing sidecar's entry point, as the serving pod runs it.
 *
 * <pre>
 * RouterMain --runtime=HOST:PORT [--config=FILE] [--model-dir=DIR] [--host=0.0.0.0]
 *            [--http-port=8080] [--grpc-port=N]
 * </pre>
 *
 * <p>The router tokenizes, so it reads the checkpoint's tokenizer files from {@code --model-dir};
 * without it, from the {@code modelDir} of the operator's {@code placements.json} next to the
 * config file. It starts before its runtime is up: {@code /live} answers at once, {@code /ready}
 * once the runtime answers.
 */
public final class RouterMain {

  private static final Logger LOG = Logger.getLogger(RouterMain.class.getName());

  record Options(
      String runtimeHost, int runtimePort, Path config, Path modelDir, String host, int httpPort) {}

  public static void main(String[] args) throws Exception {
    Options o;
    try {
      o = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("gearbox router: " + e.getMessage());
      System.exit(2);
      return;
    }
    GrpcRuntimeClient client = GrpcRuntimeClient.connect(o.runtimeHost(), o.runtimePort());
    Router router;
    try {
      ActiveConfig config =
          o.config() == null
              ? ActiveConfig.fixed(RouterConfig.defaults())
              : ActiveConfig.load(o.config(), () -> servedPlacements(client));
      int vocab = Models.loadConfig(o.modelDir()).vocabSize();
      router =
          Router.builder()
              .runtime(client)
              .codec(TokenizerCodec.forCheckpoint(o.modelDir(), vocab))
              .config(config)
              .host(o.host())
              .port(o.httpPort())
              .start();
    } catch (ConfigException | IllegalStateException | IllegalArgumentException e) {
      client.close();
      System.err.println("gearbox router: " + e.getMessage());
      System.exit(1);
      return;
    }
    System.out.printf(
        "gearbox router: http://%s:%d/v1 -> runtime %s:%d, config %s%n",
        o.host(), router.port(), o.runtimeHost(), o.runtimePort(), o.config());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  router.gate().startDrain();
                  router.close();
                  client.close();
                  stopped.countDown();
                },
                "gearbox-router-shutdown"));
    stopped.await();
  }

  /**
   * The runtime's placements, or null while it cannot be asked (then checked on the next reload).
   */
  private static Collection<String> servedPlacements(GrpcRuntimeClient client) {
    try {
      return client.info().placementNames();
    } catch (RuntimeFailure e) {
      LOG.info("runtime not reachable yet; config placements are checked once it is");
      return null;
    }
  }

  static Options parse(String[] args) {
    String runtime = null;
    Path config = null;
    Path modelDir = null;
    String host = "0.0.0.0";
    int httpPort = 8080;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String flag;
      String value;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        flag = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      } else {
        flag = arg;
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(flag + " needs a value");
        }
        value = args[++i];
      }
      switch (flag) {
        case "--runtime" -> runtime = value;
        case "--config" -> config = Path.of(value);
        case "--model-dir" -> modelDir = Path.of(value);
        case "--host" -> host = value;
        case "--http-port" -> httpPort = port(flag, value);
        case "--grpc-port" ->
            // The OpenAI front is HTTP only; gRPC clients talk to the runtime's own API.
            LOG.warning("--grpc-port is ignored: the router serves HTTP only");
        default -> throw new IllegalArgumentException("unknown flag " + flag);
      }
    }
    if (runtime == null) {
      throw new IllegalArgumentException("--runtime=HOST:PORT is required");
    }
    int colon = runtime.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("--runtime expects HOST:PORT, got '" + runtime + "'");
    }
    if (config != null && !Files.isRegularFile(config)) {
      throw new IllegalArgumentException("--config " + config + " is not a file");
    }
    if (modelDir == null) {
      modelDir = modelDirFromPlacements(config);
    }
    if (!Files.isRegularFile(modelDir.resolve("config.json"))) {
      throw new IllegalArgumentException(
          "model directory "
              + modelDir
              + " has no config.json; the router needs the checkpoint's tokenizer files");
    }
    return new Options(
        runtime.substring(0, colon),
        port("--runtime", runtime.substring(colon + 1)),
        config,
        modelDir,
        host,
        httpPort);
  }

  private static Path modelDirFromPlacements(Path config) {
    Path placements = config == null ? null : config.resolveSibling("placements.json");
    if (placements == null || !Files.isRegularFile(placements)) {
      throw new IllegalArgumentException(
          "--model-dir=DIR is required (no placements.json next to --config)");
    }
    try {
      JsonNode dir = new ObjectMapper().readTree(placements.toFile()).get("modelDir");
      if (dir == null || !dir.isTextual()) {
        throw new IllegalArgumentException(
            placements + " has no string field 'modelDir'; pass --model-dir");
      }
      return Path.of(dir.asText());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + placements + ": " + e.getMessage());
    }
  }

  private static int port(String flag, String value) {
    try {
      int p = Integer.parseInt(value);
      if (p < 0 || p > 65535) {
        throw new NumberFormatException();
      }
      return p;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " expects a port number, got '" + value + "'");
    }
  }
}
