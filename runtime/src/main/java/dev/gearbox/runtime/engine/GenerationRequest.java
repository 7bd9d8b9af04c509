package dev.gearbox.runtime.engine;

import java.util.List;

/**
 * One generation as the client asked for it; checked against the model when submitted.
 *
 * @param requestId client-chosen id, used in logs only
 * @param placement placement name, or empty for the model's default placement
 * @param prompt prompt token ids
 * @param sampling how tokens are drawn
 * @param maxTokens tokens to generate at most
 * @param stopTokenIds tokens that end generation (the model's EOS always does)
 * @param stopStrings texts that end generation (need a {@link TokenDecoder})
 * @param deadlineNanos {@link System#nanoTime()} after which the request is aborted, or {@link
 *     Long#MAX_VALUE}
 * @param priority scheduling priority (higher is more important, 0 normal); when memory runs
 *     out, the lowest-priority, youngest sequence is preempted first
 */
public record GenerationRequest(
    String requestId,
    String placement,
    int[] prompt,
    SamplingParams sampling,
    int maxTokens,
    int[] stopTokenIds,
    List<String> stopStrings,
    long deadlineNanos,
    int priority) {

  /** A request of normal priority (0). */
  public GenerationRequest(
      String requestId,
      String placement,
      int[] prompt,
      SamplingParams sampling,
      int maxTokens,
      int[] stopTokenIds,
      List<String> stopStrings,
      long deadlineNanos) {
    this(requestId, placement, prompt, sampling, maxTokens, stopTokenIds, stopStrings, deadlineNanos, 0);
  }

  public GenerationRequest {
    requestId = requestId == null ? "" : requestId;
    placement = placement == null ? "" : placement;
    if (prompt == null || prompt.length == 0) {
      throw new InvalidRequestException("prompt is empty (prompt_token_ids or prompt_text): expected at least one token");
    }
    if (sampling == null) {
      throw new InvalidRequestException("sampling is missing");
    }
    if (maxTokens < 1) {
      throw new InvalidRequestException("max_tokens must be >= 1, got " + maxTokens);
    }
    stopTokenIds = stopTokenIds == null ? new int[0] : stopTokenIds.clone();
    stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
    for (String stop : stopStrings) {
      if (stop.isEmpty()) {
        throw new InvalidRequestException("stop_strings must not contain an empty string");
      }
    }
  }

  /** A greedy request without stop conditions and without deadline, for tests and benchmarks. */
  public static GenerationRequest greedy(String placement, int[] prompt, int maxTokens) {
    return new GenerationRequest(
        "", placement, prompt, SamplingParams.greedy(), maxTokens, null, null, Long.MAX_VALUE);
  }
}
