package dev.gearbox.routing;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import dev.gearbox.runtime.api.v1.FinishReason;
import dev.gearbox.runtime.api.v1.Finished;
import dev.gearbox.runtime.api.v1.GenerateRequest;
import dev.gearbox.runtime.api.v1.GenerateResponse;
import dev.gearbox.runtime.api.v1.InfoRequest;
import dev.gearbox.runtime.api.v1.InfoResponse;
import dev.gearbox.runtime.api.v1.PlacementInfo;
import dev.gearbox.runtime.api.v1.RuntimeGrpc;
import dev.gearbox.runtime.api.v1.StatsRequest;
import dev.gearbox.runtime.api.v1.StatsResponse;
import dev.gearbox.runtime.api.v1.Usage;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A hand-written runtime speaking the real gRPC API on loopback: it answers each prompt with the
 * bytes of a fixed reply (one token per byte), and can be told to report KV pressure, shed load or
 * fail its next calls.
 */
public final class TestingRuntimeService extends RuntimeGrpc.RuntimeImplBase {

  public static final String MODEL = "tiny";
  public static final List<String> PLACEMENTS = List.of("all-fa", "turbo", "mixed");
  public static final int MAX_CONTEXT = 256;
  public static final String REPLY = "Hello from gearbox!";

  public volatile double utilization;
  public volatile boolean saturated;

  /** Generate calls to fail with UNAVAILABLE before any token. */
  public final AtomicInteger failNextUnavailable = new AtomicInteger();

  /** Milliseconds to wait before answering Generate. */
  public volatile long delayMillis;

  /** When positive, generation fails UNAVAILABLE after this many tokens. */
  public volatile int failAfterTokens;

  public final ConcurrentLinkedQueue<GenerateRequest> received = new ConcurrentLinkedQueue<>();
  private Server server;

  /** Starts serving on a free loopback port. */
  public TestingRuntimeService start() throws IOException {
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(this)
            .build()
            .start();
    return this;
  }

  public int port() {
    return server.getPort();
  }

  public void stop() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Override
  public void info(InfoRequest request, StreamObserver<InfoResponse> out) {
    InfoResponse.Builder b =
        InfoResponse.newBuilder()
            .setModel(MODEL)
            .setMaxContextLength(MAX_CONTEXT)
            .setDefaultPlacement("all-fa")
            .setNumLayers(4)
            .setVocabSize(256);
    for (String p : PLACEMENTS) {
      b.addPlacements(
          PlacementInfo.newBuilder().setName(p).setPattern("attention*4").setRelativeCost(1));
    }
    out.onNext(b.build());
    out.onCompleted();
  }

  @Override
  public void stats(StatsRequest request, StreamObserver<StatsResponse> out) {
    out.onNext(
        StatsResponse.newBuilder().setUtilization(utilization).setCapacityBytes(1 << 20).build());
    out.onCompleted();
  }

  @Override
  public void generate(GenerateRequest request, StreamObserver<GenerateResponse> out) {
    received.add(request);
    if (delayMillis > 0) {
      try {
        Thread.sleep(delayMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (failNextUnavailable.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      out.onError(
          Status.UNAVAILABLE.withDescription("testing runtime: not ready").asRuntimeException());
      return;
    }
    if (saturated) {
      com.google.rpc.Status status =
          com.google.rpc.Status.newBuilder()
              .setCode(Code.RESOURCE_EXHAUSTED_VALUE)
              .setMessage("waiting queue full")
              .addDetails(
                  Any.pack(
                      RetryInfo.newBuilder()
                          .setRetryDelay(Duration.newBuilder().setSeconds(3))
                          .build()))
              .build();
      out.onError(StatusProto.toStatusRuntimeException(status));
      return;
    }
    if (!PLACEMENTS.contains(request.getPlacement())) {
      out.onError(
          Status.INVALID_ARGUMENT
              .withDescription("unknown placement " + request.getPlacement())
              .asRuntimeException());
      return;
    }
    byte[] reply = REPLY.getBytes(StandardCharsets.UTF_8);
    int n = Math.min(reply.length, request.getMaxTokens());
    for (int i = 0; i < n; i++) {
      if (failAfterTokens > 0 && i == failAfterTokens) {
        out.onError(
            Status.UNAVAILABLE
                .withDescription("testing runtime: crashed mid-stream")
                .asRuntimeException());
        return;
      }
      out.onNext(
          GenerateResponse.newBuilder()
              .addTokenIds(reply[i])
              .setText(new String(reply, i, 1, StandardCharsets.US_ASCII))
              .build());
    }
    FinishReason reason =
        n < request.getMaxTokens()
            ? FinishReason.FINISH_REASON_STOP_TOKEN
            : FinishReason.FINISH_REASON_LENGTH;
    out.onNext(
        GenerateResponse.newBuilder()
            .setFinished(
                Finished.newBuilder()
                    .setReason(reason)
                    .setPlacement(request.getPlacement())
                    .setUsage(
                        Usage.newBuilder()
                            .setPromptTokens(request.getPromptTokenIds().getIdsCount())
                            .setCompletionTokens(n)))
            .build());
    out.onCompleted();
  }
}
