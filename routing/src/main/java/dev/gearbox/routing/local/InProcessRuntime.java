package dev.gearbox.routing.local;

import dev.gearbox.runtime.engine.Engine;
import dev.gearbox.runtime.engine.EngineConfig;
import dev.gearbox.runtime.model.LanguageModel;
import dev.gearbox.runtime.model.Models;
import dev.gearbox.runtime.placement.Placement;
import dev.gearbox.runtime.server.RuntimeServer;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The runtime server started inside this JVM on a loopback port, exactly as {@code serve} runs it
 * (engine, gRPC service, health), for local mode and for the router's tests against the real
 * runtime.
 */
public final class InProcessRuntime implements AutoCloseable {

  private final LanguageModel model;
  private final RuntimeServer server;
  private final String modelName;

  private InProcessRuntime(LanguageModel model, RuntimeServer server, String modelName) {
    this.model = model;
    this.server = server;
    this.modelName = modelName;
  }

  /**
   * Loads the checkpoint in {@code modelDir} and serves it on {@code 127.0.0.1:port} (0: any free
   * port) with its default placement, one {@code all-<mixer>} placement per mixer every layer has,
   * and {@code extraPlacements} ({name, pattern} pairs).
   *
   * @throws IOException when the port cannot be bound
   */
  public static InProcessRuntime start(
      Path modelDir, List<String[]> extraPlacements, long memoryBudgetBytes, int port, int threads)
      throws IOException {
    return start(
        modelDir,
        extraPlacements,
        memoryBudgetBytes,
        port,
        threads,
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
        Duration.ofSeconds(5));
  }

  /**
   * As {@link #start(Path, List, long, int, int)}, with the engine's meters in {@code registry}
   * and {@code grace} for the requests still running when it closes.
   */
  public static InProcessRuntime start(
      Path modelDir,
      List<String[]> extraPlacements,
      long memoryBudgetBytes,
      int port,
      int threads,
      PrometheusMeterRegistry registry,
      Duration grace)
      throws IOException {
    LanguageModel model = Models.load(modelDir, threads);
    String name = modelDir.toAbsolutePath().normalize().getFileName().toString();
    return start(
        model,
        name,
        extraPlacements,
        EngineConfig.withBudget(memoryBudgetBytes),
        port,
        registry,
        grace);
  }

  /**
   * Serves an already loaded {@code model} as {@code name} with the engine settings {@code config};
   * the runtime owns the model from here on and closes it.
   */
  public static InProcessRuntime start(
      LanguageModel model,
      String name,
      List<String[]> extraPlacements,
      EngineConfig config,
      int port)
      throws IOException {
    return start(
        model,
        name,
        extraPlacements,
        config,
        port,
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
        Duration.ofSeconds(5));
  }

  private static InProcessRuntime start(
      LanguageModel model,
      String name,
      List<String[]> extraPlacements,
      EngineConfig config,
      int port,
      PrometheusMeterRegistry registry,
      Duration grace)
      throws IOException {
    try {
      List<Placement> placements = new ArrayList<>();
      for (String mixer : mixersAtEveryLayer(model)) {
        Placement p = model.placement("all-" + mixer, List.of(mixer + "*" + model.numLayers()));
        if (!p.mixerNames().equals(model.defaultPlacement().mixerNames())) {
          placements.add(p);
        }
      }
      for (String[] np : extraPlacements) {
        placements.add(model.placement(np[0], List.of(np[1])));
      }
      Engine engine =
          new Engine(
              model,
              placements,
              config,
              null,
              registry);
      RuntimeServer server =
          RuntimeServer.start(
              engine,
              NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port)),
              name,
              grace);
      return new InProcessRuntime(model, server, name);
    } catch (IOException | RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /** Mixer names present at every layer, in the first layer's order. */
  static Set<String> mixersAtEveryLayer(LanguageModel model) {
    Set<String> common = new LinkedHashSet<>(model.mixerNames(0));
    for (int layer = 1; layer < model.numLayers(); layer++) {
      common.retainAll(model.mixerNames(layer));
    }
    return common;
  }

  /** The names of the placements served, the runtime's default first. */
  public List<String> placementNames() {
    return server.engine().placements().stream().map(Placement::name).toList();
  }

  /** The loopback gRPC port. */
  public int port() {
    return server.port();
  }

  /** The name the runtime reports for the model (the checkpoint directory's name). */
  public String modelName() {
    return modelName;
  }

  public LanguageModel model() {
    return model;
  }

  /** Drains, stops the server and frees the model. */
  @Override
  public void close() {
    server.close();
    model.close();
  }
}
