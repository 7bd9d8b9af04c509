package dev.gearbox.runtime.server;

import static dev.gearbox.runtime.server.TestingRuntime.greedy;
import static dev.gearbox.runtime.server.TestingRuntime.prompt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.runtime.api.v1.FinishReason;
import dev.gearbox.runtime.api.v1.GenerateRequest;
import dev.gearbox.runtime.api.v1.GenerateResponse;
import dev.gearbox.runtime.api.v1.InfoRequest;
import dev.gearbox.runtime.api.v1.InfoResponse;
import dev.gearbox.runtime.api.v1.LatencyHistogram;
import dev.gearbox.runtime.api.v1.PlacementStats;
import dev.gearbox.runtime.api.v1.StatsRequest;
import dev.gearbox.runtime.api.v1.StatsResponse;
import dev.gearbox.runtime.api.v1.PlacementInfo;
import dev.gearbox.runtime.api.v1.SamplingParams;
import dev.gearbox.runtime.api.v1.ScoreRequest;
import dev.gearbox.runtime.api.v1.ScoreResponse;
import dev.gearbox.runtime.engine.EngineConfig;
import dev.gearbox.runtime.engine.Sampler;
import dev.gearbox.runtime.engine.TestingLanguageModel;
import dev.gearbox.runtime.model.SequenceState;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RuntimeServerTest {
  private static final Map<String, String> PLACEMENTS = new LinkedHashMap<>();

  static {
    PLACEMENTS.put("turbo", "attention,gdn*3");
    PLACEMENTS.put("mixed-1", "attention,gdn,swa,mamba");
    PLACEMENTS.put("mixed-2", "kda,attention,mamba,gdn");
    PLACEMENTS.put("all-swa", "swa*4");
  }

  private TestingLanguageModel model;
  private TestingRuntime runtime;

  @BeforeEach
  void start() throws Exception {
    model = TestingRuntime.testingModel();
    // Small prefill chunks so long prompts are fed between decode steps of other requests.
    EngineConfig config = EngineConfig.withBudget(64L << 20).withPrefillTokensPerStep(16);
    runtime = new TestingRuntime(model, config, PLACEMENTS, Duration.ofSeconds(5));
  }

  @AfterEach
  void stop() throws Exception {
    runtime.close();
    assertEquals(0, model.liveSequences.get(), "every sequence's state was released");
  }

  @Test
  void concurrentMixedPlacementClientsGetTheTokensTheyGetAlone() throws Exception {
    List<String> names = new ArrayList<>(List.of("all-attention"));
    names.addAll(PLACEMENTS.keySet());
    List<GenerateRequest> requests = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      GenerateRequest greedy = greedy(names.get(i % names.size()), prompt(i, 3 + (i * 7) % 60, 64), 8 + i % 17);
      if (i % 8 == 7) {
        // A few seeded sampled requests: their random streams are per request, so they too
        // must not depend on who else is in the batch.
        greedy = greedy.toBuilder()
            .setSampling(SamplingParams.newBuilder().setTemperature(0.9f).setTopP(0.9f).setTopK(20).setSeed(i))
            .build();
      }
      requests.add(greedy);
    }
    List<List<Integer>> alone = new ArrayList<>();
    for (GenerateRequest r : requests) {
      TestingRuntime.Call call = runtime.start(r);
      assertEquals(Status.Code.OK, call.await().getCode());
      alone.add(call.tokens());
    }
    int soloBatch = model.maxDecodeBatch.get();

    List<TestingRuntime.Call> calls = new ArrayList<>();
    for (GenerateRequest r : requests) {
      calls.add(runtime.start(r));
    }
    for (int i = 0; i < calls.size(); i++) {
      TestingRuntime.Call call = calls.get(i);
      assertEquals(Status.Code.OK, call.await().getCode(), "request " + i);
      assertEquals(alone.get(i), call.tokens(), "request " + i + " (" + requests.get(i).getPlacement() + ")");
      GenerateResponse last = call.finished;
      assertEquals(requests.get(i).getMaxTokens(), last.getFinished().getUsage().getCompletionTokens());
      assertEquals(FinishReason.FINISH_REASON_LENGTH, last.getFinished().getReason());
    }
    assertEquals(1, soloBatch, "alone, each request decodes by itself");
    assertTrue(model.maxDecodeBatch.get() >= 8, "batched decode, max batch " + model.maxDecodeBatch.get());
    assertTrue(model.mixedPlacementBatches.get() > 0, "placements shared decode calls");
    assertTrue(model.maxPrefillChunk.get() <= 16, "prefill was chunked");
  }

  @Test
  void badRequestsAreInvalidArgumentWithSpecificMessages() {
    int[] ok = prompt(1, 10, 64);
    assertInvalid(greedy("turbo-9x", ok, 4), "unknown placement 'turbo-9x'");
    assertInvalid(greedy("turbo", new int[0], 4), "prompt is empty");
    assertInvalid(greedy("turbo", ok, 0), "max_tokens must be >= 1, got 0");
    assertInvalid(greedy("turbo", prompt(2, 500, 64), 100), "exceeds the model's context limit of 512");
    assertInvalid(greedy("turbo", new int[] {1, 64}, 4), "prompt_token_ids[1] is 64, outside the vocabulary [0, 64)");
    assertInvalid(withSampling(ok, SamplingParams.newBuilder().setTemperature(-1f)), "sampling.temperature");
    assertInvalid(withSampling(ok, SamplingParams.newBuilder().setTopP(1.5f)), "sampling.top_p must be in (0, 1]");
    assertInvalid(withSampling(ok, SamplingParams.newBuilder().setTopK(-3)), "sampling.top_k must be >= 0");
    assertInvalid(
        GenerateRequest.newBuilder().setPromptText("hello").setMaxTokens(4).build(), "prompt_text needs a tokenizer");
    assertInvalid(greedy("turbo", ok, 4).toBuilder().addStopStrings("\n").build(), "stop_strings need a tokenizer");
    StatusRuntimeException score =
        assertThrows(StatusRuntimeException.class,
            () -> runtime.blocking.score(ScoreRequest.newBuilder().setPlacement("turbo").addTokenIds(3).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, score.getStatus().getCode());
    assertTrue(score.getStatus().getDescription().contains("at least 2 tokens"));
  }

  @Test
  void stopTokenEndsGenerationAndIsReported() throws Exception {
    TestingRuntime.Call first = runtime.start(greedy("turbo", prompt(5, 12, 64), 10));
    first.await();
    int third = first.tokens().get(2);
    TestingRuntime.Call stopped =
        runtime.start(greedy("turbo", prompt(5, 12, 64), 10).toBuilder().addStopTokenIds(third).build());
    assertEquals(Status.Code.OK, stopped.await().getCode());
    assertEquals(first.tokens().subList(0, 3), stopped.tokens());
    assertEquals(FinishReason.FINISH_REASON_STOP_TOKEN, stopped.finished.getFinished().getReason());
  }

  @Test
  void scoreMatchesTheModelsOwnLogProbabilities() {
    int[] tokens = prompt(9, 40, 64);
    ScoreRequest.Builder request = ScoreRequest.newBuilder().setPlacement("mixed-1");
    for (int t : tokens) {
      request.addTokenIds(t);
    }
    ScoreResponse response = runtime.blocking.score(request.build());
    assertEquals(tokens.length - 1, response.getLogProbsCount());

    SequenceState s = model.newSequence(model.placement("mixed-1", List.of(PLACEMENTS.get("mixed-1"))));
    float[] logits = new float[tokens.length * 64];
    model.prefill(s, tokens, 0, tokens.length, logits, true);
    s.release();
    for (int i = 0; i + 1 < tokens.length; i++) {
      assertEquals(Sampler.logProb(logits, i * 64, 64, tokens[i + 1]), response.getLogProbs(i), 1e-6, "position " + i);
    }
  }

  @Test
  void infoDescribesPlacementsAndMemory() {
    InfoResponse info = runtime.blocking.info(InfoRequest.getDefaultInstance());
    assertEquals(4, info.getNumLayers());
    assertEquals(512, info.getMaxContextLength());
    assertEquals("all-attention", info.getDefaultPlacement());
    assertEquals(TestingLanguageModel.MIXERS, info.getLayers(0).getMixersList());
    PlacementInfo turbo = info.getPlacementsList().stream().filter(p -> p.getName().equals("turbo")).findFirst().orElseThrow();
    assertEquals((1.0 + 3 * 0.09) / 4, turbo.getRelativeCost(), 1e-9);
    assertEquals(256, turbo.getKvBytesPerToken());
    assertEquals(5, info.getPlacementsCount());
    assertEquals(64L << 20, info.getMemoryBudgetBytes());
  }

  @Test
  void metricsAreExposedAsPrometheusTextPerPlacement() throws Exception {
    runtime.start(greedy("turbo", prompt(3, 10, 64), 7)).await();
    runtime.start(greedy("mixed-2", prompt(4, 5, 64), 3)).await();
    try (MetricsHttpServer http = MetricsHttpServer.start(runtime.registry, 0)) {
      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + "/metrics")).build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(200, response.statusCode());
      String body = response.body();
      assertTrue(body.contains("gearbox_generation_tokens_total{placement=\"turbo\"} 7.0"), body);
      assertTrue(body.contains("gearbox_prompt_tokens_total{placement=\"mixed-2\"} 5.0"), body);
      assertTrue(body.contains("gearbox_kv_cache_usage_perc 0.0"), body);
      assertTrue(body.contains("gearbox_num_requests_running{placement=\"turbo\"} 0.0"), body);
      assertTrue(body.contains("gearbox_time_to_first_token_seconds_bucket{placement=\"turbo\""), body);
      assertTrue(body.contains("gearbox_time_per_output_token_seconds_count{placement=\"turbo\"} 6"), body);
      assertTrue(!body.contains("request_id"), "never labelled by request");
    }
  }

  @Test
  void statsCarryLatencyHistogramsThatOnlyGrow() throws Exception {
    runtime.start(greedy("turbo", prompt(3, 10, 64), 7)).await();
    runtime.start(greedy("turbo", prompt(4, 5, 64), 3)).await();
    StatsResponse stats = runtime.blocking.stats(StatsRequest.getDefaultInstance());
    PlacementStats turbo =
        stats.getPlacementsList().stream().filter(p -> p.getName().equals("turbo")).findFirst().orElseThrow();
    LatencyHistogram ttft = turbo.getTimeToFirstToken();
    assertEquals(2, ttft.getCount(), "one first token per finished request");
    assertEquals(ttft.getUpperBoundsSecondsCount(), ttft.getCumulativeCountsCount());
    assertEquals(2, ttft.getCumulativeCounts(ttft.getCumulativeCountsCount() - 1), "both under 60 s");
    for (int i = 1; i < ttft.getCumulativeCountsCount(); i++) {
      assertTrue(ttft.getCumulativeCounts(i) >= ttft.getCumulativeCounts(i - 1), "cumulative at " + i);
    }
    assertEquals(6 + 2, turbo.getTimePerOutputToken().getCount(), "tokens after the first");
    assertTrue(ttft.getSumSeconds() > 0);

    runtime.start(greedy("turbo", prompt(5, 5, 64), 2)).await();
    PlacementStats later =
        runtime.blocking.stats(StatsRequest.getDefaultInstance()).getPlacementsList().stream()
            .filter(p -> p.getName().equals("turbo")).findFirst().orElseThrow();
    assertEquals(3, later.getTimeToFirstToken().getCount());
  }

  private GenerateRequest withSampling(int[] prompt, SamplingParams.Builder sampling) {
    return greedy("turbo", prompt, 4).toBuilder().setSampling(sampling).build();
  }

  private void assertInvalid(GenerateRequest request, String expected) {
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> {
          Iterator<GenerateResponse> it = runtime.blocking.generate(request);
          while (it.hasNext()) {
            it.next();
          }
        });
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
    assertTrue(e.getStatus().getDescription().contains(expected), e.getStatus().getDescription());
  }
}
