package dev.gearbox.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import dev.gearbox.routing.config.ActiveConfig;
import dev.gearbox.routing.config.ConfigException;
import dev.gearbox.routing.local.InProcessRuntime;
import dev.gearbox.routing.runtime.GrpcRuntimeClient;
import dev.gearbox.routing.text.TokenizerCodec;
import dev.gearbox.runtime.checkpoint.SafetensorsFile;
import dev.gearbox.runtime.engine.EngineConfig;
import dev.gearbox.runtime.model.LanguageModel;
import dev.gearbox.runtime.model.Models;
import dev.gearbox.runtime.text.Tokenizer;
import dev.gearbox.runtime.text.Tokenizers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Router + the real runtime server (engine, gRPC service, CPU model) on loopback, serving the
 * golden tiny Apriel2 supernet; greedy answers are checked against the reference's tokens.
 */
class RealRuntimeRouterTest {

  static final Path MODEL =
      Path.of(System.getProperty("gearbox.golden.dir", "../runtime/src/test/resources/golden/apriel2-tiny"));
  static final ObjectMapper JSON = new ObjectMapper();
  /** The golden set's description: placements (mixer per layer) and token counts. */
  static final JsonNode GOLDEN = readGolden();
  static final int GENERATE_TOKENS = GOLDEN.get("generate_tokens").asInt();

