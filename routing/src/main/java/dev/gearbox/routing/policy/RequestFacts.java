package dev.gearbox.routing.policy;

/**
 * What the policy may look at in one request.
 *
 * @param explicitPlacement the placement named in {@code model: "name:placement"}, or null
 * @param workload {@code x-gearbox-workload} header, or null
 * @param priority {@code x-gearbox-priority} header, or null
 * @param promptTokens tokens in the rendered prompt
 * @param path the HTTP request path
 * @param requestId the request's id, which decides its side of a canary split; null counts as ""
 */
public record RequestFacts(
    String explicitPlacement,
    String workload,
    String priority,
    int promptTokens,
    String path,
    String requestId) {

  /** Facts of a request whose id does not matter (no canary in the config). */
  public RequestFacts(
      String explicitPlacement, String workload, String priority, int promptTokens, String path) {
    this(explicitPlacement, workload, priority, promptTokens, path, null);
  }
}
