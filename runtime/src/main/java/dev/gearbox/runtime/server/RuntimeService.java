package dev.gearbox.runtime.server;

import dev.gearbox.runtime.api.v1.FinishReason;
import dev.gearbox.runtime.api.v1.Finished;
import dev.gearbox.runtime.api.v1.GenerateRequest;
import dev.gearbox.runtime.api.v1.GenerateResponse;
import dev.gearbox.runtime.api.v1.InfoRequest;
import dev.gearbox.runtime.api.v1.InfoResponse;
import dev.gearbox.runtime.api.v1.LayerInfo;
import dev.gearbox.runtime.api.v1.PlacementInfo;
import dev.gearbox.runtime.api.v1.PlacementStats;
import dev.gearbox.runtime.api.v1.PoolStats;
import dev.gearbox.runtime.api.v1.RuntimeGrpc;
import dev.gearbox.runtime.api.v1.ScoreRequest;
import dev.gearbox.runtime.api.v1.ScoreResponse;
import dev.gearbox.runtime.api.v1.StateBytesAt;
import dev.gearbox.runtime.api.v1.StatsRequest;
import dev.gearbox.runtime.api.v1.StatsResponse;
import dev.gearbox.runtime.api.v1.Usage;
import dev.gearbox.runtime.engine.Completion;
import dev.gearbox.runtime.engine.Engine;
import dev.gearbox.runtime.engine.EngineStats;
import dev.gearbox.runtime.engine.GenerationListener;
import dev.gearbox.runtime.engine.GenerationRequest;
import dev.gearbox.runtime.engine.InvalidRequestException;
import dev.gearbox.runtime.engine.LatencyHistogram;
import dev.gearbox.runtime.engine.RequestHandle;
import dev.gearbox.runtime.engine.SamplingParams;
import dev.gearbox.runtime.engine.ScoreListener;
import dev.gearbox.runtime.model.LanguageModel;
import dev.gearbox.runtime.placement.MixerKind;
import dev.gearbox.runtime.placement.Placement;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The gRPC face of the engine: turns protobuf requests into engine requests and streams results
 * back. Errors are thrown (or passed to {@code onError}) as engine exceptions and mapped to a
 * status in {@link GrpcErrors}.
 */
public final class RuntimeService extends RuntimeGrpc.RuntimeImplBase {
  /** Context lengths at which Info reports each placement's state bytes. */
  private static final int[] INFO_CONTEXTS = {1024, 4096, 16384, 32768, 131072};

  private final Engine engine;
  private final String modelName;

  public RuntimeService(Engine engine, String modelName) {
    this.engine = engine;
    this.modelName = modelName;
  }

  @Override
  public void generate(GenerateRequest request, StreamObserver<GenerateResponse> observer) {
    ServerCallStreamObserver<GenerateResponse> call = (ServerCallStreamObserver<GenerateResponse>) observer;
    GenerationRequest engineRequest = toEngineRequest(request);
    StreamingListener listener = new StreamingListener(call);
    // Set before submitting, so a cancellation racing with admission is never missed.
    call.setOnCancelHandler(listener::cancel);
    // Backpressure: when the client stops reading, gRPC's outbound buffer fills, isReady turns
    // false and the engine pauses the sequence; onReady resumes it.
    call.setOnReadyHandler(listener::resume);
    listener.attach(engine.submit(engineRequest, listener));
  }

  @Override
  public void score(ScoreRequest request, StreamObserver<ScoreResponse> observer) {
    ServerCallStreamObserver<ScoreResponse> call = (ServerCallStreamObserver<ScoreResponse>) observer;
    int[] tokens = request.getTokenIdsList().stream().mapToInt(Integer::intValue).toArray();
    String placement = engine.resolve(request.getPlacement()).name();
    ScoreListener listener =
        new ScoreListener() {
          @Override
          public void onScored(float[] logProbs) {
            ScoreResponse.Builder out = ScoreResponse.newBuilder().setPlacement(placement);
            for (float lp : logProbs) {
              out.addLogProbs(lp);
            }
            call.onNext(out.build());
            call.onCompleted();
          }

          @Override
          public void onFailed(RuntimeException error) {
            call.onError(GrpcErrors.toStatusException(error));
          }
        };
    AtomicReference<RequestHandle> handle = new AtomicReference<>();
    call.setOnCancelHandler(
        () -> {
          RequestHandle h = handle.get();
          if (h != null) {
            h.cancel();
          }
        });
    handle.set(engine.score(placement, tokens, deadlineNanos(), listener));
    if (call.isCancelled()) {
      handle.get().cancel();
    }
  }

