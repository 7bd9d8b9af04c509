package dev.gearbox.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gearbox.routing.config.ActiveConfig;
import dev.gearbox.routing.config.ConfigException;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The router over real HTTP and real gRPC, against {@link TestingRuntimeService} on loopback. */
class RouterHttpTest {

  static final String CONFIG =
      """
      routing:
        default: all-fa
        rules:
          - match: { workload: batch }
            placement: turbo
          - match: { priority: low }
            placement: mixed
          - match: { minPromptTokens: 100 }
            placement: turbo
          - match: { path: /v1/chat/completions, maxPromptTokens: 5 }
            placement: mixed
        underKvPressure: { above: 0.85, shiftTo: turbo, onlyWorkloads: [agent] }
      limits:
        perClient: { maxConcurrent: 4, requestsPerSecond: 1000, burst: 1000 }
      """;

  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  TestingRuntimeService runtime;
  GrpcRuntimeClient client;
  Router router;
  Path configFile;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void start() throws Exception {
    runtime = new TestingRuntimeService().start();
    client = GrpcRuntimeClient.connect("127.0.0.1", runtime.port());
    configFile = dir.resolve("routing.yaml");
    Files.writeString(configFile, CONFIG);
    router = startRouter(ActiveConfig.load(configFile, () -> TestingRuntimeService.PLACEMENTS));
  }

