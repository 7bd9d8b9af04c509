package dev.gearbox.operator.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class OperatorEndpointsTest {
  final HttpClient http = HttpClient.newHttpClient();

  HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void readinessFollowsTheOperatorAndMetricsScrape() throws Exception {
    AtomicBoolean ready = new AtomicBoolean(false);
    try (OperatorEndpoints endpoints =
        OperatorEndpoints.start(0, 0, ready::get, () -> "operator_reconciliations_total 3\n")) {
      assertEquals(200, get(endpoints.healthPort(), "/healthz").statusCode());
      assertEquals(503, get(endpoints.healthPort(), "/readyz").statusCode());
      ready.set(true);
      assertEquals(200, get(endpoints.healthPort(), "/readyz").statusCode());
      HttpResponse<String> metrics = get(endpoints.metricsPort(), "/metrics");
      assertEquals(200, metrics.statusCode());
      assertTrue(metrics.body().contains("operator_reconciliations_total 3"));
      assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
    }
  }
}
