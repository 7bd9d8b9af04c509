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
 * @param priority the runtime's scheduling priority (higher is more important, 0 normal): under
 *     memory pressure the lowest-priority, youngest sequence is preempted first
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
    Duration deadline,
    int priority) {

  public GenerateCall {
    stopTokenIds = List.copyOf(stopTokenIds);
  }

  /** A call of normal priority. */
  public GenerateCall(
      String requestId,
      String placement,
      int[] promptTokens,
      int maxTokens,
      double temperature,
      double topP,
      long seed,
      List<Integer> stopTokenIds,
      Duration deadline) {
    this(requestId, placement, promptTokens, maxTokens, temperature, topP, seed, stopTokenIds,
        deadline, 0);
  }

  /**
   * The runtime priority of an {@code x-gearbox-priority} header: {@code high} 1, {@code low} -1,
   * an integer as given, anything else (or none) 0.
   */
  public static int priorityOf(String header) {
    if (header == null) {
      return 0;
    }
    return switch (header.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "high" -> 1;
      case "low" -> -1;
      default -> {
        try {
          yield Integer.parseInt(header.trim());
        } catch (NumberFormatException e) {
          yield 0;
        }
      }
    };
  }
}
