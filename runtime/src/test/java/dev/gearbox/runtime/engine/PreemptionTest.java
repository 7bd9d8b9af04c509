package dev.gearbox.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.runtime.checkpoint.SafetensorsFile;
import dev.gearbox.runtime.model.LanguageModel;
import dev.gearbox.runtime.model.Models;
import dev.gearbox.runtime.placement.Placement;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * On-demand KV memory on the real golden tiny supernet (CPU backend): under a budget that holds
 * only three worst-case requests, many more run at once, sequences are preempted when memory
 * runs out, and every request still produces exactly the tokens it produces alone.
 */
class PreemptionTest {
  private static final int MAX_TOKENS = 48;
  private static LanguageModel model;
  private static List<Placement> placements;
  private static int[] golden;

  @BeforeAll
  static void load() throws Exception {
    Path dir = Path.of(System.getProperty("gearbox.golden.dir", "src/test/resources/golden/apriel2-tiny"));
    try (SafetensorsFile file = SafetensorsFile.open(dir.resolve("golden.safetensors"))) {
      golden = Arrays.stream(file.longs("prompt_ids")).mapToInt(Math::toIntExact).toArray();
    }
    model = Models.load(dir, 1);
    placements =
        List.of(
            model.defaultPlacement(),
            model.placement("mixed-2", List.of("kda,attention,mamba,gdn")),
            model.placement("all-gdn", List.of("gdn*4")));
  }

  @AfterAll
  static void close() {
    model.close();
  }

  private record Job(String placement, int[] prompt, SamplingParams sampling) {
    GenerationRequest request() {
      return new GenerationRequest("", placement, prompt, sampling, MAX_TOKENS, null, null, Long.MAX_VALUE);
    }
  }

  private static List<Job> jobs() {
    List<Job> jobs = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      // Distinct prompts of 24..35 tokens cut from the golden prompt; mostly all-attention, whose
      // KV grows, plus a hybrid and a purely recurrent placement; one in four sampled with a seed.
      int[] prompt = Arrays.copyOfRange(golden, i % 5, i % 5 + 24 + i);
      String placement = i % 4 == 1 ? "mixed-2" : i % 6 == 5 ? "all-gdn" : "";
      SamplingParams sampling = i % 4 == 3 ? new SamplingParams(0.8f, 0, 0.95f, 1000 + i) : SamplingParams.greedy();
      jobs.add(new Job(placement, prompt, sampling));
    }
    return jobs;
  }

  @Test
  void moreRequestsRunUnderTheSameBudgetAndPreemptedOnesKeepTheirSoloTokens() throws Exception {
    List<Job> jobs = jobs();
    List<int[]> solo = new ArrayList<>();
    try (Engine engine = new Engine(model, placements, EngineConfig.withBudget(64L << 20), null, new SimpleMeterRegistry())) {
      for (Job job : jobs) {
        solo.add(run(engine, job, null).get(60, TimeUnit.SECONDS));
      }
    }

    long worstCase = new MemoryPools(1, 16).bytesFor(model.defaultPlacement(), 35 + MAX_TOKENS);
    long budget = 3 * worstCase;
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    AtomicInteger peakRunning = new AtomicInteger();
    try (Engine engine = new Engine(model, placements, EngineConfig.withBudget(budget), null, registry)) {
      List<CompletableFuture<int[]>> answers = new ArrayList<>();
      for (Job job : jobs) {
        answers.add(run(engine, job, () -> peakRunning.accumulateAndGet(engine.stats().running(), Math::max)));
      }
      for (int i = 0; i < jobs.size(); i++) {
        assertArrayEquals(solo.get(i), answers.get(i).get(120, TimeUnit.SECONDS), "request " + i + " differs from its solo run");
      }
      assertTrue(engine.awaitIdle(java.time.Duration.ofSeconds(5)));
      assertEquals(0, engine.stats().usedBytes(), "every byte returned");
    }
    double preemptions = registry.find("gearbox.num.preemptions").counters().stream().mapToDouble(c -> c.count()).sum();
    // The old admission (prompt + max_tokens reserved up front) ran at most budget / worstCase = 3.
    double factor = peakRunning.get() / 3.0;
    System.out.printf("preemption: budget %d bytes = 3 worst-case all-attention requests; peak running %d (factor %.1f), %d preemptions%n",
        budget, peakRunning.get(), factor, (long) preemptions);
    assertTrue(preemptions > 0, "the budget is tight enough to force preemptions");
    assertTrue(factor >= 2, "on-demand memory runs at least twice the worst-case count, ran " + peakRunning.get());
  }

  @Test
  void utilizationIsTheBytesHeldNotTheWorstCase() throws Exception {
    try (Engine engine = new Engine(model, placements, EngineConfig.withBudget(64L << 20), null, new SimpleMeterRegistry())) {
      CompletableFuture<Long> held = new CompletableFuture<>();
      java.util.concurrent.atomic.AtomicReference<RequestHandle> handle = new java.util.concurrent.atomic.AtomicReference<>();
      int[] prompt = Arrays.copyOf(golden, 32);
      handle.set(engine.submit(
          new GenerationRequest("", "", prompt, SamplingParams.greedy(), 1000, null, null, Long.MAX_VALUE),
          new GenerationListener() {
            int tokens;

            @Override
            public void onToken(int tokenId, String text) {
              if (++tokens == 1) {
                held.complete(engine.stats().usedBytes());
                RequestHandle h = handle.get();
                if (h != null) {
                  h.cancel();
                }
              }
            }

            @Override
            public void onFinished(Completion completion) {}

            @Override
            public void onFailed(RuntimeException error) {
              held.complete(-1L);
            }
          }));
      long atFirstToken = held.get(30, TimeUnit.SECONDS);
      handle.get().cancel();
      // 32 prompt tokens + the first generated one: three 16-token blocks, not 1032 tokens' worth.
      assertEquals(engine.pools().bytesFor(model.defaultPlacement(), 48), atFirstToken);
      assertTrue(atFirstToken * 10 < engine.pools().bytesFor(model.defaultPlacement(), 1032));
    }
  }

  private static CompletableFuture<int[]> run(Engine engine, Job job, Runnable onToken) {
    CompletableFuture<int[]> out = new CompletableFuture<>();
    List<Integer> tokens = new ArrayList<>();
    engine.submit(
        job.request(),
        new GenerationListener() {
          @Override
          public void onToken(int tokenId, String text) {
            tokens.add(tokenId);
            if (onToken != null) {
              onToken.run();
            }
          }

          @Override
          public void onFinished(Completion completion) {
            out.complete(tokens.stream().mapToInt(Integer::intValue).toArray());
          }

          @Override
          public void onFailed(RuntimeException error) {
            out.completeExceptionally(error);
          }
        });
    return out;
  }
}
