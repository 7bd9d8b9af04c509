package dev.gearbox.operator.observe;

import dev.gearbox.crds.HybridModel;
import dev.gearbox.operator.rollout.CanaryMetrics;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Canary figures from the closed loop's observation rounds: the rounds taken since the step began,
 * reduced per placement by {@link LatencyWindow}, the same windowed p95 that SloMet reports.
 *
 * <p>The runtime's Stats carry no per-placement failure count yet, so {@code errors} is always 0:
 * a canary is judged on latency against {@code spec.slo}, not on its error rate.
 */
public final class ObservedCanaryMetrics implements CanaryMetrics {
  private final LoadObserver observer;

  public ObservedCanaryMetrics(LoadObserver observer) {
    this.observer = observer;
  }

  @Override
  public Optional<Window> observe(HybridModel model, String placement, Instant since) {
    List<Round> rounds =
        observer.rounds(model.getMetadata().getNamespace(), model.getMetadata().getName()).stream()
            .filter(r -> !r.at().isBefore(since))
            .toList();
    // One round is a snapshot of cumulative counters; a window needs two.
    if (rounds.size() < 2) {
      return Optional.empty();
    }
    return Optional.of(
        LatencyWindow.of(rounds).stream()
            .filter(p -> p.name().equals(placement))
            .findFirst()
            .map(
                p ->
                    new Window(
                        p.samples(), 0, millis(p.ttftP95Seconds()), millis(p.tpotP95Seconds())))
            .orElse(new Window(0, 0, null, null)));
  }

  private static Double millis(double seconds) {
    return Double.isNaN(seconds) ? null : seconds * 1000;
  }
}
