package dev.gearbox.routing.policy;

/**
 * What the policy may look at in one request.
 *
 * @param explicitPlacement the placement named in {@code model: "name:placement"}, or null
 * @param workload {@code x-gearbox-workload} header, or null
 * @param priority {@code x-gearbox-priority} header, or null
 * @param promptTokens tokens in the rendered prompt
 * @param path the HTTP request path
 */
public record RequestFacts(
    String explicitPlacement, String workload, String priority, int promptTokens, String path) {}
