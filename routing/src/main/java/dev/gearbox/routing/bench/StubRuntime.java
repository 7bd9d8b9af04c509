package dev.gearbox.routing.bench;

import dev.gearbox.runtime.api.v1.FinishReason;
import dev.gearbox.runtime.api.v1.Finished;
import dev.gearbox.runtime.api.v1.GenerateRequest;
import dev.gearbox.runtime.api.v1.GenerateResponse;
import dev.gearbox.runtime.api.v1.InfoRequest;
import dev.gearbox.runtime.api.v1.InfoResponse;
import dev.gearbox.runtime.api.v1.PlacementInfo;
import dev.gearbox.runtime.api.v1.RuntimeGrpc;
import dev.gearbox.runtime.api.v1.StateBytesAt;
import dev.gearbox.runtime.api.v1.StatsRequest;
import dev.gearbox.runtime.api.v1.StatsResponse;
import dev.gearbox.runtime.api.v1.Usage;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A runtime that answers instantly: the real gRPC API (Generate, Info, Stats, health) on a
 * loopback TCP port, every Generate answered on the transport thread with {@code max_tokens}
 * tokens cycled from a fixed list, one message per token, then the finish message. Long answers
 * honour flow control as the real runtime does (nothing is produced while the client does not
 * read). Benchmarks put
 * it behind the router so that the router's own cost is not hidden by a model's.
 */
public final class StubRuntime implements AutoCloseable {

  private final Server server;
  private final AtomicLong generates = new AtomicLong();
  private final AtomicLong tokensSent = new AtomicLong();
  private final AtomicLong cancellations = new AtomicLong();

  private StubRuntime(Server server) {
    this.server = server;
  }

  /**
   * Starts the stub on {@code port} (0 picks a free one) of the loopback interface.
   *
   * @param tokens token ids the answers cycle through (any valid ids of the router's tokenizer)
   * @param placements placement names served; the first is the default
   */
  public static StubRuntime start(int port, int[] tokens, List<String> placements)
      throws IOException {
    StubRuntime[] self = new StubRuntime[1];
    HealthStatusManager health = new HealthStatusManager();
    Server server =
        io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder.forAddress(
                new java.net.InetSocketAddress("127.0.0.1", port))
            .directExecutor()
            .addService(new Service(tokens.clone(), List.copyOf(placements), () -> self[0]))
            .addService(health.getHealthService())
            .build()
            .start();
    health.setStatus("", ServingStatus.SERVING);
    health.setStatus(RuntimeGrpc.SERVICE_NAME, ServingStatus.SERVING);
    self[0] = new StubRuntime(server);
    return self[0];
  }

  public int port() {
    return server.getPort();
  }

  /** Tokens sent over all calls. */
  public long tokensSent() {
    return tokensSent.get();
  }

  /** Calls the client cancelled. */
  public long cancellations() {
    return cancellations.get();
  }

  /** Generate calls answered so far. */
  public long generates() {
    return generates.get();
  }

  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static final class Service extends RuntimeGrpc.RuntimeImplBase {
    private final int[] tokens;
    private final List<String> placements;
    private final java.util.function.Supplier<StubRuntime> owner;

    Service(int[] tokens, List<String> placements, java.util.function.Supplier<StubRuntime> owner) {
      this.tokens = tokens;
      this.placements = placements;
      this.owner = owner;
    }

    @Override
    public void generate(GenerateRequest request, StreamObserver<GenerateResponse> observer) {
      if (!request.getPlacement().isEmpty() && !placements.contains(request.getPlacement())) {
        observer.onError(
            Status.INVALID_ARGUMENT
                .withDescription("unknown placement '" + request.getPlacement() + "'")
                .asRuntimeException());
        return;
      }
      StubRuntime self = owner.get();
      self.generates.incrementAndGet();
      var out = (io.grpc.stub.ServerCallStreamObserver<GenerateResponse>) observer;
      int n = Math.max(1, request.getMaxTokens());
      // Like the real runtime, it stops producing while the client is not reading (isReady
      // false) and continues on onReady; a short answer goes out at once.
      Runnable pump =
          new Runnable() {
            int sent;
            boolean finished;

            @Override
            public synchronized void run() {
              while (!finished && sent < n && (out.isReady() || n <= 64) && !out.isCancelled()) {
                out.onNext(
                    GenerateResponse.newBuilder().addTokenIds(tokens[sent % tokens.length]).build());
                sent++;
                self.tokensSent.incrementAndGet();
              }
              if (!finished && sent == n && !out.isCancelled()) {
                finished = true;
                out.onNext(finish(request, n));
                out.onCompleted();
              }
            }
          };
      out.setOnCancelHandler(self.cancellations::incrementAndGet);
      out.setOnReadyHandler(pump);
      pump.run();
    }

    private GenerateResponse finish(GenerateRequest request, int n) {
      return GenerateResponse.newBuilder()
          .setFinished(
              Finished.newBuilder()
                  .setReason(FinishReason.FINISH_REASON_LENGTH)
                  .setPlacement(
                      request.getPlacement().isEmpty() ? placements.get(0) : request.getPlacement())
                  .setUsage(
                      Usage.newBuilder()
                          .setPromptTokens(request.getPromptTokenIds().getIdsCount())
                          .setCompletionTokens(n)))
          .build();
    }

    @Override
    public void info(InfoRequest request, StreamObserver<InfoResponse> out) {
      InfoResponse.Builder info =
          InfoResponse.newBuilder()
              .setModel("stub")
              .setNumLayers(1)
              .setVocabSize(1 << 16)
              .setMaxContextLength(1 << 24)
              .setDefaultPlacement(placements.get(0))
              .setMemoryBudgetBytes(1L << 30);
      for (String p : placements) {
        info.addPlacements(
            PlacementInfo.newBuilder()
                .setName(p)
                .setPattern("attention")
                .setRelativeCost(1)
                .addStateBytes(StateBytesAt.newBuilder().setContextLength(4096).setBytes(1)));
      }
      out.onNext(info.build());
      out.onCompleted();
    }

    @Override
    public void stats(StatsRequest request, StreamObserver<StatsResponse> out) {
      out.onNext(StatsResponse.newBuilder().setCapacityBytes(1L << 30).build());
      out.onCompleted();
    }
  }
}
