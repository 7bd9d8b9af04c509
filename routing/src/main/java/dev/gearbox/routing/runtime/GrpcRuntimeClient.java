package dev.gearbox.routing.runtime;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.RetryInfo;
import dev.gearbox.runtime.api.v1.FinishReason;
import dev.gearbox.runtime.api.v1.GenerateRequest;
import dev.gearbox.runtime.api.v1.GenerateResponse;
import dev.gearbox.runtime.api.v1.InfoRequest;
import dev.gearbox.runtime.api.v1.InfoResponse;
import dev.gearbox.runtime.api.v1.RuntimeGrpc;
import dev.gearbox.runtime.api.v1.SamplingParams;
import dev.gearbox.runtime.api.v1.StatsRequest;
import dev.gearbox.runtime.api.v1.StatsResponse;
import dev.gearbox.runtime.api.v1.TokenIds;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The runtime over gRPC: one shared channel for every call, a deadline on each call, and status
 * codes mapped to the router's {@link RuntimeFailure} kinds (RESOURCE_EXHAUSTED -> saturated with
 * the server's RetryInfo delay, UNAVAILABLE -> unavailable, INVALID_ARGUMENT -> invalid request).
 */
public final class GrpcRuntimeClient implements RuntimeClient {

  private static final long UNARY_DEADLINE_MS = 2_000;

  private final ManagedChannel channel;
  private final RuntimeGrpc.RuntimeStub async;
  private final RuntimeGrpc.RuntimeBlockingStub blocking;
  private final HealthGrpc.HealthBlockingStub health;

  public GrpcRuntimeClient(ManagedChannel channel) {
    this.channel = channel;
    this.async = RuntimeGrpc.newStub(channel);
    this.blocking = RuntimeGrpc.newBlockingStub(channel);
    this.health = HealthGrpc.newBlockingStub(channel);
  }

  /**
   * Per-stream HTTP/2 window of the runtime channel: tokens are small messages, so 256 KiB keeps
   * thousands in flight, and it bounds what a paused stream (a slow HTTP client) can make the
   * router buffer. Setting it also turns off Netty's BDP auto-growth of the window.
   */
  static final int FLOW_CONTROL_WINDOW = 256 << 10;

  /** A client with its own plaintext channel to {@code host:port} (the sidecar's loopback). */
  public static GrpcRuntimeClient connect(String host, int port) {
    return new GrpcRuntimeClient(
        io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress(host, port)
            .usePlaintext()
            .flowControlWindow(FLOW_CONTROL_WINDOW)
            .build());
  }

  @Override
  public RuntimeInfo info() {
    InfoResponse r;
    try {
      r =
          blocking
              .withDeadlineAfter(UNARY_DEADLINE_MS, TimeUnit.MILLISECONDS)
              .info(InfoRequest.getDefaultInstance());
    } catch (StatusRuntimeException e) {
      throw failure(e);
    }
    List<RuntimeInfo.PlacementInfo> placements = new ArrayList<>();
    for (dev.gearbox.runtime.api.v1.PlacementInfo p : r.getPlacementsList()) {
      long atMax = 0;
      for (var at : p.getStateBytesList()) {
        if (at.getContextLength() == r.getMaxContextLength()) {
          atMax = at.getBytes();
        }
      }
      placements.add(
          new RuntimeInfo.PlacementInfo(
              p.getName(), p.getPattern(), p.getRelativeCost(), p.getKvBytesPerToken(), atMax));
    }
    return new RuntimeInfo(
        r.getModel(),
        r.getMaxContextLength(),
        r.getDefaultPlacement(),
        placements,
        r.getVocabSize());
  }

  @Override
  public RuntimeLoad load() {
    StatsResponse s;
    try {
      s =
          blocking
              .withDeadlineAfter(UNARY_DEADLINE_MS, TimeUnit.MILLISECONDS)
              .stats(StatsRequest.getDefaultInstance());
    } catch (StatusRuntimeException e) {
      throw failure(e);
    }
    return new RuntimeLoad(
        serving(), s.getUtilization(), s.getRunning(), s.getWaiting(), s.getUsedBytes());
  }

  /** Standard gRPC health of the Runtime service: NOT_SERVING while the runtime drains. */
  private boolean serving() {
    try {
      HealthCheckResponse r =
          health
              .withDeadlineAfter(UNARY_DEADLINE_MS, TimeUnit.MILLISECONDS)
              .check(HealthCheckRequest.newBuilder().setService(RuntimeGrpc.SERVICE_NAME).build());
      return r.getStatus() == HealthCheckResponse.ServingStatus.SERVING;
    } catch (StatusRuntimeException e) {
      // A runtime without the health service is judged by its answering Stats.
      return e.getStatus().getCode() == Status.Code.UNIMPLEMENTED
          || e.getStatus().getCode() == Status.Code.NOT_FOUND;
    }
  }

