package dev.gearbox.routing.runtime;

import java.time.Duration;
import java.util.List;

/**
 * One generation request as sent to the runtime.
 *
 * @param requestId id shared by the HTTP response and the runtime's logs
 * @param placement the placement chosen by the policy
 * @param promptTokens token ids of the rendered prompt
 * @param maxTokens most tokens to generate
 * @param temperature sampling temperature; 0 means greedy
 * @param topP nucleus sampling mass, 1 disables it
 * @param seed sampling seed, or -1 for a runtime-chosen one
 * @param stopTokenIds token ids that end generation (end-of-sequence ids)
 * @param deadline how long the whole call may take
 */
public record GenerateCall(
    String requestId,
    String placement,
    int[] promptTokens,
    int maxTokens,
    double temperature,
    double topP,
    long seed,
    List<Integer> stopTokenIds,
    Duration deadline) {

  public GenerateCall {
    stopTokenIds = List.copyOf(stopTokenIds);
  }
}