  Router startRouter(ActiveConfig config) {
    return Router.builder()
        .runtime(client)
        .codec(TestingCodecs.bytes())
        .config(config)
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

  HttpResponse<String> post(String path, String body, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.port() + path))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.port() + path))
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static String completion(String model, String prompt, boolean stream) {
    return "{\"model\":\""
        + model
        + "\",\"prompt\":\""
        + prompt
        + "\",\"max_tokens\":64,\"stream\":"
        + stream
        + "}";
  }

  static String chat(String model, String content, boolean stream) {
    return "{\"model\":\""
        + model
        + "\",\"messages\":[{\"role\":\"user\",\"content\":\""
        + content
        + "\"}],\"max_tokens\":64,\"stream\":"
        + stream
        + ",\"stream_options\":{\"include_usage\":true}}";
  }

  static void assertRouted(HttpResponse<String> r, String placement, String reason) {
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(
        placement, r.headers().firstValue("x-gearbox-placement").orElse(null), "placement");
    assertEquals(reason, r.headers().firstValue("x-gearbox-reason").orElse(null), "reason");
  }

  /** The data payloads of an SSE body, in order. */
  static List<String> events(String body) {
    List<String> out = new ArrayList<>();
    for (String block : body.split("\n\n")) {
      if (!block.isBlank()) {
        assertTrue(block.startsWith("data: "), "SSE block: " + block);
        out.add(block.substring(6));
      }
    }
    return out;
  }

  @Test
  void completionNonStreaming() throws Exception {
    HttpResponse<String> r = post("/v1/completions", completion("tiny", "hi", false));
    assertRouted(r, "all-fa", "default");
    JsonNode body = JSON.readTree(r.body());
    assertEquals("text_completion", body.get("object").asText());
    assertEquals("tiny:all-fa", body.get("model").asText());
    assertEquals(TestingRuntimeService.REPLY, body.at("/choices/0/text").asText());
    assertEquals("stop", body.at("/choices/0/finish_reason").asText());
    assertEquals(3, body.at("/usage/prompt_tokens").asInt(), "BOS + 2 bytes");
    assertEquals(TestingRuntimeService.REPLY.length(), body.at("/usage/completion_tokens").asInt());
    assertEquals(
        List.of(1, (int) 'h', (int) 'i'), runtime.received.peek().getPromptTokenIds().getIdsList());
  }

  @Test
  void completionStreaming() throws Exception {
    HttpResponse<String> r = post("/v1/completions", completion("tiny", "hi", true));
    assertRouted(r, "all-fa", "default");
    assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
    List<String> events = events(r.body());
    assertEquals("[DONE]", events.getLast());
    StringBuilder text = new StringBuilder();
    String finish = null;
    for (String e : events.subList(0, events.size() - 1)) {
      JsonNode chunk = JSON.readTree(e);
      text.append(chunk.at("/choices/0/text").asText());
      if (!chunk.at("/choices/0/finish_reason").isNull()) {
        finish = chunk.at("/choices/0/finish_reason").asText();
      }
    }
    assertEquals(TestingRuntimeService.REPLY, text.toString());
    assertEquals("stop", finish);
    assertTrue(events.size() > 5, "one chunk per token, got " + events.size());
  }

  @Test
  void chatStreamingAndWhole() throws Exception {
    HttpResponse<String> whole =
        post("/v1/chat/completions", chat("tiny", "a longer question", false));
    assertRouted(whole, "all-fa", "default");
    JsonNode body = JSON.readTree(whole.body());
    assertEquals("chat.completion", body.get("object").asText());
    assertEquals("assistant", body.at("/choices/0/message/role").asText());
    assertEquals(TestingRuntimeService.REPLY, body.at("/choices/0/message/content").asText());

    HttpResponse<String> streamed =
        post("/v1/chat/completions", chat("tiny", "a longer question", true));
    List<String> events = events(streamed.body());
    assertEquals("[DONE]", events.getLast());
    JsonNode first = JSON.readTree(events.getFirst());
    assertEquals("chat.completion.chunk", first.get("object").asText());
    assertEquals("assistant", first.at("/choices/0/delta/role").asText());
    StringBuilder text = new StringBuilder();
    for (String e : events.subList(0, events.size() - 1)) {
      text.append(JSON.readTree(e).at("/choices/0/delta/content").asText(""));
    }
    assertEquals(TestingRuntimeService.REPLY, text.toString());
    JsonNode usage = JSON.readTree(events.get(events.size() - 2));
    assertEquals(0, usage.get("choices").size(), "usage chunk has no choices");
    assertEquals(
        TestingRuntimeService.REPLY.length(), usage.at("/usage/completion_tokens").asInt());
  }

  @Test
  void everySelectionPath() throws Exception {
    assertRouted(
        post("/v1/completions", completion("tiny:mixed", "x", false)), "mixed", "explicit");
    assertRouted(
        post("/v1/completions", completion("tiny", "x", false), "x-gearbox-workload", "batch"),
        "turbo",
        "rule:0");
    assertRouted(
        post("/v1/completions", completion("tiny", "x", false), "x-gearbox-priority", "low"),
        "mixed",
        "rule:1");
    assertRouted(
        post("/v1/completions", completion("tiny", "x".repeat(120), false)), "turbo", "rule:2");
    assertRouted(post("/v1/chat/completions", chat("tiny", "", false)), "all-fa", "default");
    assertRouted(post("/v1/completions", completion("tiny", "x", false)), "all-fa", "default");
    List<String> placements = runtime.received.stream().map(g -> g.getPlacement()).toList();
    assertEquals(
        List.of("mixed", "turbo", "mixed", "turbo", "all-fa", "all-fa"),
        placements,
        "what the runtime was asked");
  }

  @Test
  void pathRuleMatchesOnlyItsPath() throws Exception {
    Files.writeString(
        configFile,
        """
        routing:
          rules:
            - match: { path: /v1/chat/completions }
              placement: mixed
        """);
    assertTrue(router.config().reload());
    assertRouted(post("/v1/chat/completions", chat("tiny", "q", false)), "mixed", "rule:0");
    assertRouted(post("/v1/completions", completion("tiny", "q", false)), "all-fa", "default");
  }

  @Test
  void kvPressureShiftsEligibleWorkloadsOnly() throws Exception {
    runtime.utilization = 0.9;
    router.runtimeView().refresh();
    assertRouted(
        post("/v1/completions", completion("tiny", "x", false), "x-gearbox-workload", "agent"),
        "turbo",
        "kv-pressure");
    assertRouted(
        post("/v1/completions", completion("tiny", "x", false), "x-gearbox-workload", "chat"),
        "all-fa",
        "default");
    assertRouted(
        post(
            "/v1/completions",
            completion("tiny:all-fa", "x", false),
            "x-gearbox-workload",
            "agent"),
        "all-fa",
        "explicit");
    runtime.utilization = 0.5;
    router.runtimeView().refresh();
    assertRouted(
        post("/v1/completions", completion("tiny", "x", false), "x-gearbox-workload", "agent"),
        "all-fa",
        "default");
  }

  @Test
  void configReloadAppliesValidFilesAndKeepsPreviousOnInvalid() throws Exception {
    Files.writeString(configFile, "routing:\n  default: mixed\n");
    assertTrue(router.config().reload());
    assertRouted(post("/v1/completions", completion("tiny", "x", false)), "mixed", "default");

    Files.writeString(configFile, "routing:\n  default: no-such-placement\n");
    ConfigException e = assertThrows(ConfigException.class, () -> router.config().reload());
    assertTrue(
        e.getMessage().contains("routing.default") && e.getMessage().contains("no-such-placement"),
        e.getMessage());
    assertRouted(post("/v1/completions", completion("tiny", "x", false)), "mixed", "default");

    Files.writeString(configFile, "routing:\n  rules:\n    - match: { workload: [oops }\n");
    assertThrows(ConfigException.class, () -> router.config().reload());
    assertRouted(post("/v1/completions", completion("tiny", "x", false)), "mixed", "default");
    JsonNode admin = JSON.readTree(get("/admin/config").body());
    assertEquals(2, admin.get("rejections").asInt());
    assertTrue(admin.get("lastError").asText().contains("routing.yaml"), admin.toString());
    assertTrue(get("/metrics").body().contains("gearbox_router_config_rejections_total 2.0"));
  }

  @Test
  void configFileIsWatched() throws Exception {
    router.close();
    router =
        Router.builder()
            .runtime(client)
            .codec(TestingCodecs.bytes())
            .config(ActiveConfig.load(configFile, () -> TestingRuntimeService.PLACEMENTS))
            .port(0)
            .configPollInterval(Duration.ofMillis(50))
            .start();
    Files.writeString(configFile, "routing:\n  default: turbo\n");
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (router.config().reloads() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertRouted(post("/v1/completions", completion("tiny", "x", false)), "turbo", "default");
  }

  static void assertError(HttpResponse<String> r, int status, String code) throws Exception {
    assertEquals(status, r.statusCode(), r.body());
    JsonNode error = JSON.readTree(r.body()).get("error");
    assertNotNull(error, r.body());
    assertTrue(error.get("message").asText().length() > 10, r.body());
    assertNotNull(error.get("type").asText());
    assertEquals(code, error.get("code").asText(), r.body());
  }

  @Test
  void badRequestsGetOpenAiErrors() throws Exception {
    assertError(post("/v1/completions", "{not json"), 400, "invalid_json");
    assertError(post("/v1/completions", "{\"model\":\"tiny\"}"), 400, "missing_required_parameter");
    assertError(post("/v1/completions", completion("other", "x", false)), 404, "model_not_found");
    assertError(
        post("/v1/completions", completion("tiny:nope", "x", false)), 404, "model_not_found");
    HttpResponse<String> tooLong =
        post("/v1/completions", completion("tiny", "x".repeat(300), false));
    assertError(tooLong, 400, "context_length_exceeded");
    assertTrue(tooLong.body().contains("256"), tooLong.body());
    assertError(get("/v1/completions"), 405, "method_not_allowed");
    assertError(get("/v1/nothing"), 404, "unknown_url");
    assertTrue(runtime.received.isEmpty(), "no bad request reached the runtime");
  }

  @Test
  void runtimeDownIs503WithRetryAfter() throws Exception {
    runtime.stop();
    router.runtimeView().refresh();
    HttpResponse<String> r = post("/v1/completions", completion("tiny", "x", false));
    assertError(r, 503, "runtime_not_ready");
    assertEquals("1", r.headers().firstValue("retry-after").orElse(null));
    assertEquals(503, get("/health").statusCode());
  }

  @Test
  void saturationIs503WithRuntimeRetryDelay() throws Exception {
    runtime.saturated = true;
    HttpResponse<String> r = post("/v1/completions", completion("tiny", "x", true));
    assertError(r, 503, "runtime_saturated");
    assertEquals("3", r.headers().firstValue("retry-after").orElse(null));
    assertEquals(1, runtime.received.size(), "saturation is not retried");
  }

  @Test
  void unavailableBeforeFirstTokenIsRetriedOnce() throws Exception {
    runtime.failNextUnavailable.set(1);
    HttpResponse<String> r = post("/v1/completions", completion("tiny", "x", false));
    assertRouted(r, "all-fa", "default");
    assertEquals(2, runtime.received.size());
    runtime.failNextUnavailable.set(2);
    HttpResponse<String> down = post("/v1/completions", completion("tiny", "x", false));
    assertError(down, 503, "runtime_unavailable");
    assertTrue(down.headers().firstValue("retry-after").isPresent());
  }

  @Test
  void failureAfterTheFirstTokenIsNotRetriedAndEndsTheStreamWithAnError() throws Exception {
    runtime.failAfterTokens = 5;
    HttpResponse<String> r = post("/v1/completions", completion("tiny", "x", true));
    assertEquals(200, r.statusCode(), "the stream had started");
    List<String> events = events(r.body());
    assertEquals("[DONE]", events.getLast());
    JsonNode error = JSON.readTree(events.get(events.size() - 2)).get("error");
    assertEquals("runtime_unavailable", error.get("code").asText());
    StringBuilder text = new StringBuilder();
    for (String e : events.subList(0, events.size() - 2)) {
      text.append(JSON.readTree(e).at("/choices/0/text").asText());
    }
    assertEquals(TestingRuntimeService.REPLY.substring(0, 5), text.toString());
    assertEquals(1, runtime.received.size(), "a retry would duplicate the tokens already sent");

    HttpResponse<String> whole = post("/v1/completions", completion("tiny", "x", false));
    assertError(whole, 503, "runtime_unavailable");
    assertEquals(
        2,
        runtime.received.size(),
        "not retried either when nothing was sent yet but tokens were generated");
  }

  @Test
  void runtimeDeadlineIs504() throws Exception {
    Files.writeString(configFile, "runtimeCall: { deadlineMs: 100 }\n");
    assertTrue(router.config().reload());
    runtime.delayMillis = 1000;
    assertError(post("/v1/completions", completion("tiny", "x", false)), 504, "timeout");
  }

  @Test
  void perClientLimitIs429() throws Exception {
    Files.writeString(configFile, "limits:\n  perClient: { requestsPerSecond: 0.001, burst: 2 }\n");
    assertTrue(router.config().reload());
    assertEquals(
        200,
        post("/v1/completions", completion("tiny", "x", false), "x-gearbox-client", "a")
            .statusCode());
    assertEquals(
        200,
        post("/v1/completions", completion("tiny", "x", false), "x-gearbox-client", "a")
            .statusCode());
    HttpResponse<String> limited =
        post("/v1/completions", completion("tiny", "x", false), "x-gearbox-client", "a");
    assertError(limited, 429, "rate_limit_exceeded");
    assertTrue(limited.headers().firstValue("retry-after").isPresent());
    assertEquals(
        200,
        post("/v1/completions", completion("tiny", "x", false), "x-gearbox-client", "b")
            .statusCode());
  }

  @Test
  void drainAnswersAfterInFlightRequestsAndRefusesNewOnes() throws Exception {
    assertEquals(200, get("/ready").statusCode());
    HttpResponse<String> drained = get("/drain?timeoutSeconds=5");
    assertEquals(200, drained.statusCode());
    assertEquals("{\"drained\":true,\"inFlight\":0}", drained.body());
    assertEquals(503, get("/ready").statusCode());
    assertEquals(200, get("/live").statusCode());
    HttpResponse<String> refused = post("/v1/completions", completion("tiny", "x", false));
    assertError(refused, 503, "shutting_down");
    assertTrue(refused.headers().firstValue("retry-after").isPresent());
  }

  @Test
  void configModelNameRenamesTheModel() throws Exception {
    Files.writeString(configFile, "model: apriel\ndefault: turbo\n");
    assertTrue(router.config().reload());
    assertRouted(post("/v1/completions", completion("apriel", "x", false)), "turbo", "default");
    assertError(post("/v1/completions", completion("tiny", "x", false)), 404, "model_not_found");
    assertTrue(get("/v1/models").body().contains("\"apriel:turbo\""));
  }

  @Test
  void modelsHealthMetricsAndSlo() throws Exception {
    JsonNode models = JSON.readTree(get("/v1/models").body());
    List<String> ids = new ArrayList<>();
    models.get("data").forEach(m -> ids.add(m.get("id").asText()));
    assertEquals(List.of("tiny", "tiny:all-fa", "tiny:turbo", "tiny:mixed"), ids);
    assertEquals(200, get("/health").statusCode());

    Files.writeString(configFile, "slo: { ttftP95Ms: 0.000001, tpotP95Ms: 100000 }\n");
    assertTrue(router.config().reload());
    post("/v1/completions", completion("tiny", "x", false));
    JsonNode slo = JSON.readTree(get("/admin/slo").body()).get("all-fa");
    assertEquals(1, slo.at("/ttftMs/count").asInt());
    assertTrue(slo.at("/ttftMs/p95").asDouble() > 0);
    assertTrue(slo.get("ttftViolated").asBoolean());
    assertFalse(slo.get("tpotViolated").asBoolean());
    String metrics = get("/metrics").body();
    assertTrue(
        metrics.contains("gearbox_router_ttft_seconds_bucket{placement=\"all-fa\""),
        "histogram exported");
    assertTrue(
        metrics.contains(
            "gearbox_router_slo_violations_total{placement=\"all-fa\",slo=\"ttft\"} 1.0"),
        metrics);
    assertTrue(
        metrics.contains(
            "gearbox_router_requests_total{placement=\"all-fa\",reason=\"default\",status=\"200\"}"));
  }
}
