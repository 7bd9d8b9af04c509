package dev.gearbox.runtime.server;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** Serves the Prometheus text exposition of the runtime's meters on {@code GET /metrics}. */
public final class MetricsHttpServer implements AutoCloseable {
  private final HttpServer http;

  private MetricsHttpServer(HttpServer http) {
    this.http = http;
  }

  /** Binds {@code port} (0 picks a free one) on all interfaces and starts serving. */
  public static MetricsHttpServer start(PrometheusMeterRegistry registry, int port) throws IOException {
    HttpServer http = HttpServer.create(new InetSocketAddress(port), 0);
    http.createContext(
        "/metrics",
        exchange -> {
          try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod())) {
              exchange.sendResponseHeaders(405, -1);
              return;
            }
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(body);
            }
          }
        });
    http.start();
    return new MetricsHttpServer(http);
  }

  public int port() {
    return http.getAddress().getPort();
  }

  @Override
  public void close() {
    http.stop(0);
  }
}