  @Override
  public void info(InfoRequest request, StreamObserver<InfoResponse> observer) {
    LanguageModel model = engine.model();
    long budget = engine.pools().capacityBytes();
    InfoResponse.Builder out =
        InfoResponse.newBuilder()
            .setModel(modelName)
            .setNumLayers(model.numLayers())
            .setVocabSize(model.vocabSize())
            .setMaxContextLength(model.maxContextLength())
            .setDefaultPlacement(engine.defaultPlacement().name())
            .setMemoryBudgetBytes(budget)
            .setMaxWaiting(engine.config().maxWaiting())
            .setKvBlockTokens(engine.pools().blockTokens());
    for (int layer = 0; layer < model.numLayers(); layer++) {
      out.addLayers(LayerInfo.newBuilder().setIndex(layer).addAllMixers(model.mixerNames(layer)));
    }
    for (Placement p : engine.placements()) {
      PlacementInfo.Builder info =
          PlacementInfo.newBuilder()
              .setName(p.name())
              .setPattern(p.pattern())
              .addAllMixers(p.mixerNames())
              .setRelativeCost(p.relativeCost())
              .setKvBytesPerToken(p.kvBytesPerToken());
      for (int ctx : INFO_CONTEXTS) {
        if (ctx <= model.maxContextLength()) {
          info.addStateBytes(StateBytesAt.newBuilder().setContextLength(ctx).setBytes(p.stateBytes(ctx)));
        }
      }
      info.addStateBytes(
          StateBytesAt.newBuilder()
              .setContextLength(model.maxContextLength())
              .setBytes(p.stateBytes(model.maxContextLength())));
      info.setMaxConcurrentAtMaxContext(budget / Math.max(1, engine.pools().bytesFor(p, model.maxContextLength())));
      out.addPlacements(info);
    }
    observer.onNext(out.build());
    observer.onCompleted();
  }

  @Override
  public void stats(StatsRequest request, StreamObserver<StatsResponse> observer) {
    EngineStats stats = engine.stats();
    StatsResponse.Builder out =
        StatsResponse.newBuilder()
            .setCapacityBytes(stats.capacityBytes())
            .setUsedBytes(stats.usedBytes())
            .setFilledBytes(stats.filledBytes())
            .setUtilization(stats.utilization())
            .setRunning(stats.running())
            .setWaiting(stats.waiting())
            .setGenerationTokensPerSecond(stats.generationTokensPerSecond())
            .setPromptTokensTotal(stats.promptTokensTotal())
            .setGenerationTokensTotal(stats.generationTokensTotal());
    for (Map.Entry<MixerKind, long[]> pool : stats.pools().entrySet()) {
      out.addPools(
          PoolStats.newBuilder()
              .setKind(pool.getKey().shortName())
              .setUsedBytes(pool.getValue()[0])
              .setFilledBytes(pool.getValue()[1]));
    }
    for (Map.Entry<String, EngineStats.PlacementLoad> p : stats.placements().entrySet()) {
      EngineStats.PlacementLoad load = p.getValue();
      out.addPlacements(
          PlacementStats.newBuilder()
              .setName(p.getKey())
              .setRunning(load.running())
              .setWaiting(load.waiting())
              .setUsedBytes(load.usedBytes())
              .setFilledBytes(load.filledBytes())
              .setTimeToFirstToken(histogram(load.timeToFirstToken()))
              .setTimePerOutputToken(histogram(load.timePerOutputToken())));
    }
    observer.onNext(out.build());
    observer.onCompleted();
  }

