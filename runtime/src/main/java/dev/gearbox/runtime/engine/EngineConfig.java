package dev.gearbox.runtime.engine;

import java.time.Duration;

/**
 * Knobs of the scheduler.
 *
 * @param memoryBudgetBytes bytes of decode state all running requests may reserve together
 * @param kvBlockTokens tokens per full-attention KV block
 * @param maxRunning requests in the batch at most (bounds the decode arrays)
 * @param maxWaiting requests queued for memory at most; beyond, RESOURCE_EXHAUSTED
 * @param prefillTokensPerStep prompt tokens prefilled per scheduler step over all requests, so a
 *     long prompt is fed in chunks between decode steps instead of stalling them
 * @param maxBypass how many later requests may be admitted past a waiting head that does not fit
 *     before admission stops for it, so large requests are not starved by small ones
 * @param retryAfter the retry delay suggested to overloaded clients
 * @param pausedTimeout how long a sequence whose client stopped reading may stay paused (holding
 *     its memory) before it is cut with an error
 */
public record EngineConfig(
    long memoryBudgetBytes,
    int kvBlockTokens,
    int maxRunning,
    int maxWaiting,
    int prefillTokensPerStep,
    int maxBypass,
    Duration retryAfter,
    Duration pausedTimeout) {

  /** Default paused timeout: a client may stop reading for a minute. */
  public static final Duration DEFAULT_PAUSED_TIMEOUT = Duration.ofSeconds(60);

  public EngineConfig(
      long memoryBudgetBytes,
      int kvBlockTokens,
      int maxRunning,
      int maxWaiting,
      int prefillTokensPerStep,
      int maxBypass,
      Duration retryAfter) {
    this(
        memoryBudgetBytes, kvBlockTokens, maxRunning, maxWaiting, prefillTokensPerStep, maxBypass,
        retryAfter, DEFAULT_PAUSED_TIMEOUT);
  }

  public EngineConfig {
    if (memoryBudgetBytes <= 0) {
      throw new IllegalArgumentException("memoryBudgetBytes must be > 0, got " + memoryBudgetBytes);
    }
    if (kvBlockTokens < 1) {
      throw new IllegalArgumentException("kvBlockTokens must be >= 1, got " + kvBlockTokens);
    }
    if (maxRunning < 1) {
      throw new IllegalArgumentException("maxRunning must be >= 1, got " + maxRunning);
    }
    if (maxWaiting < 0) {
      throw new IllegalArgumentException("maxWaiting must be >= 0, got " + maxWaiting);
    }
    if (prefillTokensPerStep < 1) {
      throw new IllegalArgumentException(
          "prefillTokensPerStep must be >= 1, got " + prefillTokensPerStep);
    }
    if (maxBypass < 0) {
      throw new IllegalArgumentException("maxBypass must be >= 0, got " + maxBypass);
    }
    if (pausedTimeout == null || pausedTimeout.isNegative() || pausedTimeout.isZero()) {
      throw new IllegalArgumentException("pausedTimeout must be > 0, got " + pausedTimeout);
    }
  }

  /** Defaults for a given budget: 16-token blocks, 256 running, 1024 waiting, 512-token chunks. */
  public static EngineConfig withBudget(long memoryBudgetBytes) {
    return new EngineConfig(memoryBudgetBytes, 16, 256, 1024, 512, 64, Duration.ofSeconds(1));
  }

  public EngineConfig withMaxWaiting(int value) {
    return new EngineConfig(
        memoryBudgetBytes, kvBlockTokens, maxRunning, value, prefillTokensPerStep, maxBypass,
        retryAfter, pausedTimeout);
  }

  public EngineConfig withPrefillTokensPerStep(int value) {
    return new EngineConfig(
        memoryBudgetBytes, kvBlockTokens, maxRunning, maxWaiting, value, maxBypass, retryAfter,
        pausedTimeout);
  }

  public EngineConfig withPausedTimeout(Duration value) {
    return new EngineConfig(
        memoryBudgetBytes, kvBlockTokens, maxRunning, maxWaiting, prefillTokensPerStep, maxBypass,
        retryAfter, value);
  }
}
