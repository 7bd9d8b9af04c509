package dev.gearbox.routing.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The router's configuration file: {@code routing} and {@code slo} shaped exactly like {@code
 * HybridModel.spec.routing} and {@code spec.slo}, plus per-client {@code limits} and {@code
 * runtimeCall} settings. The operator's flat {@code router.json} (routing fields at the top level
 * next to {@code model} and {@code placements}) is read as well; see {@link ConfigParser}.
 *
 * @param model name clients use for the model, or null for the runtime's own name
 * @param placements placements the operator expects the runtime to serve (checked when known)
 * @param routing placement selection rules
 * @param slo latency objectives; null fields are not tracked
 * @param limits per-client admission limits
 * @param runtimeCall deadlines and retries of runtime calls
 */
public record RouterConfig(
    String model,
    List<String> placements,
    Routing routing,
    Slo slo,
    Limits limits,
    RuntimeCall runtimeCall,
    @JsonProperty("rollout") com.fasterxml.jackson.databind.JsonNode rollout) {

  /** A config with no rules, no SLOs and default limits. */
  public static RouterConfig defaults() {
    return empty().withDefaults();
  }

  static RouterConfig empty() {
    return new RouterConfig(null, null, null, null, null, null, null);
  }

  /** This config with absent sections replaced by their defaults. */
  public RouterConfig withDefaults() {
    Routing r =
        routing == null ? new Routing(null, List.of(), null, List.of()) : routing.withDefaults();
    return new RouterConfig(
        model,
        placements == null ? List.of() : List.copyOf(placements),
        r,
        slo == null ? new Slo(null, null) : slo,
        limits == null ? Limits.UNLIMITED : limits.withDefaults(),
        runtimeCall == null ? RuntimeCall.DEFAULT : runtimeCall.withDefaults(),
        rollout);
  }

  /**
   * {@code spec.routing}.
   *
   * @param defaultPlacement placement used when nothing else matches; null means the runtime's
   *     default
   * @param rules first match wins
   * @param underKvPressure gear shift to a cheaper placement when the KV pool is nearly full
   * @param canaries placements under a rollout, each sharing its traffic with a baseline; written
   *     by the operator, never part of {@code spec.routing}
   */
  public record Routing(
      @JsonProperty("default") String defaultPlacement,
      List<Rule> rules,
      KvPressureShift underKvPressure,
      List<Canary> canaries) {

    Routing withDefaults() {
      return new Routing(
          defaultPlacement,
          rules == null ? List.of() : List.copyOf(rules),
          underKvPressure,
          canaries == null ? List.of() : List.copyOf(canaries));
    }

    /** The canary of {@code placement}, or null when it is not under a rollout. */
    public Canary canaryOf(String placement) {
      for (Canary c : canaries) {
        if (c.placement().equals(placement)) {
          return c;
        }
      }
      return null;
    }
  }

  /**
   * A placement under a rollout: of the requests the policy sends to {@code placement}, {@code
   * weight} percent go to it and the rest to {@code baseline}, split by a hash of the request id so
   * that one id always lands on the same side at one weight.
   *
   * @param placement the placement being rolled out
   * @param baseline the placement that serves the rest of its traffic
   * @param weight percentage of its traffic the placement gets, 0..100
   */
  public record Canary(String placement, String baseline, Integer weight) {}

  /**
   * One routing rule; every field set in {@code match} must hold.
   *
   * @param match conditions on the request
   * @param placement placement to use when they hold
   */
  public record Rule(Match match, String placement) {}

  /**
   * Conditions of a rule; null fields match anything.
   *
   * @param workload value of the {@code x-gearbox-workload} header
   * @param priority value of the {@code x-gearbox-priority} header
   * @param minPromptTokens prompt has at least this many tokens
   * @param maxPromptTokens prompt has at most this many tokens
   * @param path request path, exact, or a prefix when it ends with {@code *}
   */
  public record Match(
      String workload,
      String priority,
      Integer minPromptTokens,
      Integer maxPromptTokens,
      String path) {}

  /**
   * {@code underKvPressure}: above this KV utilisation, eligible requests shift gears.
   *
   * @param above KV utilisation threshold, in (0, 1]
   * @param shiftTo the cheaper placement to use
   * @param onlyWorkloads workloads allowed to shift; empty or null means all
   */
  public record KvPressureShift(Double above, String shiftTo, List<String> onlyWorkloads) {

    /** True when requests of {@code workload} (may be null) may be shifted. */
    public boolean eligible(String workload) {
      return onlyWorkloads == null || onlyWorkloads.isEmpty() || onlyWorkloads.contains(workload);
    }
  }

  /**
   * {@code spec.slo}.
   *
   * @param ttftP95Ms time-to-first-token objective, p95, milliseconds
   * @param tpotP95Ms time-per-output-token objective, p95, milliseconds
   */
  public record Slo(Double ttftP95Ms, Double tpotP95Ms) {}

  /**
   * Per-client admission limits; a client is the bearer token, else the {@code x-gearbox-client}
   * header, else the remote address.
   *
   * @param perClient the limits each client gets
   */
  public record Limits(PerClient perClient) {

    static final Limits UNLIMITED = new Limits(PerClient.UNLIMITED);

    Limits withDefaults() {
      return perClient == null ? UNLIMITED : new Limits(perClient.withDefaults());
    }
  }

  /**
   * Limits of one client; 0 or null means unlimited.
   *
   * @param maxConcurrent most requests in flight
   * @param requestsPerSecond sustained request rate
   * @param burst requests allowed at once above the sustained rate
   */
  public record PerClient(Integer maxConcurrent, Double requestsPerSecond, Integer burst) {

    static final PerClient UNLIMITED = new PerClient(0, 0.0, 0);

    PerClient withDefaults() {
      double rate = requestsPerSecond == null ? 0 : requestsPerSecond;
      int b = burst == null || burst == 0 ? (int) Math.max(1, Math.ceil(rate)) : burst;
      return new PerClient(maxConcurrent == null ? 0 : maxConcurrent, rate, b);
    }
  }

  /**
   * Runtime call settings.
   *
   * @param deadlineMs deadline of one generation call
   * @param maxAttempts attempts for a call that fails as unavailable before its first token
   * @param retryAfterSeconds Retry-After sent with 503 when the runtime gives none
   */
  public record RuntimeCall(Long deadlineMs, Integer maxAttempts, Integer retryAfterSeconds) {

    static final RuntimeCall DEFAULT = new RuntimeCall(120_000L, 2, 1);

    RuntimeCall withDefaults() {
      return new RuntimeCall(
          deadlineMs == null ? DEFAULT.deadlineMs : deadlineMs,
          maxAttempts == null ? DEFAULT.maxAttempts : maxAttempts,
          retryAfterSeconds == null ? DEFAULT.retryAfterSeconds : retryAfterSeconds);
    }
  }
}
