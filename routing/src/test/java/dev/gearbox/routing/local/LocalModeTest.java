package dev.gearbox.routing.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gearbox.runtime.cli.CommandFailure;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code ./gearbox up} on the bundled model: the smoke table, what the README promises of the
 * running endpoint (routing rules, metrics, placement headers, model order), the flag checks, and
 * the drain on Ctrl-C/SIGTERM.
 */
class LocalModeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static LocalMode.Running running;
  private static String table;

  @BeforeAll
  static void start() throws Exception {
    LocalMode.Options options =
        LocalMode.parse(new String[] {"--no-serve", "--port", "0", "--threads", "2"});
    assertTrue(
        Files.isRegularFile(options.model().resolve("model.safetensors")),
        "the bundled model is found");
    LocalMode.check(options);
    PrintStream stdout = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      running = LocalMode.start(options);
      running.smokeTest(options);
    } finally {
      System.setOut(stdout);
    }
    table = captured.toString(StandardCharsets.UTF_8);
  }

  @AfterAll
  static void stop() {
    if (running != null) {
      running.stop(Duration.ofSeconds(1));
    }
  }

  @Test
  void smokeTestAnswersOncePerPlacementWithRateAndMemory() {
    assertTrue(table.contains("OpenAI-compatible endpoint: http://127.0.0.1:"), table);
    assertTrue(table.contains("metrics (router and runtime)"), table);
    for (String placement :
        List.of("all-fa", "all-swa", "all-gdn", "all-kda", "all-mamba", "turbo-35", "turbo-60")) {
      List<String> rows = table.lines().filter(l -> l.startsWith(placement + " ")).toList();
      assertEquals(1, rows.size(), "one answer row for " + placement + " in\n" + table);
      assertTrue(rows.getFirst().contains("\""), "the answer is printed: " + rows.getFirst());
    }
    assertTrue(
        table.lines().noneMatch(l -> l.startsWith("default ")),
        "the runtime's unnamed default is all-fa's twin and not listed twice:\n" + table);
    assertTrue(table.contains("memory in use: JVM heap"), table);
  }

  @Test
  void shippedRulesShiftGearsAndResponsesNameThePlacement() throws Exception {
    HttpResponse<String> plain = chat(null);
    assertEquals(200, plain.statusCode(), plain.body());
    assertEquals("all-fa", plain.headers().firstValue("x-gearbox-placement").orElseThrow());
    assertEquals("default", plain.headers().firstValue("x-gearbox-reason").orElseThrow());
    assertEquals("gearbox-tiny:all-fa", JSON.readTree(plain.body()).get("model").asText());

    HttpResponse<String> batch = chat("batch");
    assertEquals(200, batch.statusCode(), batch.body());
    assertEquals("turbo-35", batch.headers().firstValue("x-gearbox-placement").orElseThrow());
    assertEquals("rule:0", batch.headers().firstValue("x-gearbox-reason").orElseThrow());
  }

  @Test
  void metricsShowRuntimeAndRouterFromTheStart() throws Exception {
    String metrics = get("/metrics").body();
    for (String name :
        List.of(
            "gearbox_kv_cache_usage_perc",
            "gearbox_num_requests_running{placement=\"all-fa\"}",
            "gearbox_num_requests_waiting{placement=\"turbo-35\"}",
            "gearbox_time_to_first_token_seconds_bucket",
            "gearbox_generation_tokens_total{placement=\"all-gdn\"}",
            "gearbox_router_requests_in_flight",
            "gearbox_router_runtime_ready")) {
      assertTrue(metrics.contains(name), name + " in\n" + metrics);
    }
  }

  @Test
  void modelsAreListedInOneStableOrder() throws Exception {
    JsonNode data = JSON.readTree(get("/v1/models").body()).get("data");
    List<String> ids = new ArrayList<>();
    data.forEach(m -> ids.add(m.get("id").asText()));
    List<String> expected = new ArrayList<>(List.of("gearbox-tiny"));
    running.info().placements().forEach(p -> expected.add("gearbox-tiny:" + p.name()));
    assertEquals(expected, ids, "the model, then the runtime's placements in registration order");
    assertEquals("gearbox-tiny:default", ids.get(1), "the runtime's own default comes first");
    assertEquals(ids, idsOf(get("/v1/models").body()), "the same order on every call");
    JsonNode one = JSON.readTree(get("/v1/models/gearbox-tiny:turbo-35").body());
    assertEquals("gearbox-tiny:turbo-35", one.get("id").asText());
    assertEquals("model", one.get("object").asText());
    HttpResponse<String> openApi = get("/openapi.json");
    assertEquals(200, openApi.statusCode());
    assertTrue(JSON.readTree(openApi.body()).at("/paths").has("/v1/chat/completions"));
    HttpResponse<String> missing = get("/v1/models/gearbox-tiny:warp-9");
    assertEquals(404, missing.statusCode());
    assertEquals("model_not_found", JSON.readTree(missing.body()).at("/error/code").asText());
  }

  @Test
  void badFlagsAreExplained() {
    assertTrue(
        message(() -> LocalMode.parse(new String[] {"--model", "/nonexistent"}))
            .contains("/nonexistent has no config.json"));
    assertTrue(message(() -> LocalMode.parse(new String[] {"--placement", "x"})).contains("NAME=PATTERN"));
    assertTrue(
        message(() -> LocalMode.parse(new String[] {"--memory-budget", "lots"}))
            .contains("--memory-budget"));
    assertTrue(
        message(() -> LocalMode.parse(new String[] {"--port", "70000"}))
            .contains("--port must be a TCP port from 0 to 65535"));
    assertTrue(
        message(() -> LocalMode.check(LocalMode.parse(new String[] {"--placement", "bad=fa*3"})))
            .contains("--placement bad=fa*3: 'fa*3' has 3 layers, the model has 4"));
    assertTrue(
        message(() -> LocalMode.check(LocalMode.parse(new String[] {"--placement", "bad=fa,gdn,warp,fa"})))
            .contains("layer 2 has no mixer 'warp'"));
    assertTrue(
        Path.of(LocalMode.DEFAULT_MODEL_DIRS.getFirst()).toString().endsWith("gearbox-tiny"));
  }

  @Test
  void aPortInUseIsOneLineNamingTheFlag() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      LocalMode.Options o =
          LocalMode.parse(new String[] {"--port", Integer.toString(taken.getLocalPort())});
      CommandFailure e = assertThrows(CommandFailure.class, () -> LocalMode.check(o));
      assertEquals(1, e.exitStatus());
      assertTrue(e.getMessage().contains("is already in use"), e.getMessage());
      assertTrue(e.getMessage().contains("--port 0 for any free port"), e.getMessage());
    }
  }

  /**
   * What the shutdown hook does on Ctrl-C/SIGTERM, against its own instance: an admitted stream
   * that cannot finish within the grace period ends with an SSE error event and {@code [DONE]},
   * never a cut connection; the port then refuses new requests.
   */
  @Test
  @Timeout(60)
  void stoppingDrainsStreamsToAnErrorEventAndDone() throws Exception {
    LocalMode.Options options =
        LocalMode.parse(
            new String[] {"--no-serve", "--port", "0", "--threads", "2", "--grace-seconds", "1"});
    LocalMode.Running own;
    PrintStream stdout = System.out;
    System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    try {
      own = LocalMode.start(options);
    } finally {
      System.setOut(stdout);
    }
    // Before any request: every documented series of every placement is there, at zero.
    HttpResponse<String> fresh =
        HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + own.router().port() + "/metrics"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (!fresh.body().contains("gearbox_router_ttft_seconds_count{placement=\"turbo-60\"}")
        && System.nanoTime() < deadline) {
      Thread.sleep(100);
      fresh =
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + own.router().port() + "/metrics"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    }
    for (String series :
        List.of(
            "gearbox_generation_tokens_total{placement=\"all-gdn\"} 0.0",
            "gearbox_num_requests_running{placement=\"turbo-35\"} 0.0",
            "gearbox_router_ttft_seconds_count{placement=\"turbo-60\"} 0",
            "gearbox_router_tpot_seconds_count{placement=\"all-fa\"} 0",
            "gearbox_router_slo_violated{placement=\"all-kda\",slo=\"ttft\"} 0.0")) {
      assertTrue(fresh.body().contains(series), series + " in\n" + fresh.body());
    }
    String body =
        "{\"model\":\"gearbox-tiny\",\"prompt\":\"In the beginning\",\"max_tokens\":4000,"
            + "\"stream\":true,\"temperature\":0}";
    HttpResponse<InputStream> stream =
        HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + own.router().port() + "/v1/completions"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, stream.statusCode());
    BufferedReader reader =
        new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8));
    String first = reader.readLine();
    assertTrue(first.startsWith("data: {"), first);
    CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> own.stop(options.grace()));
    List<String> events = new ArrayList<>();
    for (String line = reader.readLine(); line != null; line = reader.readLine()) {
      if (line.startsWith("data: ")) {
        events.add(line.substring(6));
      }
    }
    stopped.get(30, TimeUnit.SECONDS);
    assertEquals("[DONE]", events.getLast(), "the stream is closed properly");
    JsonNode error = JSON.readTree(events.get(events.size() - 2));
    assertTrue(error.has("error"), "an error event before [DONE]: " + events.get(events.size() - 2));
    assertEquals("runtime_unavailable", error.at("/error/code").asText());
    assertFalse(
        events.stream().anyMatch(e -> e.contains("\"finish_reason\":\"length\"")),
        "4000 tokens cannot finish within a one-second grace period");
  }

  private static HttpResponse<String> chat(String workload) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + running.router().port() + "/v1/chat/completions"))
            .header("content-type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\"gearbox-tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"In"
                        + " the beginning\"}],\"max_tokens\":4}"));
    if (workload != null) {
      request.header("x-gearbox-workload", workload);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + running.router().port() + path))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static List<String> idsOf(String body) throws Exception {
    List<String> ids = new ArrayList<>();
    JSON.readTree(body).get("data").forEach(m -> ids.add(m.get("id").asText()));
    return ids;
  }

  private static String message(org.junit.jupiter.api.function.Executable e) {
    return assertThrows(RuntimeException.class, e).getMessage();
  }
}
