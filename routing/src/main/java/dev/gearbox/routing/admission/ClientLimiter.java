package dev.gearbox.routing.admission;

import dev.gearbox.routing.config.RouterConfig;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Per-client admission: at most {@code maxConcurrent} requests in flight and a token bucket of
 * {@code requestsPerSecond} with {@code burst}; a client over either limit gets 429 ("you, slow
 * down"), never 503, which is reserved for the runtime being saturated.
 */
public final class ClientLimiter {

  private final ConcurrentHashMap<String, ClientState> clients = new ConcurrentHashMap<>();
  private final LongSupplier nanoClock;

  public ClientLimiter(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  public ClientLimiter() {
    this(System::nanoTime);
  }

  /**
   * Tries to admit one request of {@code client} under {@code limits}.
   *
   * @return a permit to {@link Permit#release()} when the request ends, or a rejection
   */
  public Decision tryAcquire(String client, RouterConfig.PerClient limits) {
    if (limits.maxConcurrent() == 0 && limits.requestsPerSecond() == 0) {
      return Decision.UNLIMITED;
    }
    ClientState state = clients.computeIfAbsent(client, c -> new ClientState());
    synchronized (state) {
      if (limits.maxConcurrent() > 0 && state.inFlight >= limits.maxConcurrent()) {
        return Decision.rejected(
            "client '"
                + client
                + "' has "
                + state.inFlight
                + " requests in flight, limit "
                + limits.maxConcurrent(),
            1);
      }
      if (limits.requestsPerSecond() > 0) {
        long now = nanoClock.getAsLong();
        double rate = limits.requestsPerSecond();
        if (state.lastRefillNanos == 0) {
          state.tokens = limits.burst();
        } else {
          state.tokens =
              Math.min(limits.burst(), state.tokens + (now - state.lastRefillNanos) * 1e-9 * rate);
        }
        state.lastRefillNanos = now;
        if (state.tokens < 1) {
          int wait = (int) Math.max(1, Math.ceil((1 - state.tokens) / rate));
          return Decision.rejected(
              "client '"
                  + client
                  + "' exceeded "
                  + rate
                  + " requests/s (burst "
                  + limits.burst()
                  + ")",
              wait);
        }
        state.tokens -= 1;
      }
      state.inFlight++;
    }
    return new Decision(null, 0, () -> release(client, state));
  }

  private void release(String client, ClientState state) {
    synchronized (state) {
      state.inFlight--;
    }
  }

  /** A client's counters; guarded by its own monitor. */
  private static final class ClientState {
    int inFlight;
    double tokens;
    long lastRefillNanos;
  }

  /** Ends an admitted request's hold on its client's concurrency. */
  @FunctionalInterface
  public interface Permit {
    void release();
  }

  /**
   * The outcome of one admission attempt.
   *
   * @param rejection why the request was rejected, or null when admitted
   * @param retryAfterSeconds for rejections: when to try again
   * @param permit for admitted requests: release it exactly once when the request ends
   */
  public record Decision(String rejection, int retryAfterSeconds, Permit permit) {

    static final Decision UNLIMITED = new Decision(null, 0, () -> {});

    static Decision rejected(String why, int retryAfterSeconds) {
      return new Decision(why, retryAfterSeconds, null);
    }

    /** True when the request may proceed. */
    public boolean admitted() {
      return rejection == null;
    }
  }
}