  private static dev.gearbox.runtime.api.v1.LatencyHistogram histogram(
      LatencyHistogram.Snapshot snapshot) {
    var out = dev.gearbox.runtime.api.v1.LatencyHistogram.newBuilder();
    for (int i = 0; i < LatencyHistogram.UPPER_BOUNDS_SECONDS.length; i++) {
      out.addUpperBoundsSeconds(LatencyHistogram.UPPER_BOUNDS_SECONDS[i]);
      out.addCumulativeCounts(snapshot.cumulativeCounts()[i]);
    }
    return out.setCount(snapshot.count()).setSumSeconds(snapshot.sumSeconds()).build();
  }

  private GenerationRequest toEngineRequest(GenerateRequest request) {
    int[] prompt =
        switch (request.getPromptCase()) {
          case PROMPT_TOKEN_IDS -> request.getPromptTokenIds().getIdsList().stream().mapToInt(Integer::intValue).toArray();
          case PROMPT_TEXT -> {
            if (!engine.hasTokenizer()) {
              throw new InvalidRequestException("prompt_text needs a tokenizer; this server has none: send prompt_token_ids");
            }
            yield engine.tokenizer().encode(request.getPromptText());
          }
          case PROMPT_NOT_SET -> new int[0];
        };
    var sampling = request.getSampling();
    SamplingParams params =
        new SamplingParams(
            sampling.getTemperature(),
            sampling.getTopK(),
            sampling.getTopP() == 0f ? 1f : sampling.getTopP(),
            sampling.hasSeed() ? sampling.getSeed() : ThreadLocalRandom.current().nextLong());
    return new GenerationRequest(
        request.getRequestId(),
        request.getPlacement(),
        prompt,
        params,
        request.getMaxTokens(),
        request.getStopTokenIdsList().stream().mapToInt(Integer::intValue).toArray(),
        request.getStopStringsList(),
        deadlineNanos(),
        request.getPriority());
  }

  private static long deadlineNanos() {
    Deadline deadline = Context.current().getDeadline();
    return deadline == null ? Long.MAX_VALUE : System.nanoTime() + deadline.timeRemaining(TimeUnit.NANOSECONDS);
  }

  /** Streams one generation to its call; every method runs on the scheduler thread. */
  private static final class StreamingListener implements GenerationListener {
    private final ServerCallStreamObserver<GenerateResponse> call;
    private volatile RequestHandle handle;
    private volatile boolean cancelled;

    StreamingListener(ServerCallStreamObserver<GenerateResponse> call) {
      this.call = call;
    }

    void attach(RequestHandle handle) {
      this.handle = handle;
      if (cancelled || call.isCancelled()) {
        handle.cancel();
      }
    }

    void cancel() {
      cancelled = true;
      RequestHandle h = handle;
      if (h != null) {
        h.cancel();
      }
    }

    void resume() {
      RequestHandle h = handle;
      if (h != null) {
        h.resume();
      }
    }

    @Override
    public boolean ready() {
      return call.isReady();
    }

    @Override
    public void onToken(int tokenId, String text) {
      call.onNext(GenerateResponse.newBuilder().addTokenIds(tokenId).setText(text).build());
    }

    @Override
    public void onFinished(Completion completion) {
      Finished finished =
          Finished.newBuilder()
              .setReason(
                  switch (completion.reason()) {
                    case STOP_TOKEN -> FinishReason.FINISH_REASON_STOP_TOKEN;
                    case STOP_STRING -> FinishReason.FINISH_REASON_STOP_STRING;
                    case LENGTH -> FinishReason.FINISH_REASON_LENGTH;
                  })
              .setPlacement(completion.placement())
              .setUsage(
                  Usage.newBuilder()
                      .setPromptTokens(completion.promptTokens())
                      .setCompletionTokens(completion.completionTokens())
                      .setTimeToFirstTokenSeconds(completion.timeToFirstTokenSeconds())
                      .setQueueSeconds(completion.queueSeconds()))
              .build();
      call.onNext(GenerateResponse.newBuilder().setFinished(finished).build());
      call.onCompleted();
    }

    @Override
    public void onFailed(RuntimeException error) {
      if (!call.isCancelled()) {
        call.onError(GrpcErrors.toStatusException(error));
      }
    }
  }
}
