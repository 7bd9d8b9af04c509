package dev.gearbox.operator.process;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The operator's HTTP endpoints: {@code /healthz} (the process serves), {@code /readyz} (the
 * operator started and every informer is healthy) and {@code /metrics} (Prometheus text).
 */
public final class OperatorEndpoints implements AutoCloseable {
  private final HttpServer health;
  private final HttpServer metrics;

  private OperatorEndpoints(HttpServer health, HttpServer metrics) {
    this.health = health;
    this.metrics = metrics;
  }

  /** Starts the endpoints; port 0 picks a free port (tests). */
  public static OperatorEndpoints start(
      int healthPort, int metricsPort, BooleanSupplier ready, Supplier<String> scrape)
      throws IOException {
    HttpServer health = HttpServer.create(new InetSocketAddress(healthPort), 0);
    health.createContext("/healthz", x -> reply(x, 200, "ok\n", "text/plain"));
    health.createContext(
        "/readyz",
        x -> {
          boolean ok = ready.getAsBoolean();
          reply(x, ok ? 200 : 503, ok ? "ready\n" : "informers not synced\n", "text/plain");
        });
    HttpServer metrics = HttpServer.create(new InetSocketAddress(metricsPort), 0);
    metrics.createContext(
        "/metrics", x -> reply(x, 200, scrape.get(), "text/plain; version=0.0.4; charset=utf-8"));
    health.start();
    metrics.start();
    return new OperatorEndpoints(health, metrics);
  }

  public int healthPort() {
    return health.getAddress().getPort();
  }

  public int metricsPort() {
    return metrics.getAddress().getPort();
  }

  private static void reply(HttpExchange exchange, int code, String body, String type)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    health.stop(0);
    metrics.stop(0);
  }
}
