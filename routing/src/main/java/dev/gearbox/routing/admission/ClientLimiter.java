package dev.gearbox.routing.admission;

import dev.gearbox.routing.config.RouterConfig;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Per-client admission: at most {@code maxConcurrent} requests in flight and a token bucket of
 * {@code requestsPerSecond} with {@code burst}; a client over either limit gets 429 ("you, slow
 * down"), never 503, which is reserved for the runtime being saturated.
 *
 * <p>Every change to a client's counters happens inside {@link ConcurrentHashMap#compute} on its
 * key, so idle clients can be dropped from the map without racing an admission.
 */
public final class ClientLimiter {

  /** Sweep idle clients once per this many admissions. */
  private static final int SWEEP_EVERY = 1024;

  private final ConcurrentHashMap<String, ClientState> clients = new ConcurrentHashMap<>();
  private final AtomicInteger admissions = new AtomicInteger();
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
    if (admissions.incrementAndGet() % SWEEP_EVERY == 0) {
      sweep(limits);
    }
    long now = nanoClock.getAsLong();
    Decision[] out = new Decision[1];
    clients.compute(
        client,
        (key, state) -> {
          ClientState s = state == null ? new ClientState(limits.burst(), now) : state;
          out[0] = s.admit(key, limits, now);
          return s;
        });
    if (!out[0].admitted()) {
      return out[0];
    }
    return new Decision(null, 0, () -> clients.computeIfPresent(client, (k, s) -> s.release()));
  }

  /** Clients currently tracked (for tests and metrics). */
  public int trackedClients() {
    return clients.size();
  }

  /** Drops clients with nothing in flight whose bucket has refilled: they equal a new client. */
  void sweep(RouterConfig.PerClient limits) {
    long now = nanoClock.getAsLong();
    for (String key : clients.keySet()) {
      clients.computeIfPresent(key, (k, s) -> s.idle(limits, now) ? null : s);
    }
  }

  /** A client's counters; only touched inside map compute calls on its key. */
  private static final class ClientState {
    int inFlight;
    double tokens;
    long lastRefillNanos;

    ClientState(double tokens, long now) {
      this.tokens = tokens;
      this.lastRefillNanos = now;
    }

    Decision admit(String client, RouterConfig.PerClient limits, long now) {
      if (limits.maxConcurrent() > 0 && inFlight >= limits.maxConcurrent()) {
        return Decision.rejected(
            "client '"
                + client
                + "' has "
                + inFlight
                + " requests in flight, limit "
                + limits.maxConcurrent(),
            1);
      }
      if (limits.requestsPerSecond() > 0) {
        double rate = limits.requestsPerSecond();
        tokens = Math.min(limits.burst(), tokens + (now - lastRefillNanos) * 1e-9 * rate);
        lastRefillNanos = now;
        if (tokens < 1) {
          int wait = (int) Math.max(1, Math.ceil((1 - tokens) / rate));
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
        tokens -= 1;
      }
      inFlight++;
      return Decision.UNLIMITED;
    }

    ClientState release() {
      inFlight--;
      return this;
    }

    boolean idle(RouterConfig.PerClient limits, long now) {
      if (inFlight > 0) {
        return false;
      }
      double rate = limits.requestsPerSecond();
      return rate == 0 || tokens + (now - lastRefillNanos) * 1e-9 * rate >= limits.burst();
    }
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
