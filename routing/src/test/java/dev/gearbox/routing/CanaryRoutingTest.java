package dev.gearbox.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.routing.config.ActiveConfig;
import dev.gearbox.routing.runtime.GrpcRuntimeClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rollout's canary weights through the operator's router.json, over real HTTP: the headers show
 * each request's side, and a weight change is a config reload, not a restart.
 */
class CanaryRoutingTest {
  // Request ids are random: 200 requests keep each count within 6 standard deviations below.
  static final int REQUESTS = 200;

  @TempDir Path dir;
  TestingRuntimeService runtime;
  GrpcRuntimeClient client;
  Router router;
  Path configFile;
  final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  static String routerJson(int weight) {
    return """
        {"model": "tiny", "placements": ["all-fa", "turbo", "mixed"], "default": "all-fa",
         "rules": [{"match": {"workload": "batch"}, "placement": "turbo"}],
         "canaries": [{"placement": "turbo", "baseline": "all-fa", "weight": %d}]}
        """
        .formatted(weight);
  }

  @BeforeEach
  void start() throws Exception {
    runtime = new TestingRuntimeService().start();
    client = GrpcRuntimeClient.connect("127.0.0.1", runtime.port());
    configFile = dir.resolve("router.json");
    Files.writeString(configFile, routerJson(10));
    router =
        Router.builder()
            .runtime(client)
            .codec(TestingCodecs.bytes())
            .config(ActiveConfig.load(configFile, () -> TestingRuntimeService.PLACEMENTS))
            .port(0)
            .pollInterval(Duration.ofMillis(50))
            .configPollInterval(Duration.ofHours(1))
            .start();
  }

  @AfterEach
  void stop() throws Exception {
    router.close();
    client.close();
    runtime.stop();
  }

  /** Placement and reason header of {@link #REQUESTS} batch requests, 20 at a time, counted. */
  Map<String, Integer> sendBatch() {
    Map<String, Integer> seen = new TreeMap<>();
    for (int sent = 0; sent < REQUESTS; sent += 20) {
      count(send(20), seen);
    }
    return seen;
  }

  List<CompletableFuture<HttpResponse<String>>> send(int n) {
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      calls.add(
          http.sendAsync(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + router.port() + "/v1/completions"))
                  .header("content-type", "application/json")
                  .header("x-gearbox-workload", "batch")
                  .timeout(Duration.ofSeconds(30))
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"model\":\"tiny\",\"prompt\":\"hi\",\"max_tokens\":4}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    return calls;
  }

  static void count(
      List<CompletableFuture<HttpResponse<String>>> calls, Map<String, Integer> seen) {
    for (CompletableFuture<HttpResponse<String>> call : calls) {
      HttpResponse<String> r = call.join();
      assertEquals(200, r.statusCode(), r.body());
      String key =
          r.headers().firstValue("x-gearbox-placement").orElse("?")
              + " "
              + r.headers().firstValue("x-gearbox-reason").orElse("?");
      seen.merge(key, 1, Integer::sum);
    }
  }

  @Test
  void eachWeightSendsItsShareToTheCanaryAndTheHeadersSaySo() throws Exception {
    Map<String, Integer> at10 = sendBatch();
    int canary10 = at10.getOrDefault("turbo rule:0;canary=10", 0);
    assertEquals(
        REQUESTS, canary10 + at10.getOrDefault("all-fa rule:0;baseline=10", 0), "" + at10);
    assertTrue(canary10 >= 5 && canary10 <= 45, "about 20 of 200 at 10%: " + at10);

    Files.writeString(configFile, routerJson(50));
    assertTrue(router.config().reload(), "a weight change is a hot reload");
    Map<String, Integer> at50 = sendBatch();
    int canary50 = at50.getOrDefault("turbo rule:0;canary=50", 0);
    assertEquals(
        REQUESTS, canary50 + at50.getOrDefault("all-fa rule:0;baseline=50", 0), "" + at50);
    assertTrue(canary50 >= 58 && canary50 <= 142, "about 100 of 200 at 50%: " + at50);

    Files.writeString(configFile, routerJson(0));
    assertTrue(router.config().reload());
    assertEquals(Map.of("all-fa rule:0;baseline=0", REQUESTS), sendBatch(), "rolled back");
  }
}
