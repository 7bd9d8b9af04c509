package dev.gearbox.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EngineTest {
  /** Token t decodes to the letter 'a' + t % 26, so text and stop strings are predictable. */
  private static final TokenDecoder LETTERS =
      new TokenDecoder() {
        @Override
        public String decode(int tokenId) {
          return String.valueOf((char) ('a' + tokenId % 26));
        }

        @Override
        public int[] encode(String text) {
          return text.chars().map(c -> c - 'a').toArray();
        }
      };

  private final TestingLanguageModel model = new TestingLanguageModel(26, 4, 256);
  private final Engine engine =
      new Engine(model, List.of(), EngineConfig.withBudget(16L << 20), LETTERS, new SimpleMeterRegistry());

  @AfterEach
  void close() {
    engine.close();
    assertEquals(0, model.liveSequences.get());
  }

  @Test
  void stopStringEndsGenerationAndIsCutFromTheText() throws Exception {
    Result free = run(GenerationRequest.greedy("", LETTERS.encode("hello"), 40));
    assertEquals(FinishReason.LENGTH, free.completion.get(5, TimeUnit.SECONDS).reason());
    String text = free.text.toString();
    assertTrue(text.length() >= 6, "need some text to pick a stop string from: " + text);
    String stop = text.substring(3, 5);
    int at = text.indexOf(stop);
    Result stopped =
        run(new GenerationRequest(
            "r", "", LETTERS.encode("hello"), SamplingParams.greedy(), 40, null, List.of(stop), Long.MAX_VALUE));
    assertEquals(FinishReason.STOP_STRING, stopped.completion.get(5, TimeUnit.SECONDS).reason());
    assertEquals(text.substring(0, at), stopped.text.toString());
  }

  @Test
  void eosEndsGeneration() throws Exception {
    // Token 25 is this model's EOS; find a prompt whose greedy continuation reaches it.
    TestingLanguageModel withEos = new TestingLanguageModel(26, 4, 256, 25);
    Engine eosEngine =
        new Engine(withEos, List.of(), EngineConfig.withBudget(16L << 20), LETTERS, new SimpleMeterRegistry());
    try {
      eosUntilFound(eosEngine);
    } finally {
      eosEngine.close();
    }
  }

  private static void eosUntilFound(Engine eosEngine) throws Exception {
    for (int seed = 0; seed < 200; seed++) {
      int[] prompt = {seed % 26, (seed / 26) % 26, 3};
      Result r = new Result();
      eosEngine.submit(GenerationRequest.greedy("", prompt, 60), r);
      Completion c = r.completion.get(5, TimeUnit.SECONDS);
      if (c.reason() == FinishReason.STOP_TOKEN) {
        assertEquals(25, (int) r.tokens.get(r.tokens.size() - 1));
        assertEquals(r.tokens.size(), c.completionTokens());
        return;
      }
      assertEquals(FinishReason.LENGTH, c.reason());
      assertTrue(!r.tokens.contains(25));
    }
    throw new AssertionError("no prompt reached EOS");
  }

  @Test
  void seededSamplingReproduces() throws Exception {
    SamplingParams params = new SamplingParams(1.2f, 10, 0.95f, 42);
    GenerationRequest request =
        new GenerationRequest("", "", new int[] {1, 2, 3}, params, 30, null, null, Long.MAX_VALUE);
    Result a = run(request);
    a.completion.get(5, TimeUnit.SECONDS);
    Result b = run(request);
    b.completion.get(5, TimeUnit.SECONDS);
    assertEquals(30, a.tokens.size());
    assertEquals(a.tokens, b.tokens);
  }

  @Test
  void requestBiggerThanTheWholeBudgetIsInvalid() {
    Engine small =
        new Engine(model, List.of(), EngineConfig.withBudget(10_000), LETTERS, new SimpleMeterRegistry());
    try {
      InvalidRequestException e =
          assertThrows(InvalidRequestException.class,
              () -> small.submit(GenerationRequest.greedy("", new int[] {1, 2}, 100), new Result()));
      assertTrue(e.getMessage().contains("more than the whole memory budget of 10000 bytes"), e.getMessage());
    } finally {
      small.close();
    }
  }

  private Result run(GenerationRequest request) {
    Result result = new Result();
    engine.submit(request, result);
    return result;
  }

  private static final class Result implements GenerationListener {
    final List<Integer> tokens = new ArrayList<>();
    final StringBuilder text = new StringBuilder();
    final CompletableFuture<Completion> completion = new CompletableFuture<>();

    @Override
    public void onToken(int tokenId, String piece) {
      tokens.add(tokenId);
      text.append(piece);
    }

    @Override
    public void onFinished(Completion c) {
      completion.complete(c);
    }

    @Override
    public void onFailed(RuntimeException error) {
      completion.completeExceptionally(error);
    }
  }
}
