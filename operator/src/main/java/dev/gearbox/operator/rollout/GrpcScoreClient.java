package dev.gearbox.operator.rollout;

import dev.gearbox.runtime.api.v1.InfoRequest;
import dev.gearbox.runtime.api.v1.InfoResponse;
import dev.gearbox.runtime.api.v1.PlacementInfo;
import dev.gearbox.runtime.api.v1.RuntimeGrpc;
import dev.gearbox.runtime.api.v1.ScoreRequest;
import dev.gearbox.runtime.api.v1.ScoreResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@link ScoreClient} over one plaintext gRPC channel to the model's Service. The channel keeps
 * one connection, so every call of one gate reaches the same pod.
 */
public final class GrpcScoreClient implements ScoreClient {
  private final ManagedChannel channel;
  private final RuntimeGrpc.RuntimeBlockingStub stub;

  /** A client of {@code target} ({@code host:port}). */
  public GrpcScoreClient(String target) {
    this.channel = ManagedChannelBuilder.forTarget(target).usePlaintext().build();
    this.stub = RuntimeGrpc.newBlockingStub(channel);
  }

  @Override
  public float[] score(String placement, int[] tokens, Duration deadline) {
    ScoreResponse response =
        stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
            .score(
                ScoreRequest.newBuilder()
                    .setPlacement(placement)
                    .addAllTokenIds(Arrays.stream(tokens).boxed().toList())
                    .build());
    float[] out = new float[response.getLogProbsCount()];
    for (int i = 0; i < out.length; i++) {
      out[i] = response.getLogProbs(i);
    }
    return out;
  }

  @Override
  public List<String> mixers(String placement, Duration deadline) {
    InfoResponse info =
        stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
            .info(InfoRequest.getDefaultInstance());
    for (PlacementInfo p : info.getPlacementsList()) {
      if (p.getName().equals(placement)) {
        return List.copyOf(p.getMixersList());
      }
    }
    return List.of();
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
