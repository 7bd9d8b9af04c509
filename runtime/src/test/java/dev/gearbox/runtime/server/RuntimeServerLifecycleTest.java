package dev.gearbox.runtime.server;

import static dev.gearbox.runtime.server.TestingRuntime.await;
import static dev.gearbox.runtime.server.TestingRuntime.greedy;
import static dev.gearbox.runtime.server.TestingRuntime.prompt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.rpc.RetryInfo;
import dev.gearbox.runtime.api.v1.PlacementStats;
import dev.gearbox.runtime.api.v1.PoolStats;
import dev.gearbox.runtime.api.v1.StatsResponse;
import dev.gearbox.runtime.engine.EngineConfig;
import dev.gearbox.runtime.engine.TestingLanguageModel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RuntimeServerLifecycleTest {
  // A long all-FA request: 16 + 400 = 416 tokens = 26 blocks x 16 tokens x 256 B x 4 layers.
  private static final long LONG_FA_BYTES = 26L * 16 * 256 * 4;
  // Memory is held on demand, so a long request is one with a long prompt: 401 tokens (the
  // prompt and the first generated token) already hold those 26 blocks, and 15 more tokens fit.
  private static final int LONG_PROMPT = 400;
  // The all-GDN placement holds 4 fixed slabs whatever the length.
  private static final long TURBO_BYTES = 4L * (4 * 16 * 16 * 4 + 768);

  private TestingLanguageModel model;
  private TestingRuntime runtime;

  private TestingRuntime start(EngineConfig config, Duration grace) throws Exception {
    model = TestingRuntime.testingModel();
    model.setStepDelayMillis(2);
    runtime = new TestingRuntime(model, config, Map.of("turbo", "gdn*4"), grace);
    return runtime;
  }

  @AfterEach
  void stop() throws Exception {
    if (runtime != null) {
      runtime.close();
      assertEquals(0, model.liveSequences.get(), "every sequence's state was released");
    }
  }

  @Test
  void fullBudgetQueuesLongFullAttentionButAdmitsTurboAndReturnsToBaseline() throws Exception {
    start(EngineConfig.withBudget(2 * LONG_FA_BYTES + TURBO_BYTES + 1000), Duration.ofSeconds(5));
    model.setStepDelayMillis(100);
    StatsResponse baseline = runtime.stats();
    assertEquals(0, baseline.getUsedBytes());

    TestingRuntime.Call fa1 = runtime.start(greedy("all-attention", prompt(1, LONG_PROMPT, 64), 16));
    TestingRuntime.Call fa2 = runtime.start(greedy("all-attention", prompt(2, LONG_PROMPT, 64), 16));
    TestingRuntime.Call fa3 = runtime.start(greedy("all-attention", prompt(3, LONG_PROMPT, 64), 16));
    await("third all-FA request queued", () -> runtime.stats().getWaiting() == 1);
    TestingRuntime.Call turbo = runtime.start(greedy("turbo", prompt(4, 16, 64), 400));
    await("turbo admitted past the queued all-FA request", () -> runtime.stats().getRunning() == 3);

    StatsResponse full = runtime.stats();
    assertEquals(1, full.getWaiting());
    assertEquals(2 * LONG_FA_BYTES + TURBO_BYTES, full.getUsedBytes());
    assertTrue(full.getUtilization() > 0.99, "KV pressure " + full.getUtilization());
    assertEquals(2 * LONG_FA_BYTES, pool(full, "fa").getUsedBytes());
    assertEquals(TURBO_BYTES, pool(full, "gdn").getUsedBytes());
    assertEquals(1, placement(full, "turbo").getRunning());
    assertEquals(2, placement(full, "all-attention").getRunning());
    assertEquals(1, placement(full, "all-attention").getWaiting());
    assertTrue(full.getFilledBytes() <= full.getUsedBytes(), "held on demand: at most one block ahead of what is filled");

    fa1.cancel();
    await("queued all-FA request admitted once memory was freed", () -> runtime.stats().getWaiting() == 0);
    model.setStepDelayMillis(2);
    assertEquals(3, runtime.stats().getRunning());

    fa2.cancel();
    fa3.cancel();
    turbo.cancel();
    await("memory returned", () -> runtime.stats().getUsedBytes() == 0 && runtime.stats().getRunning() == 0);
    StatsResponse after = runtime.stats();
    assertEquals(0, after.getFilledBytes());
    assertEquals(0, after.getWaiting());
    for (PoolStats p : after.getPoolsList()) {
      assertEquals(0, p.getUsedBytes(), p.getKind());
      assertEquals(0, p.getFilledBytes(), p.getKind());
    }
    // Finished (not cancelled) requests give their memory back too.
    TestingRuntime.Call finished = runtime.start(greedy("all-attention", prompt(5, 16, 64), 5));
    assertEquals(Status.Code.OK, finished.await().getCode());
    await("memory returned after finishing", () -> runtime.stats().getUsedBytes() == 0);
  }

  @Test
  void overloadIsResourceExhaustedWithRetryInfo() throws Exception {
    start(EngineConfig.withBudget(LONG_FA_BYTES + 1000).withMaxWaiting(1), Duration.ofSeconds(5));
    model.setStepDelayMillis(100);
    TestingRuntime.Call running = runtime.start(greedy("all-attention", prompt(1, LONG_PROMPT, 64), 16));
    TestingRuntime.Call queued = runtime.start(greedy("all-attention", prompt(2, LONG_PROMPT, 64), 16));
    await("one running, one queued", () -> runtime.stats().getRunning() == 1 && runtime.stats().getWaiting() == 1);
    TestingRuntime.Call rejected = runtime.start(greedy("all-attention", prompt(3, LONG_PROMPT, 64), 16));
    Status status = rejected.await();
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, status.getCode());
    assertTrue(status.getDescription().contains("memory budget is full"), status.getDescription());
    StatusRuntimeException sre = status.asRuntimeException(rejected.trailers);
    com.google.rpc.Status details = StatusProto.fromStatusAndTrailers(status, rejected.trailers);
    assertNotNull(details, "grpc-status-details-bin trailer " + sre);
    RetryInfo retry = null;
    for (Any any : details.getDetailsList()) {
      if (any.is(RetryInfo.class)) {
        retry = any.unpack(RetryInfo.class);
      }
    }
    assertNotNull(retry, "RetryInfo detail");
    assertEquals(1, retry.getRetryDelay().getSeconds());
    running.cancel();
    queued.cancel();
  }

  @Test
  void deadlineFreesMemoryAndEndsWithDeadlineExceeded() throws Exception {
    start(EngineConfig.withBudget(64L << 20), Duration.ofSeconds(5));
    TestingRuntime.Call call = new TestingRuntime.Call();
    runtime.async.withDeadlineAfter(150, TimeUnit.MILLISECONDS).generate(greedy("all-attention", prompt(1, 16, 64), 400), call);
    assertEquals(Status.Code.DEADLINE_EXCEEDED, call.await().getCode());
    await("memory freed after the deadline", () -> runtime.stats().getUsedBytes() == 0 && runtime.stats().getRunning() == 0);
    assertTrue(call.tokens().size() < 400);
    assertTrue(model.decodeCalls.get() < 300, "generation stopped at the deadline, decode calls " + model.decodeCalls.get());
  }

  @Test
  void shutdownMidFlightEndsEveryCallAndRefusesNewOnes() throws Exception {
    start(EngineConfig.withBudget(3 * LONG_FA_BYTES + 1000), Duration.ofSeconds(1));
    List<TestingRuntime.Call> calls = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      // Long all-FA requests (3 fit, the rest queue) and short turbo ones that finish in time.
      calls.add(runtime.start(i % 3 == 0
          ? greedy("turbo", prompt(i, 8, 64), 20)
          : greedy("all-attention", prompt(i, 16, 64), 400)));
    }
    await("batch running", () -> runtime.stats().getRunning() >= 3);
    calls.get(1).cancel();
    calls.get(5).cancel();

    Thread closer = new Thread(runtime.server::close);
    closer.start();
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(runtime.channel);
    await("health NOT_SERVING while draining", () -> {
      try {
        return health.check(HealthCheckRequest.getDefaultInstance()).getStatus() != ServingStatus.SERVING;
      } catch (StatusRuntimeException e) {
        return true;
      }
    });
    await("admission closed", () -> !runtime.engine.isAccepting());
    TestingRuntime.Call late = runtime.start(greedy("turbo", prompt(99, 8, 64), 4));
    Status lateStatus = late.await();
    assertTrue(lateStatus.getCode() == Status.Code.UNAVAILABLE, "new call while draining: " + lateStatus);
    closer.join(20_000);

    int finished = 0;
    int unavailable = 0;
    for (int i = 0; i < calls.size(); i++) {
      Status s = calls.get(i).await();
      if (i == 1 || i == 5) {
        assertEquals(Status.Code.CANCELLED, s.getCode(), "call " + i);
      } else if (s.isOk()) {
        assertNotNull(calls.get(i).finished, "call " + i + " completed with a final message");
        finished++;
      } else {
        assertEquals(Status.Code.UNAVAILABLE, s.getCode(), "call " + i + ": " + s);
        unavailable++;
      }
    }
    assertTrue(finished >= 4, "the short turbo requests finished within the grace period: " + finished);
    assertTrue(unavailable >= 1, "long requests were cut at the end of the grace period");
    assertEquals(0, runtime.engine.stats().usedBytes(), "memory back to zero after shutdown");
    assertEquals(0, runtime.engine.stats().running());
  }

  private static PoolStats pool(StatsResponse stats, String kind) {
    return stats.getPoolsList().stream().filter(p -> p.getKind().equals(kind)).findFirst().orElseThrow();
  }

  private static PlacementStats placement(StatsResponse stats, String name) {
    return stats.getPlacementsList().stream().filter(p -> p.getName().equals(name)).findFirst().orElseThrow();
  }
}
