package dev.gearbox.operator.rollout;

import dev.gearbox.crds.HybridModel;
import java.time.Instant;
import java.util.Optional;

/**
 * Where canary analysis gets its figures: requests, errors and latency percentiles of one runtime
 * placement since a point in time. The closed-loop observer of the serving pods implements it; the
 * rollout only reads it.
 */
public interface CanaryMetrics {
  /** A source that observes nothing: every step passes on its interval, reported as unobserved. */
  CanaryMetrics UNOBSERVED = (model, placement, since) -> Optional.empty();

  /**
   * What {@code placement} of {@code model} served since {@code since}; empty when this source
   * cannot observe it at all.
   */
  Optional<Window> observe(HybridModel model, String placement, Instant since);

  /**
   * Traffic of one placement over a window.
   *
   * @param requests requests completed or failed
   * @param errors requests that failed on the server's side (5xx, not 429)
   * @param ttftP95Ms 95th percentile time to first token, null without requests
   * @param tpotP95Ms 95th percentile time per output token, null without requests
   */
  record Window(long requests, long errors, Double ttftP95Ms, Double tpotP95Ms) {
    /** errors / requests, 0 without requests. */
    public double errorRate() {
      return requests == 0 ? 0 : (double) errors / requests;
    }
  }
}
