package dev.gearbox.runtime.server;

import static dev.gearbox.runtime.server.TestingRuntime.greedy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gearbox.runtime.api.v1.GenerateRequest;
import dev.gearbox.runtime.checkpoint.SafetensorsFile;
import dev.gearbox.runtime.engine.EngineConfig;
import dev.gearbox.runtime.model.LanguageModel;
import dev.gearbox.runtime.model.Models;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server on the real golden tiny Apriel2 supernet: concurrent clients of every placement get
 * the reference implementation's greedy tokens, and the tokens they get when alone.
 */
class GoldenServingTest {
  private static Path dir;
  private static int[] prompt;
  private static final Map<String, String> PLACEMENTS = new LinkedHashMap<>();
  /** Tokens the reference generated per placement (golden.json's generate_tokens). */
  private static int generateTokens;
  private static LanguageModel model;
  private static TestingRuntime runtime;

  @BeforeAll
  static void start() throws Exception {
    dir = Path.of(System.getProperty("gearbox.golden.dir", "src/test/resources/golden/apriel2-tiny"));
    JsonNode json = new ObjectMapper().readTree(dir.resolve("golden.json").toFile());
    generateTokens = json.get("generate_tokens").asInt();
    json.get("placements").fields().forEachRemaining(e -> {
      List<String> names = new ArrayList<>();
      e.getValue().forEach(n -> names.add(n.asText()));
      PLACEMENTS.put(e.getKey(), String.join(",", names));
    });
    try (SafetensorsFile file = SafetensorsFile.open(dir.resolve("golden.safetensors"))) {
      prompt = Arrays.stream(file.longs("prompt_ids")).mapToInt(Math::toIntExact).toArray();
    }
    model = Models.load(dir, 1);
    Map<String, String> others = new LinkedHashMap<>(PLACEMENTS);
    others.remove(model.defaultPlacement().name());
    runtime =
        new TestingRuntime(
            model, EngineConfig.withBudget(256L << 20).withPrefillTokensPerStep(24), others, Duration.ofSeconds(5));
  }

  @AfterAll
  static void stop() throws Exception {
    runtime.close();
    model.close();
  }

  @Test
  void everyPlacementMatchesReferenceGreedyTokensWhileBatchedTogether() throws Exception {
    List<String> names = new ArrayList<>(PLACEMENTS.keySet());
    List<TestingRuntime.Call> calls = new ArrayList<>();
    // Five clients per placement at once (35 concurrent requests for the 7 of the bundled set).
    for (int copy = 0; copy < 5; copy++) {
      for (String name : names) {
        calls.add(runtime.start(greedy(name, prompt, generateTokens)));
      }
    }
    for (int i = 0; i < calls.size(); i++) {
      String name = names.get(i % names.size());
      assertEquals(Status.Code.OK, calls.get(i).await().getCode(), name);
      long[] expected;
      try (SafetensorsFile file = SafetensorsFile.open(dir.resolve("golden.safetensors"))) {
        expected = file.longs(name + ".greedy_tokens");
      }
      assertEquals(
          Arrays.stream(expected).boxed().map(Long::intValue).toList(), calls.get(i).tokens(), "placement " + name);
    }
  }

  @Test
  void concurrentClientsWithDifferentPromptsGetTheirSoloTokens() throws Exception {
    List<String> names = new ArrayList<>(PLACEMENTS.keySet());
    List<GenerateRequest> requests = new ArrayList<>();
    for (int i = 0; i < 35; i++) {
      int[] p = TestingRuntime.prompt(100 + i, 5 + (i * 11) % 50, model.vocabSize());
      requests.add(greedy(names.get(i % names.size()), p, 6 + i % 13));
    }
    List<List<Integer>> alone = new ArrayList<>();
    for (GenerateRequest r : requests) {
      TestingRuntime.Call call = runtime.start(r);
      assertEquals(Status.Code.OK, call.await().getCode());
      alone.add(call.tokens());
    }
    List<TestingRuntime.Call> calls = new ArrayList<>();
    for (GenerateRequest r : requests) {
      calls.add(runtime.start(r));
    }
    for (int i = 0; i < calls.size(); i++) {
      assertEquals(Status.Code.OK, calls.get(i).await().getCode());
      assertEquals(alone.get(i), calls.get(i).tokens(), "request " + i + " (" + requests.get(i).getPlacement() + ")");
    }
    assertEquals(0, runtime.stats().getUsedBytes());
    assertTrue(runtime.stats().getGenerationTokensTotal() > 0);
  }
}