  static JsonNode readGolden() {
    try {
      return JSON.readTree(MODEL.resolve("golden.json").toFile());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The golden placement {@code name} as a comma-separated mixer list. */
  static String goldenLayers(String name) {
    List<String> mixers = new ArrayList<>();
    GOLDEN.at("/placements/" + name).forEach(m -> mixers.add(m.asText()));
    return String.join(",", mixers);
  }

  @TempDir Path dir;
  InProcessRuntime runtime;
  GrpcRuntimeClient grpc;
  Router router;
  Path configFile;
  Tokenizer codec;
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    LanguageModel model = Models.load(MODEL, 2);
    // A budget where one all-attention request at full context holds two thirds. Memory is held
    // on demand, so the held request's prompt fills 3/4 of the context: a second one cannot fit
    // and, with no waiting room, is shed (saturation), and one held request puts the KV pressure
    // above the 0.5 threshold.
    long full = model.defaultPlacement().stateBytes(model.maxContextLength());
    runtime =
        InProcessRuntime.start(
            model,
            "apriel2-tiny",
            List.<String[]>of(new String[] {"mixed-1", goldenLayers("mixed-1")}),
            EngineConfig.withBudget(full * 3 / 2).withMaxWaiting(0),
            0);
    codec = Tokenizers.load(MODEL, runtime.model().vocabSize());
    grpc = GrpcRuntimeClient.connect("127.0.0.1", runtime.port());
    configFile = dir.resolve("routing.yaml");
    Files.writeString(
        configFile,
        """
        routing:
          rules:
            - match: { workload: batch }
              placement: all-gdn
            - match: { minPromptTokens: 30 }
              placement: mixed-1
          underKvPressure: { above: 0.5, shiftTo: all-mamba, onlyWorkloads: [agent] }
        """);
    router =
        Router.builder()
            .runtime(grpc)
            .codec(TokenizerCodec.forCheckpoint(MODEL, runtime.model().vocabSize()))
            .config(ActiveConfig.load(configFile, () -> grpc.info().placementNames()))
            .port(0)
            .configPollInterval(Duration.ofHours(1))
            .start();
  }

  @AfterEach
  void stop() {
    router.close();
    grpc.close();
    runtime.close();
  }

  HttpResponse<String> post(String path, String body, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.port() + path))
            .POST(HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static long[] golden(String tensor) {
    try (SafetensorsFile f = SafetensorsFile.open(MODEL.resolve("golden.safetensors"))) {
      return f.longs(tensor);
    }
  }

  static String ids(long[] ids) {
    return Arrays.stream(ids).mapToObj(Long::toString).collect(Collectors.joining(",", "[", "]"));
  }

  /**
   * The reference's greedy continuation of the golden prompt under {@code goldenPlacement}, as
   * text.
   */
  String expectedText(String goldenPlacement) {
    long[] greedy = golden(goldenPlacement + ".greedy_tokens");
    return codec.decode(Arrays.stream(greedy).mapToInt(x -> (int) x).toArray());
  }

  String completion(String model, boolean stream) {
    return "{\"model\":\""
        + model
        + "\",\"prompt\":"
        + ids(golden("prompt_ids"))
        + ",\"max_tokens\":"
        + GENERATE_TOKENS
        + ",\"temperature\":0,\"stream\":"
        + stream
        + "}";
  }

  static String streamedText(String body) throws Exception {
    StringBuilder text = new StringBuilder();
    for (String block : body.split("\n\n")) {
      if (block.startsWith("data: {")) {
        text.append(JSON.readTree(block.substring(6)).at("/choices/0/text").asText());
      }
    }
    assertTrue(body.endsWith("data: [DONE]\n\n"), body);
    return text.toString();
  }

  @Test
  void greedyAnswersMatchTheReferenceForEveryPlacementWholeAndStreamed() throws Exception {
    String[][] cases = {
      {"default", "all-attention"}, {"all-swa", "all-swa"}, {"all-gdn", "all-gdn"},
      {"all-kda", "all-kda"}, {"all-mamba", "all-mamba"}, {"mixed-1", "mixed-1"}
    };
    for (String[] c : cases) {
      String expected = expectedText(c[1]);
      HttpResponse<String> whole =
          post("/v1/completions", completion("apriel2-tiny:" + c[0], false));
      assertEquals(200, whole.statusCode(), whole.body());
      assertEquals(c[0], whole.headers().firstValue("x-gearbox-placement").orElseThrow());
      assertEquals("explicit", whole.headers().firstValue("x-gearbox-reason").orElseThrow());
      JsonNode body = JSON.readTree(whole.body());
      assertEquals(expected, body.at("/choices/0/text").asText(), c[0]);
      assertEquals(GENERATE_TOKENS, body.at("/usage/completion_tokens").asInt());
      assertEquals(golden("prompt_ids").length, body.at("/usage/prompt_tokens").asInt());
      assertEquals("length", body.at("/choices/0/finish_reason").asText());

      HttpResponse<String> streamed =
          post("/v1/completions", completion("apriel2-tiny:" + c[0], true));
      assertEquals(expected, streamedText(streamed.body()), c[0] + " streamed");
    }
  }

  @Test
  void echoPrefixesThePromptWholeAndStreamed() throws Exception {
    String prompt = codec.decode(Arrays.stream(golden("prompt_ids")).mapToInt(x -> (int) x).toArray());
    String expected = prompt + expectedText("all-gdn");
    for (boolean stream : new boolean[] {false, true}) {
      String body =
          completion("apriel2-tiny:all-gdn", stream).replaceFirst("\\}$", ",\"echo\":true}");
      HttpResponse<String> r = post("/v1/completions", body);
      assertEquals(200, r.statusCode(), r.body());
      String text =
          stream ? streamedText(r.body()) : JSON.readTree(r.body()).at("/choices/0/text").asText();
      assertEquals(expected, text, "echo, stream=" + stream);
      if (!stream) {
        assertEquals(
            GENERATE_TOKENS,
            JSON.readTree(r.body()).at("/usage/completion_tokens").asInt(),
            "the echoed prompt is not counted as completion");
      }
    }
  }

  @Test
  void selectionPathsReachTheRuntime() throws Exception {
    HttpResponse<String> rule0 =
        post("/v1/completions", completion("apriel2-tiny", false), "x-gearbox-workload", "batch");
    assertEquals("all-gdn", rule0.headers().firstValue("x-gearbox-placement").orElseThrow());
    assertEquals("rule:0", rule0.headers().firstValue("x-gearbox-reason").orElseThrow());
    assertEquals(
        expectedText("all-gdn"), JSON.readTree(rule0.body()).at("/choices/0/text").asText());

    HttpResponse<String> rule1 = post("/v1/completions", completion("apriel2-tiny", false));
    assertEquals("rule:1", rule1.headers().firstValue("x-gearbox-reason").orElseThrow());
    assertEquals(
        expectedText("mixed-1"), JSON.readTree(rule1.body()).at("/choices/0/text").asText());

    HttpResponse<String> def =
        post(
            "/v1/completions",
            "{\"model\":\"apriel2-tiny\",\"prompt\":\"short\",\"max_tokens\":4}");
    assertEquals("default", def.headers().firstValue("x-gearbox-placement").orElseThrow());
    assertEquals("default", def.headers().firstValue("x-gearbox-reason").orElseThrow());
    assertEquals(4, JSON.readTree(def.body()).at("/usage/completion_tokens").asInt());
  }

  @Test
  void configReloadAgainstTheRealCatalogue() throws Exception {
    var held = holdFullContextRequest();
    Files.writeString(configFile, "routing:\n  default: all-kda\n");
    assertTrue(router.config().reload());
    HttpResponse<String> inFlight = held.get();
    assertEquals("default", inFlight.headers().firstValue("x-gearbox-placement").orElseThrow());
    assertTrue(
        inFlight.body().endsWith("data: [DONE]\n\n"),
        "the request in flight finished under its own config");
    HttpResponse<String> r =
        post("/v1/completions", "{\"model\":\"apriel2-tiny\",\"prompt\":\"hi\",\"max_tokens\":2}");
    assertEquals("all-kda", r.headers().firstValue("x-gearbox-placement").orElseThrow());
    Files.writeString(configFile, "routing:\n  default: all-fa\n");
    ConfigException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ConfigException.class, () -> router.config().reload());
    assertTrue(e.getMessage().contains("'all-fa' is not served"), e.getMessage());
  }

