package dev.gearbox.operator.rollout;

import java.time.Duration;
import java.util.List;

/** The runtime's {@code Score} RPC as the gate uses it: log-probs of given tokens, forward only. */
public interface ScoreClient extends AutoCloseable {
  /**
   * {@code log p(tokens[i + 1] | tokens[..i])} under {@code placement}.
   *
   * @throws io.grpc.StatusRuntimeException as the runtime answers (UNAVAILABLE while pods roll,
   *     INVALID_ARGUMENT for a placement the serving pods do not have yet)
   */
  float[] score(String placement, int[] tokens, Duration deadline);

  /**
   * The mixer of each layer of {@code placement} on the pod this client talks to (from {@code
   * Info}); empty when that pod does not serve it.
   */
  List<String> mixers(String placement, Duration deadline);

  @Override
  void close();
}
