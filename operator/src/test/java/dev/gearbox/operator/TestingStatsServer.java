package dev.gearbox.operator;

import dev.gearbox.runtime.api.v1.LatencyHistogram;
import dev.gearbox.runtime.api.v1.PlacementStats;
import dev.gearbox.runtime.api.v1.RuntimeGrpc;
import dev.gearbox.runtime.api.v1.StatsRequest;
import dev.gearbox.runtime.api.v1.StatsResponse;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in runtime on loopback that answers only {@code Stats}: the KV utilization and queue it
 * is told, and a TTFT/TPOT histogram that grows by {@code requestsPerCall} requests of the set
 * latency on every call, as if that traffic had been served since the previous poll.
 */
final class TestingStatsServer implements AutoCloseable {
  private final Server server;
  private final String placement;
  private volatile boolean hang;
  private volatile double utilization;
  private volatile int waiting;
  private volatile double ttftSeconds = 0.05;
  private volatile double tpotSeconds = 0.01;
  private volatile int requestsPerCall = 20;
  private final long[] ttftCounts = new long[bounds().length];
  private final long[] tpotCounts = new long[bounds().length];
  private long ttftTotal;
  private long tpotTotal;

  TestingStatsServer(String placement) throws IOException {
    this.placement = placement;
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(
                new RuntimeGrpc.RuntimeImplBase() {
                  @Override
                  public void stats(StatsRequest request, StreamObserver<StatsResponse> out) {
                    if (hang) {
                      return; // never answers: the caller's deadline must end the call
                    }
                    out.onNext(next());
                    out.onCompleted();
                  }
                })
            .build()
            .start();
  }

  static double[] bounds() {
    return dev.gearbox.runtime.engine.LatencyHistogram.UPPER_BOUNDS_SECONDS;
  }

  String target() {
    return "127.0.0.1:" + server.getPort();
  }

  /** From now on accepts Stats calls and never answers them. */
  TestingStatsServer hang() {
    this.hang = true;
    return this;
  }

  TestingStatsServer load(double utilization, int waiting) {
    this.utilization = utilization;
    this.waiting = waiting;
    return this;
  }

  TestingStatsServer latency(double ttftSeconds, double tpotSeconds, int requestsPerCall) {
    this.ttftSeconds = ttftSeconds;
    this.tpotSeconds = tpotSeconds;
    this.requestsPerCall = requestsPerCall;
    return this;
  }

  private synchronized StatsResponse next() {
    ttftTotal += requestsPerCall;
    tpotTotal += requestsPerCall * 10L;
    for (int i = 0; i < bounds().length; i++) {
      if (ttftSeconds <= bounds()[i]) {
        ttftCounts[i] += requestsPerCall;
      }
      if (tpotSeconds <= bounds()[i]) {
        tpotCounts[i] += requestsPerCall * 10L;
      }
    }
    return StatsResponse.newBuilder()
        .setCapacityBytes(1L << 30)
        .setUtilization(utilization)
        .setUsedBytes((long) (utilization * (1L << 30)))
        .setWaiting(waiting)
        .setRunning((int) Math.round(utilization * 16))
        .addPlacements(
            PlacementStats.newBuilder()
                .setName(placement)
                .setWaiting(waiting)
                .setTimeToFirstToken(histogram(ttftCounts, ttftTotal))
                .setTimePerOutputToken(histogram(tpotCounts, tpotTotal)))
        .build();
  }

  private static LatencyHistogram histogram(long[] counts, long total) {
    LatencyHistogram.Builder b = LatencyHistogram.newBuilder().setCount(total);
    for (int i = 0; i < counts.length; i++) {
      b.addUpperBoundsSeconds(bounds()[i]).addCumulativeCounts(counts[i]);
    }
    return b.build();
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