  /**
   * Starts a streamed all-attention request with a 3/4-context prompt and waits until the engine
   * holds its memory.
   */
  java.util.concurrent.CompletableFuture<HttpResponse<String>> holdFullContextRequest()
      throws Exception {
    var held =
        http.sendAsync(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + router.port() + "/v1/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(longRequest("default")))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < deadline && !held.isDone()) {
      router.runtimeView().refresh();
      if (router.runtimeView().load().kvUtilization() > 0.5) {
        return held;
      }
      Thread.sleep(2);
    }
    throw new AssertionError("the held request never reserved half the budget");
  }

  /** A streamed request whose prompt alone is 3/4 of the context, generating the rest. */
  String longRequest(String placement) {
    int max = runtime.model().maxContextLength();
    int promptTokens = max * 3 / 4 + 16;
    String ids = String.join(",", java.util.Collections.nCopies(promptTokens, "120"));
    return "{\"model\":\"apriel2-tiny:"
        + placement
        + "\",\"prompt\":["
        + ids
        + "],\"max_tokens\":"
        + (max - promptTokens - 2)
        + ",\"temperature\":0,\"stream\":true}";
  }

  @Test
  void kvPressureFromTheRealEngineShiftsAgents() throws Exception {
    var held = holdFullContextRequest();
    HttpResponse<String> shifted =
        post(
            "/v1/completions",
            "{\"model\":\"apriel2-tiny\",\"prompt\":\"hi\",\"max_tokens\":2}",
            "x-gearbox-workload",
            "agent");
    assertEquals(
        "kv-pressure",
        shifted.headers().firstValue("x-gearbox-reason").orElseThrow(),
        shifted.body());
    assertEquals("all-mamba", shifted.headers().firstValue("x-gearbox-placement").orElseThrow());
    assertEquals(200, shifted.statusCode(), "the turbo gear's fixed state still fits");
    HttpResponse<String> chat =
        post(
            "/v1/completions",
            "{\"model\":\"apriel2-tiny\",\"prompt\":\"hi\",\"max_tokens\":2}",
            "x-gearbox-workload",
            "chat");
    assertEquals("default", chat.headers().firstValue("x-gearbox-reason").orElseThrow());
    assertEquals(200, held.get().statusCode());
  }

  @Test
  void saturatedRuntimeIs503WithRetryAfter() throws Exception {
    var held = holdFullContextRequest();
    HttpResponse<String> shed = post("/v1/completions", longRequest("default"));
    assertEquals(503, shed.statusCode(), shed.body());
    assertEquals("runtime_saturated", JSON.readTree(shed.body()).at("/error/code").asText());
    assertTrue(Integer.parseInt(shed.headers().firstValue("retry-after").orElseThrow()) >= 1);
    assertTrue(held.get().body().endsWith("data: [DONE]\n\n"), "the admitted request is unharmed");
  }

