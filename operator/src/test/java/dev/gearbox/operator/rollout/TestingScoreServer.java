package dev.gearbox.operator.rollout;

import dev.gearbox.runtime.api.v1.InfoRequest;
import dev.gearbox.runtime.api.v1.InfoResponse;
import dev.gearbox.runtime.api.v1.PlacementInfo;
import dev.gearbox.runtime.api.v1.RuntimeGrpc;
import dev.gearbox.runtime.api.v1.ScoreRequest;
import dev.gearbox.runtime.api.v1.ScoreResponse;
import dev.gearbox.runtime.search.TeacherSample;
import dev.gearbox.runtime.search.TeacherSamples;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A runtime that answers only {@code Score}, on a free loopback port, from the reference samples:
 * a placement whose name starts with {@code bad} moves weight from plausible to implausible tokens
 * (the gate must fail it), every other placement scores like the teacher.
 */
public final class TestingScoreServer implements AutoCloseable {
  private final Map<List<Integer>, TeacherSample> byTokens = new HashMap<>();
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private final Map<String, List<String>> served = new ConcurrentHashMap<>();
  private final Server server;

  public TestingScoreServer(TeacherSamples samples) throws IOException {
    for (TeacherSample s : samples.samples()) {
      byTokens.put(Arrays.stream(s.tokens()).boxed().toList(), s);
    }
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(new Service())
            .build()
            .start();
  }

  public String target() {
    return "127.0.0.1:" + server.getPort();
  }

  /** Serves {@code placement} with these checkpoint mixer names from now on (for Info). */
  public void serve(String placement, String... mixers) {
    served.put(placement, List.of(mixers));
  }

  /** Score calls answered for {@code placement}. */
  public int calls(String placement) {
    AtomicInteger n = calls.get(placement);
    return n == null ? 0 : n.get();
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private final class Service extends RuntimeGrpc.RuntimeImplBase {
    @Override
    public void info(InfoRequest request, StreamObserver<InfoResponse> out) {
      InfoResponse.Builder info = InfoResponse.newBuilder().setModel("tiny");
      served.forEach(
          (name, mixers) ->
              info.addPlacements(
                  PlacementInfo.newBuilder().setName(name).addAllMixers(mixers).build()));
      out.onNext(info.build());
      out.onCompleted();
    }

    @Override
    public void score(ScoreRequest request, StreamObserver<ScoreResponse> out) {
      TeacherSample sample = byTokens.get(request.getTokenIdsList());
      if (sample == null) {
        out.onError(Status.INVALID_ARGUMENT.withDescription("unknown tokens").asRuntimeException());
        return;
      }
      calls.computeIfAbsent(request.getPlacement(), k -> new AtomicInteger()).incrementAndGet();
      boolean bad = request.getPlacement().startsWith("bad");
      ScoreResponse.Builder response =
          ScoreResponse.newBuilder().setPlacement(request.getPlacement());
      for (int i = 0; i < sample.prompt().length - 1; i++) {
        response.addLogProbs(-3f);
      }
      for (double p : sample.teacherLogProbs()) {
        double q = !bad ? p : p >= Math.log(0.01) ? p - 2 : Math.min(0, p + 3);
        response.addLogProbs((float) q);
      }
      out.onNext(response.build());
      out.onCompleted();
    }
  }
}
