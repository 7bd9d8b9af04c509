package dev.gearbox.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** When memory runs out the lowest-priority sequence is preempted, even when it is the older one. */
class PreemptionPriorityTest {

  @Test
  void lowPriorityIsPreemptedBeforeAYoungerHighPriorityOne() throws Exception {
    TestingLanguageModel model = new TestingLanguageModel(64, 4, 512);
    model.setStepDelayMillis(5); // steps slow enough for both requests to run together
    // Four 16-token all-attention blocks: two sequences of 48 tokens (3 blocks each) cannot both fit.
    long budget = new MemoryPools(1, 16).bytesFor(model.defaultPlacement(), 64);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    List<String> order = new ArrayList<>();
    try (Engine engine = new Engine(model, List.of(), EngineConfig.withBudget(budget), null, registry)) {
      CompletableFuture<Integer> low = submit(engine, "low", -1, order);
      CompletableFuture<Integer> high = submit(engine, "high", 1, order);
      assertEquals(40, high.get(30, TimeUnit.SECONDS));
      assertEquals(40, low.get(30, TimeUnit.SECONDS));
    }
    double preemptions = registry.find("gearbox.num.preemptions").counters().stream().mapToDouble(c -> c.count()).sum();
    assertTrue(preemptions >= 1, "memory ran out");
    assertEquals(List.of("high", "low"), order, "the older, low-priority request yielded");
  }

  private static CompletableFuture<Integer> submit(Engine engine, String name, int priority, List<String> order) {
    CompletableFuture<Integer> out = new CompletableFuture<>();
    int[] tokens = {0};
    engine.submit(
        new GenerationRequest("", "", new int[] {1, 2, 3, 4, 5, 6, 7, 8}, SamplingParams.greedy(), 40,
            null, null, Long.MAX_VALUE, priority),
        new GenerationListener() {
          @Override
          public void onToken(int tokenId, String text) {
            tokens[0]++;
          }

          @Override
          public void onFinished(Completion completion) {
            synchronized (order) {
              order.add(name);
            }
            out.complete(tokens[0]);
          }

          @Override
          public void onFailed(RuntimeException error) {
            out.completeExceptionally(error);
          }
        });
    return out;
  }
}
