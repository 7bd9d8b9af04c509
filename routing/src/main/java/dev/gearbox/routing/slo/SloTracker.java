package dev.gearbox.routing.slo;

import dev.gearbox.routing.config.RouterConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Time-to-first-token and time-per-output-token per placement: Prometheus histograms for
 * dashboards, plus rolling p50/p95 windows checked against {@code slo}. A placement whose rolling
 * p95 crosses its objective is marked violating (gauge, counter and one log line per transition).
 */
public final class SloTracker {

  private static final Logger LOG = Logger.getLogger(SloTracker.class.getName());
  private static final int WINDOW_SAMPLES = 4096;
  private static final long CHECK_INTERVAL_NANOS = 1_000_000_000L;

  private final MeterRegistry registry;
  private final Supplier<RouterConfig.Slo> objectives;
  private final LongSupplier nanoClock;
  private final long windowNanos;
  private final Map<String, PlacementSlo> placements = new ConcurrentHashMap<>();

  public SloTracker(
      MeterRegistry registry,
      Supplier<RouterConfig.Slo> objectives,
      Duration window,
      LongSupplier nanoClock) {
    this.registry = registry;
    this.objectives = objectives;
    this.windowNanos = window.toNanos();
    this.nanoClock = nanoClock;
  }

  /** Records a finished request: TTFT, and TPOT when it produced more than one token. */
  /**
   * Registers the meters of {@code served} placements at zero, so that every documented series
   * exists before the first request (dashboards and alerts see 0, not "no data").
   */
  public void track(java.util.Collection<String> served) {
    for (String placement : served) {
      placements.computeIfAbsent(placement, this::create);
    }
  }

  public void record(String placement, long ttftNanos, long decodeNanos, int completionTokens) {
    PlacementSlo p = placements.computeIfAbsent(placement, this::create);
    long now = nanoClock.getAsLong();
    p.ttftTimer.record(ttftNanos, TimeUnit.NANOSECONDS);
    p.ttft.record(ttftNanos / 1e6, now);
    if (completionTokens > 1) {
      long tpot = decodeNanos / (completionTokens - 1);
      p.tpotTimer.record(tpot, TimeUnit.NANOSECONDS);
      p.tpot.record(tpot / 1e6, now);
    }
    // Percentiles sort the window; once per interval per placement keeps that off most requests.
    if (now - p.lastCheckNanos >= CHECK_INTERVAL_NANOS || p.lastCheckNanos == 0) {
      p.lastCheckNanos = now;
      check(placement, p, now);
    }
  }

  /** Rolling p50/p95 and violation state of every placement seen, for the admin endpoint. */
  public Map<String, Object> report() {
    long now = nanoClock.getAsLong();
    RouterConfig.Slo slo = objectives.get();
    Map<String, Object> out = new LinkedHashMap<>();
    placements.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e -> {
              PlacementSlo p = e.getValue();
              RollingWindow.Snapshot ttft = p.ttft.snapshot(now, 0.5, 0.95);
              RollingWindow.Snapshot tpot = p.tpot.snapshot(now, 0.5, 0.95);
              Map<String, Object> m = new LinkedHashMap<>();
              m.put("ttftMs", percentiles(ttft));
              m.put("tpotMs", percentiles(tpot));
              m.put("ttftP95TargetMs", slo.ttftP95Ms());
              m.put("tpotP95TargetMs", slo.tpotP95Ms());
              m.put("ttftViolated", p.ttftViolated);
              m.put("tpotViolated", p.tpotViolated);
              out.put(e.getKey(), m);
            });
    return out;
  }

  /** True when {@code placement}'s rolling p95 TTFT or TPOT is over its objective. */
  public boolean violated(String placement) {
    PlacementSlo p = placements.get(placement);
    return p != null && (p.ttftViolated || p.tpotViolated);
  }

  private static Map<String, Object> percentiles(RollingWindow.Snapshot s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("count", s.count());
    m.put("p50", s.count() == 0 ? null : s.values()[0]);
    m.put("p95", s.count() == 0 ? null : s.values()[1]);
    return m;
  }

  private void check(String placement, PlacementSlo p, long now) {
    RouterConfig.Slo slo = objectives.get();
    if (slo.ttftP95Ms() != null) {
      double p95 = p.ttft.snapshot(now, 0.95).values()[0];
      boolean bad = p95 > slo.ttftP95Ms();
      if (bad != p.ttftViolated) {
        p.ttftViolated = bad;
        transition(placement, "ttft", bad, p95, slo.ttftP95Ms(), p.ttftViolations);
      }
    } else {
      p.ttftViolated = false;
    }
    if (slo.tpotP95Ms() != null) {
      RollingWindow.Snapshot s = p.tpot.snapshot(now, 0.95);
      boolean bad = s.count() > 0 && s.values()[0] > slo.tpotP95Ms();
      if (bad != p.tpotViolated) {
        p.tpotViolated = bad;
        transition(placement, "tpot", bad, s.values()[0], slo.tpotP95Ms(), p.tpotViolations);
      }
    } else {
      p.tpotViolated = false;
    }
  }

  private static void transition(
      String placement, String kind, boolean bad, double p95, double target, Counter violations) {
    if (bad) {
      violations.increment();
      LOG.warning(
          String.format(
              "SLO violated: placement=%s %s p95=%.1fms target=%.1fms",
              placement, kind, p95, target));
    } else {
      LOG.info(
          String.format(
              "SLO met again: placement=%s %s p95=%.1fms target=%.1fms",
              placement, kind, p95, target));
    }
  }

  private PlacementSlo create(String placement) {
    PlacementSlo p = new PlacementSlo(placement, registry, windowNanos);
    registry.gauge(
        "gearbox_router_slo_violated",
        io.micrometer.core.instrument.Tags.of("placement", placement, "slo", "ttft"),
        p,
        x -> x.ttftViolated ? 1 : 0);
    registry.gauge(
        "gearbox_router_slo_violated",
        io.micrometer.core.instrument.Tags.of("placement", placement, "slo", "tpot"),
        p,
        x -> x.tpotViolated ? 1 : 0);
    return p;
  }

  /** Meters and windows of one placement. */
  private static final class PlacementSlo {
    final Timer ttftTimer;
    final Timer tpotTimer;
    final Counter ttftViolations;
    final Counter tpotViolations;
    final RollingWindow ttft;
    final RollingWindow tpot;
    volatile boolean ttftViolated;
    volatile boolean tpotViolated;
    volatile long lastCheckNanos;

    PlacementSlo(String placement, MeterRegistry registry, long windowNanos) {
      ttftTimer =
          Timer.builder("gearbox_router_ttft")
              .description("time to first token")
              .tag("placement", placement)
              .publishPercentileHistogram()
              .register(registry);
      tpotTimer =
          Timer.builder("gearbox_router_tpot")
              .description("time per output token after the first")
              .tag("placement", placement)
              .publishPercentileHistogram()
              .register(registry);
      ttftViolations =
          Counter.builder("gearbox_router_slo_violations")
              .description("times a placement's rolling p95 went over its objective")
              .tags("placement", placement, "slo", "ttft")
              .register(registry);
      tpotViolations =
          Counter.builder("gearbox_router_slo_violations")
              .description("times a placement's rolling p95 went over its objective")
              .tags("placement", placement, "slo", "tpot")
              .register(registry);
      ttft = new RollingWindow(WINDOW_SAMPLES, windowNanos);
      tpot = new RollingWindow(WINDOW_SAMPLES, windowNanos);
    }
  }
}
