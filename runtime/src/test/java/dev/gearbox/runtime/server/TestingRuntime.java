package dev.gearbox.runtime.server;

import dev.gearbox.runtime.api.v1.GenerateRequest;
import dev.gearbox.runtime.api.v1.GenerateResponse;
import dev.gearbox.runtime.api.v1.RuntimeGrpc;
import dev.gearbox.runtime.api.v1.SamplingParams;
import dev.gearbox.runtime.api.v1.StatsRequest;
import dev.gearbox.runtime.api.v1.StatsResponse;
import dev.gearbox.runtime.api.v1.TokenIds;
import dev.gearbox.runtime.engine.Engine;
import dev.gearbox.runtime.engine.EngineConfig;
import dev.gearbox.runtime.engine.TestingLanguageModel;
import dev.gearbox.runtime.model.LanguageModel;
import dev.gearbox.runtime.placement.Placement;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** An engine and gRPC server on an in-process transport, with a channel and stubs to it. */
final class TestingRuntime implements AutoCloseable {
  final LanguageModel model;
  final Engine engine;
  final RuntimeServer server;
  final ManagedChannel channel;
  final RuntimeGrpc.RuntimeStub async;
  final RuntimeGrpc.RuntimeBlockingStub blocking;
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  TestingRuntime(LanguageModel model, EngineConfig config, Map<String, String> placements, Duration grace)
      throws Exception {
    this.model = model;
    List<Placement> list = new ArrayList<>();
    placements.forEach((name, pattern) -> list.add(model.placement(name, List.of(pattern))));
    this.engine = new Engine(model, list, config, null, registry);
    String name = InProcessServerBuilder.generateName();
    this.server = RuntimeServer.start(engine, InProcessServerBuilder.forName(name), "testing", grace);
    this.channel = InProcessChannelBuilder.forName(name).build();
    this.async = RuntimeGrpc.newStub(channel);
    this.blocking = RuntimeGrpc.newBlockingStub(channel);
  }

  static GenerateRequest greedy(String placement, int[] prompt, int maxTokens) {
    TokenIds.Builder ids = TokenIds.newBuilder();
    for (int t : prompt) {
      ids.addIds(t);
    }
    return GenerateRequest.newBuilder()
        .setPlacement(placement)
        .setPromptTokenIds(ids)
        .setSampling(SamplingParams.newBuilder().setTemperature(0f))
        .setMaxTokens(maxTokens)
        .build();
  }

  static int[] prompt(int seed, int length, int vocab) {
    int[] p = new int[length];
    long x = seed * 0x9E3779B97F4A7C15L + 1;
    for (int i = 0; i < length; i++) {
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
      p[i] = (int) Math.floorMod(x, (long) vocab);
    }
    return p;
  }

  StatsResponse stats() {
    return blocking.stats(StatsRequest.getDefaultInstance());
  }

  /** Polls until {@code condition} holds, failing after 10 s. */
  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(5);
    }
  }

  /** Starts a streaming call and records everything it receives. */
  Call start(GenerateRequest request) {
    Call call = new Call();
    async.generate(request, call);
    return call;
  }

  /** One client's view of a Generate call. */
  static final class Call implements ClientResponseObserver<GenerateRequest, GenerateResponse> {
    final List<Integer> tokens = new ArrayList<>();
    final CountDownLatch done = new CountDownLatch(1);
    volatile GenerateResponse finished;
    volatile Status status;
    volatile io.grpc.Metadata trailers;
    volatile ClientCallStreamObserver<GenerateRequest> stream;

    @Override
    public void beforeStart(ClientCallStreamObserver<GenerateRequest> requestStream) {
      this.stream = requestStream;
    }

    @Override
    public synchronized void onNext(GenerateResponse value) {
      tokens.addAll(value.getTokenIdsList());
      if (value.hasFinished()) {
        finished = value;
      }
    }

    @Override
    public void onError(Throwable t) {
      status = Status.fromThrowable(t);
      trailers = Status.trailersFromThrowable(t);
      done.countDown();
    }

    @Override
    public void onCompleted() {
      status = Status.OK;
      done.countDown();
    }

    void cancel() {
      stream.cancel("test cancels", null);
    }

    synchronized List<Integer> tokens() {
      return List.copyOf(tokens);
    }

    Status await() throws InterruptedException {
      if (!done.await(20, TimeUnit.SECONDS)) {
        throw new AssertionError("call never ended: no final message and no status");
      }
      return status;
    }
  }

  static TestingLanguageModel testingModel() {
    return new TestingLanguageModel(64, 4, 512);
  }

  @Override
  public void close() throws Exception {
    server.close();
    channel.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
  }
}
