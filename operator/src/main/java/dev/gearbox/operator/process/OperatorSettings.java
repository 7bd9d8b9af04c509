package dev.gearbox.operator.process;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How the operator process runs, read from the environment the Helm chart sets.
 *
 * @param watchNamespaces namespaces to watch; empty means all
 * @param metricsPort port of {@code /metrics} (Prometheus text format)
 * @param healthPort port of {@code /healthz} and {@code /readyz}
 * @param leaderElection whether replicas elect one active operator through a Lease
 * @param leaseNamespace namespace of that Lease (the operator's own)
 * @param logLevel slf4j-simple level: trace, debug, info, warn or error
 */
public record OperatorSettings(
    Set<String> watchNamespaces,
    int metricsPort,
    int healthPort,
    boolean leaderElection,
    String leaseNamespace,
    String logLevel) {
  public static final String LEASE_NAME = "gearbox-operator";
  private static final Set<String> LEVELS = Set.of("trace", "debug", "info", "warn", "error");

  /** Parses {@code env}; every bad value is reported with its variable name. */
  public static OperatorSettings from(Map<String, String> env) {
    Set<String> namespaces =
        Arrays.stream(env.getOrDefault("GEARBOX_WATCH_NAMESPACES", "").split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .collect(Collectors.toUnmodifiableSet());
    int metrics = port(env, "GEARBOX_METRICS_PORT", 8080);
    int health = port(env, "GEARBOX_HEALTH_PORT", 8081);
    boolean leader = bool(env, "GEARBOX_LEADER_ELECTION", false);
    String leaseNamespace = env.get("POD_NAMESPACE");
    if (leader && (leaseNamespace == null || leaseNamespace.isBlank())) {
      throw new IllegalArgumentException(
          "GEARBOX_LEADER_ELECTION=true needs POD_NAMESPACE (the namespace of the Lease)");
    }
    String level = env.getOrDefault("GEARBOX_LOG_LEVEL", "info").toLowerCase(Locale.ROOT);
    if (!LEVELS.contains(level)) {
      throw new IllegalArgumentException(
          "GEARBOX_LOG_LEVEL must be one of trace, debug, info, warn, error; got '" + level + "'");
    }
    return new OperatorSettings(namespaces, metrics, health, leader, leaseNamespace, level);
  }

  private static int port(Map<String, String> env, String name, int fallback) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      int port = Integer.parseInt(value.trim());
      if (port >= 1 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        name + " must be a port number 1..65535; got '" + value + "'");
  }

  private static boolean bool(Map<String, String> env, String name, boolean fallback) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw new IllegalArgumentException(name + " must be true or false; got '" + value + "'");
    };
  }
}
