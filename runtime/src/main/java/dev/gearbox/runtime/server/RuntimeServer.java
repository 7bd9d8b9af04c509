package dev.gearbox.runtime.server;

import dev.gearbox.runtime.api.v1.RuntimeGrpc;
import dev.gearbox.runtime.engine.Engine;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The runtime's gRPC server: the {@code Runtime} service behind the exception-mapping
 * interceptor, standard health and reflection, and graceful shutdown.
 *
 * <p>Shutdown order: health NOT_SERVING (so load balancers stop sending), admission closed (new
 * calls get UNAVAILABLE), accepted requests run for up to the grace period, the rest end with
 * UNAVAILABLE, then server shutdown, awaitTermination, shutdownNow.
 */
public final class RuntimeServer implements AutoCloseable {
  private final Engine engine;
  private final Server server;
  private final HealthStatusManager health = new HealthStatusManager();
  private final Duration grace;
  private boolean closed;

  private RuntimeServer(Engine engine, ServerBuilder<?> builder, String modelName, Duration grace) {
    this.engine = engine;
    this.grace = grace;
    this.server =
        builder
            .addService(
                // Requests are parsed inside the interceptor (not by the transport), so bytes that
                // are no valid message become INVALID_ARGUMENT like any other bad input.
                ServerInterceptors.intercept(
                    ServerInterceptors.useInputStreamMessages(
                        new RuntimeService(engine, modelName).bindService()),
                    new ExceptionMappingInterceptor()))
            .addService(health.getHealthService())
            .addService(ProtoReflectionServiceV1.newInstance())
            .build();
  }

  /** Builds and starts the server on {@code builder} (a port or an in-process name). */
  public static RuntimeServer start(
      Engine engine, ServerBuilder<?> builder, String modelName, Duration grace) throws IOException {
    RuntimeServer runtime = new RuntimeServer(engine, builder, modelName, grace);
    runtime.server.start();
    runtime.health.setStatus("", ServingStatus.SERVING);
    runtime.health.setStatus(RuntimeGrpc.SERVICE_NAME, ServingStatus.SERVING);
    return runtime;
  }

  /** The bound port, or -1 in process. */
  public int port() {
    return server.getPort();
  }

  public Engine engine() {
    return engine;
  }

  /** Drains and stops; safe to call twice. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    health.setStatus("", ServingStatus.NOT_SERVING);
    health.setStatus(RuntimeGrpc.SERVICE_NAME, ServingStatus.NOT_SERVING);
    engine.stopAccepting();
    try {
      engine.awaitIdle(grace);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    engine.close();
    health.enterTerminalState();
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
