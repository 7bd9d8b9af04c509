package dev.gearbox.operator.observe;

import dev.gearbox.crds.SloSpec;
import dev.gearbox.crds.SloStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The SloMet verdict from observed latency: False naming each placement and figure that misses its
 * target ({@code turbo-8x ttft p95 1.31 s > 800 ms over 5m}), True when every placement with
 * enough requests is within target, Unknown when none has enough.
 *
 * @param status True, False or Unknown
 * @param reason SloMet, SloMissed or NotMeasured
 * @param message what was measured, in words
 * @param observed what status.slo reports
 */
public record SloVerdict(String status, String reason, String message, SloStatus observed) {
  /** Fewest first tokens in the window for a placement's p95 to count. */
  public static final long MIN_SAMPLES = 10;

  /** Judges {@code placements} (observed over {@code window}) against {@code slo}. */
  public static SloVerdict judge(
      SloSpec slo, List<LatencyWindow.Placement> placements, Duration window) {
    String over = " over " + window(window);
    List<SloStatus.PlacementSlo> reported = new ArrayList<>();
    List<String> misses = new ArrayList<>();
    List<String> met = new ArrayList<>();
    for (LatencyWindow.Placement p : placements) {
      reported.add(
          new SloStatus.PlacementSlo(
              p.name(), ms(p.ttftP95Seconds()), ms(p.tpotP95Seconds()), p.samples()));
      if (p.samples() < MIN_SAMPLES) {
        continue;
      }
      check(p.name(), "ttft", p.ttftP95Seconds(), slo.getTtftP95Ms(), misses, met);
      check(p.name(), "tpot", p.tpotP95Seconds(), slo.getTpotP95Ms(), misses, met);
    }
    SloStatus observed = new SloStatus((int) window.toSeconds(), reported);
    if (!misses.isEmpty()) {
      return new SloVerdict("False", "SloMissed", String.join("; ", misses) + over, observed);
    }
    if (!met.isEmpty()) {
      return new SloVerdict("True", "SloMet", String.join("; ", met) + over, observed);
    }
    return new SloVerdict(
        "Unknown",
        "NotMeasured",
        "fewer than " + MIN_SAMPLES + " requests per placement" + over,
        observed);
  }

  private static void check(
      String placement,
      String what,
      double seconds,
      Integer targetMs,
      List<String> misses,
      List<String> met) {
    if (targetMs == null || Double.isNaN(seconds)) {
      return;
    }
    String figure = placement + " " + what + " p95 " + duration(seconds * 1000);
    if (seconds * 1000 > targetMs) {
      misses.add(figure + " > " + duration(targetMs));
    } else {
      met.add(figure + " <= " + duration(targetMs));
    }
  }

  /** 1.31 s, 800 ms, 12.5 ms. */
  static String duration(double ms) {
    if (ms >= 1000) {
      return String.format(Locale.ROOT, "%.2f s", ms / 1000);
    }
    if (ms >= 100) {
      return String.format(Locale.ROOT, "%.0f ms", ms);
    }
    return String.format(Locale.ROOT, "%.1f ms", ms);
  }

  /** 5m, 90s, 1h. */
  static String window(Duration window) {
    long s = window.toSeconds();
    if (s % 3600 == 0) {
      return s / 3600 + "h";
    }
    return s % 60 == 0 ? s / 60 + "m" : s + "s";
  }

  private static Double ms(double seconds) {
    return Double.isNaN(seconds) ? null : Math.round(seconds * 1e5) / 100.0;
  }
}