  @Test
  void clientDisconnectCancelsTheRuntimeCall() throws Exception {
    String body = longRequest("default");
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", router.port())) {
      socket
          .getOutputStream()
          .write(
              ("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      + "Content-Length: "
                      + body.length()
                      + "\r\n\r\n"
                      + body)
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      byte[] some = socket.getInputStream().readNBytes(2000);
      assertTrue(
          new String(some, java.nio.charset.StandardCharsets.ISO_8859_1).contains("data: {"),
          "streaming started");
    }
    io.grpc.ManagedChannel channel =
        io.grpc.ManagedChannelBuilder.forAddress("127.0.0.1", runtime.port())
            .usePlaintext()
            .build();
    try {
      var stub = dev.gearbox.runtime.api.v1.RuntimeGrpc.newBlockingStub(channel);
      dev.gearbox.runtime.api.v1.StatsResponse stats;
      long deadline = System.nanoTime() + 10_000_000_000L;
      do {
        Thread.sleep(5);
        stats = stub.stats(dev.gearbox.runtime.api.v1.StatsRequest.getDefaultInstance());
      } while (stats.getRunning() > 0 && System.nanoTime() < deadline);
      assertEquals(0, stats.getRunning());
      assertEquals(0, stats.getUsedBytes(), "the runtime freed the sequence's memory");
      assertTrue(
          stats.getGenerationTokensTotal() < runtime.model().maxContextLength() - 2,
          "generation stopped early: " + stats.getGenerationTokensTotal() + " tokens");
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void errorPathsWithTheRealRuntime() throws Exception {
    HttpResponse<String> tooLong =
        post(
            "/v1/completions",
            "{\"model\":\"apriel2-tiny\",\"prompt\":\""
                + "x".repeat(runtime.model().maxContextLength() + 1)
                + "\"}");
    assertEquals(400, tooLong.statusCode());
    assertEquals(
        "context_length_exceeded", JSON.readTree(tooLong.body()).at("/error/code").asText());
    HttpResponse<String> unknown =
        post("/v1/completions", "{\"model\":\"apriel2-tiny:all-fa\",\"prompt\":\"x\"}");
    assertEquals(404, unknown.statusCode());
    assertEquals(400, post("/v1/completions", "{\"model\":").statusCode());
    HttpResponse<String> badId =
        post("/v1/completions", "{\"model\":\"apriel2-tiny\",\"prompt\":[1,2,99999]}");
    assertEquals(400, badId.statusCode(), "an id outside the vocabulary");
    JsonNode badIdError = JSON.readTree(badId.body()).get("error");
    assertEquals("invalid_token_id", badIdError.get("code").asText(), badId.body());
    assertEquals("prompt", badIdError.get("param").asText(), badId.body());
    assertEquals(
        "prompt[2] is 99999, outside this model's vocabulary of token ids 0 to "
            + (runtime.model().vocabSize() - 1),
        badIdError.get("message").asText(),
        "names the position, no transport prefix");

    runtime.close();
    router.runtimeView().refresh();
    HttpResponse<String> down =
        post("/v1/completions", "{\"model\":\"apriel2-tiny\",\"prompt\":\"x\"}");
    assertEquals(503, down.statusCode());
    assertTrue(down.headers().firstValue("retry-after").isPresent());
  }

  @Test
  void openAiSdkAgainstTheRealRuntime() {
    OpenAIClient openai =
        OpenAIOkHttpClient.builder()
            .apiKey("sk-local")
            .baseUrl("http://127.0.0.1:" + router.port() + "/v1")
            .maxRetries(0)
            .build();
    try {
      Completion c =
          openai
              .completions()
              .create(
                  CompletionCreateParams.builder()
                      .model("apriel2-tiny:all-gdn")
                      .prompt("Hello")
                      .maxTokens(8)
                      .temperature(0.0)
                      .build());
      assertEquals(8, c.usage().orElseThrow().completionTokens());
      StringBuilder text = new StringBuilder();
      try (StreamResponse<ChatCompletionChunk> s =
          openai
              .chat()
              .completions()
              .createStreaming(
                  ChatCompletionCreateParams.builder()
                      .model("apriel2-tiny")
                      .addUserMessage("Hi")
                      .maxCompletionTokens(6)
                      .temperature(0.0)
                      .build())) {
        s.stream()
            .forEach(ch -> ch.choices().forEach(x -> x.delta().content().ifPresent(text::append)));
      }
      assertNotNull(text.toString());
    } finally {
      openai.close();
    }
  }

  @Test
  void placementsAreListed() throws Exception {
    JsonNode models =
        JSON.readTree(
            http.send(
                    HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + router.port() + "/v1/models"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .body());
    List<String> ids = new ArrayList<>();
    models.get("data").forEach(m -> ids.add(m.get("id").asText()));
    assertTrue(
        ids.containsAll(
            List.of(
                "apriel2-tiny",
                "apriel2-tiny:default",
                "apriel2-tiny:all-gdn",
                "apriel2-tiny:all-swa",
                "apriel2-tiny:all-kda",
                "apriel2-tiny:all-mamba",
                "apriel2-tiny:mixed-1")),
        ids.toString());
  }
}
