package dev.gearbox.runtime.server;

import static dev.gearbox.runtime.server.TestingRuntime.greedy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.runtime.api.v1.GenerateRequest;
import dev.gearbox.runtime.api.v1.GenerateResponse;
import dev.gearbox.runtime.engine.EngineConfig;
import dev.gearbox.runtime.engine.TestingLanguageModel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A client that stops reading pauses its sequence (nothing more is generated or buffered for it)
 * and resumes it by reading again; one that stays away past the paused timeout is cut with a clear
 * error and its memory freed; a cancelled call frees its memory within one step.
 */
class BackpressureTest {
  private final TestingLanguageModel model = new TestingLanguageModel(64, 4, 512);
  private TestingRuntime runtime;

  private void start(EngineConfig config) throws Exception {
    runtime = new TestingRuntime(model, config, Map.of(), Duration.ofSeconds(2));
  }

  @AfterEach
  void stop() throws Exception {
    runtime.close();
  }

  /** A client that asks gRPC for messages only when told to. */
  static final class SlowReader implements ClientResponseObserver<GenerateRequest, GenerateResponse> {
    final AtomicInteger tokens = new AtomicInteger();
    final CountDownLatch done = new CountDownLatch(1);
    volatile Status status;
    volatile ClientCallStreamObserver<GenerateRequest> stream;

    @Override
    public void beforeStart(ClientCallStreamObserver<GenerateRequest> requestStream) {
      stream = requestStream;
      requestStream.disableAutoRequestWithInitial(1);
    }

    @Override
    public void onNext(GenerateResponse value) {
      tokens.addAndGet(value.getTokenIdsCount());
    }

    @Override
    public void onError(Throwable t) {
      status = Status.fromThrowable(t);
      done.countDown();
    }

    @Override
    public void onCompleted() {
      status = Status.OK;
      done.countDown();
    }
  }

  @Test
  void aClientThatStopsReadingPausesItsSequenceAndResumesIt() throws Exception {
    start(EngineConfig.withBudget(4L << 20));
    SlowReader reader = new SlowReader();
    runtime.async.generate(greedy("", new int[] {1, 2, 3, 4}, 400), reader);
    TestingRuntime.await("the first token", () -> reader.tokens.get() == 1);
    Thread.sleep(300);
    long generated = runtime.stats().getGenerationTokensTotal();
    Thread.sleep(300);
    assertEquals(generated, runtime.stats().getGenerationTokensTotal(), "paused: nothing more is generated");
    assertTrue(generated < 10, "only what gRPC's small outbound buffer holds was generated: " + generated);
    assertEquals(1, runtime.stats().getRunning(), "the paused sequence keeps its place and memory");

    reader.stream.request(Integer.MAX_VALUE);
    assertTrue(reader.done.await(20, TimeUnit.SECONDS));
    assertEquals(Status.Code.OK, reader.status.getCode());
    assertEquals(400, reader.tokens.get(), "resumed where it paused, every token delivered once");
  }

  @Test
  void aClientAwayPastThePausedTimeoutIsCutAndItsMemoryFreed() throws Exception {
    start(EngineConfig.withBudget(4L << 20).withPausedTimeout(Duration.ofMillis(300)));
    SlowReader reader = new SlowReader();
    runtime.async.generate(greedy("", new int[] {1, 2, 3, 4}, 400), reader);
    TestingRuntime.await("the first token", () -> reader.tokens.get() == 1);
    TestingRuntime.await(
        "the stalled sequence cut and freed",
        () -> runtime.stats().getRunning() == 0 && runtime.stats().getUsedBytes() == 0);
    reader.stream.request(Integer.MAX_VALUE);
    assertTrue(reader.done.await(10, TimeUnit.SECONDS));
    assertEquals(Status.Code.ABORTED, reader.status.getCode());
    assertTrue(reader.status.getDescription().contains("stopped reading"), reader.status.getDescription());
    assertTrue(reader.tokens.get() < 400);
  }

  @Test
  void cancellationFreesMemoryWithinOneStep() throws Exception {
    start(EngineConfig.withBudget(4L << 20));
    model.setStepDelayMillis(40);
    TestingRuntime.Call call = runtime.start(greedy("", new int[] {1, 2, 3, 4}, 400));
    TestingRuntime.await("a few tokens", () -> call.tokens().size() >= 3);
    assertTrue(runtime.stats().getUsedBytes() > 0);
    int before = model.decodeCalls.get();
    call.cancel();
    TestingRuntime.await("memory freed", () -> runtime.stats().getUsedBytes() == 0);
    int steps = model.decodeCalls.get() - before;
    assertTrue(steps <= 1, "freed after the step in progress, " + steps + " decode calls later");
    assertEquals(0, runtime.stats().getRunning());
  }
}
