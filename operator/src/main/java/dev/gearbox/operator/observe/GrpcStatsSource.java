package dev.gearbox.operator.observe;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import dev.gearbox.runtime.api.v1.RuntimeGrpc;
import dev.gearbox.runtime.api.v1.StatsRequest;
import dev.gearbox.runtime.api.v1.StatsResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The runtime's {@code Stats} RPC over plaintext gRPC: one shared channel per pod, a deadline per
 * call, channels of vanished pods closed.
 */
public final class GrpcStatsSource implements StatsSource {
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

  @Override
  public CompletableFuture<StatsResponse> stats(String target, Duration timeout) {
    ManagedChannel channel =
        channels.computeIfAbsent(
            target, t -> NettyChannelBuilder.forTarget(t).usePlaintext().build());
    CompletableFuture<StatsResponse> out = new CompletableFuture<>();
    Futures.addCallback(
        RuntimeGrpc.newFutureStub(channel)
            .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
            .stats(StatsRequest.getDefaultInstance()),
        new FutureCallback<>() {
          @Override
          public void onSuccess(StatsResponse result) {
            out.complete(result);
          }

          @Override
          public void onFailure(Throwable t) {
            out.completeExceptionally(t);
          }
        },
        MoreExecutors.directExecutor());
    return out;
  }

  @Override
  public void retain(Set<String> live) {
    channels
        .entrySet()
        .removeIf(
            e -> {
              if (live.contains(e.getKey())) {
                return false;
              }
              e.getValue().shutdownNow();
              return true;
            });
  }

  @Override
  public void close() {
    channels.values().forEach(ManagedChannel::shutdown);
    for (ManagedChannel c : channels.values()) {
      try {
        if (!c.awaitTermination(2, TimeUnit.SECONDS)) {
          c.shutdownNow();
        }
      } catch (InterruptedException e) {
        c.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    channels.clear();
  }
}