  @Override
  public Cancellable generate(GenerateCall call, GenerateListener listener, Executor callbacks) {
    SamplingParams.Builder sampling =
        SamplingParams.newBuilder()
            .setTemperature((float) call.temperature())
            .setTopP((float) call.topP());
    if (call.seed() >= 0) {
      sampling.setSeed(call.seed());
    }
    TokenIds.Builder prompt = TokenIds.newBuilder();
    for (int id : call.promptTokens()) {
      prompt.addIds(id);
    }
    GenerateRequest request =
        GenerateRequest.newBuilder()
            .setRequestId(call.requestId())
            .setPlacement(call.placement())
            .setPromptTokenIds(prompt)
            .setSampling(sampling)
            .setMaxTokens(call.maxTokens())
            .setPriority(call.priority())
            .addAllStopTokenIds(call.stopTokenIds())
            .build();
    StreamObserver observer = new StreamObserver(listener);
    async
        .withDeadlineAfter(call.deadline().toMillis(), TimeUnit.MILLISECONDS)
        .withExecutor(callbacks)
        .generate(request, observer);
    return observer;
  }

  /**
   * Messages requested ahead from the transport. Delivery is flow-controlled by hand: consumed
   * messages are requested again, in batches, unless the router paused the call, so a client that
   * does not read stops the stream at the HTTP/2 window and the runtime pauses its sequence.
   */
  private static final int PREFETCH = 32;

  /**
   * Messages consumed before more are requested: each {@code request} is a task on the transport
   * thread, so asking for a batch at a time keeps that hop off the per-token path.
   */
  private static final int REQUEST_BATCH = PREFETCH / 2;

  /** Forwards one Generate stream to a listener and lets the router cancel or pause it. */
  private static final class StreamObserver
      implements ClientResponseObserver<GenerateRequest, GenerateResponse>, Cancellable {
    private final GenerateListener listener;
    private volatile ClientCallStreamObserver<GenerateRequest> call;
    private volatile boolean cancelled;
    private boolean finished;
    // Callback thread only.
    private boolean paused;
    private int consumed;
    private int owed;

    StreamObserver(GenerateListener listener) {
      this.listener = listener;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<GenerateRequest> requestStream) {
      call = requestStream;
      requestStream.disableAutoRequestWithInitial(PREFETCH);
      if (cancelled) {
        requestStream.cancel("cancelled by router", null);
      }
    }

    @Override
    public void pause() {
      paused = true;
    }

    @Override
    public void resume() {
      paused = false;
      if (owed > 0 && call != null) {
        call.request(owed);
        owed = 0;
      }
    }

    @Override
    public void cancel() {
      cancelled = true;
      ClientCallStreamObserver<GenerateRequest> c = call;
      if (c != null) {
        c.cancel("cancelled by router", null);
      }
    }

    @Override
    public void onNext(GenerateResponse r) {
      if (++consumed == REQUEST_BATCH) {
        consumed = 0;
        if (paused) {
          owed += REQUEST_BATCH;
        } else {
          call.request(REQUEST_BATCH);
        }
      }
      String text = r.getText();
      for (int i = 0; i < r.getTokenIdsCount(); i++) {
        // The server's text covers all tokens of this message; give it with the last one.
        listener.onToken(r.getTokenIds(i), i == r.getTokenIdsCount() - 1 ? text : "");
      }
      if (r.hasFinished()) {
        finished = true;
        var f = r.getFinished();
        GenerateListener.FinishReason reason =
            f.getReason() == FinishReason.FINISH_REASON_LENGTH
                ? GenerateListener.FinishReason.LENGTH
                : GenerateListener.FinishReason.STOP;
        listener.onComplete(
            reason, f.getUsage().getPromptTokens(), f.getUsage().getCompletionTokens());
      }
    }

    @Override
    public void onError(Throwable t) {
      if (cancelled) {
        return;
      }
      listener.onError(failure(t));
    }

    @Override
    public void onCompleted() {
      if (!finished && !cancelled) {
        listener.onError(
            new RuntimeFailure(
                RuntimeFailure.Kind.INTERNAL, "runtime ended the stream without a finish message"));
      }
    }
  }

  static RuntimeFailure failure(Throwable t) {
    Status status = Status.fromThrowable(t);
    String message =
        status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
    RuntimeFailure.Kind kind =
        switch (status.getCode()) {
          case INVALID_ARGUMENT, NOT_FOUND, OUT_OF_RANGE, FAILED_PRECONDITION ->
              RuntimeFailure.Kind.INVALID_REQUEST;
          case RESOURCE_EXHAUSTED -> RuntimeFailure.Kind.SATURATED;
          case UNAVAILABLE, CANCELLED, ABORTED -> RuntimeFailure.Kind.UNAVAILABLE;
          case DEADLINE_EXCEEDED -> RuntimeFailure.Kind.DEADLINE;
          default -> RuntimeFailure.Kind.INTERNAL;
        };
    return new RuntimeFailure(kind, message, retryDelay(t), t);
  }

  private static java.time.Duration retryDelay(Throwable t) {
    Metadata trailers = Status.trailersFromThrowable(t);
    com.google.rpc.Status details =
        trailers == null
            ? null
            : StatusProto.fromStatusAndTrailers(Status.fromThrowable(t), trailers);
    if (details != null) {
      for (Any any : details.getDetailsList()) {
        if (any.is(RetryInfo.class)) {
          try {
            Duration d = any.unpack(RetryInfo.class).getRetryDelay();
            return java.time.Duration.ofSeconds(d.getSeconds(), d.getNanos());
          } catch (InvalidProtocolBufferException e) {
            break;
          }
        }
      }
    }
    return java.time.Duration.ofSeconds(1);
  }

  @Override
  public void close() {
    channel.shutdown();
    try {
      if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
