package dev.gearbox.operator.autoscale;

import dev.gearbox.crds.ScalingSpec;
import dev.gearbox.operator.observe.LatencyWindow;
import dev.gearbox.operator.observe.Round;
import dev.gearbox.runtime.api.v1.LatencyHistogram;
import dev.gearbox.runtime.api.v1.PlacementStats;
import dev.gearbox.runtime.api.v1.StatsResponse;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;

/**
 * SIMULATION, not a cluster run: a fluid load model of serving pods with the router's gear shift,
 * driving the operator's real {@link Autoscaler} (default policy: 10 s rounds, target 0.7,
 * tolerance 0.1, up window 60 s, down window 300 s) and its real {@link LatencyWindow} (TTFT p95
 * from the runtimes' Stats histograms), on a virtual clock. Pods start serving a modeled 45 s after
 * they are added (image cached, weights on a local volume). Writes the replicas, KV utilization,
 * TTFT p95 and shift rate over time to a PNG and prints the time from sustained pressure to the
 * new pod serving.
 *
 * <p>Load model, per pod each second: demand {@code d} (KV the arriving requests would hold if
 * all ran all-FA, in units of one pod's budget). Above {@code 0.85} the router shifts up to 60 %
 * of requests (the batch workloads) to turbo-8x, which holds 1/8 of the KV, just enough to bring
 * utilization back to 0.85; what still does not fit waits for memory (16 requests per full pod,
 * served at 2 per second), and its wait adds to the time to first token (0.25 s unqueued).
 *
 * <p>Run: {@code operator/autoscale-bench.sh} (writes docs/benchmarks/autoscaling.png).
 */
public final class AutoscaleBenchmark {
  static final int ROUND_SECONDS = 10;
  static final int START_SECONDS = 45;
  static final double SHIFT_ABOVE = 0.85;
  static final double SHIFTABLE = 0.6;
  static final double TURBO_KV = 1 / 8.0;
  static final double[] BOUNDS = dev.gearbox.runtime.engine.LatencyHistogram.UPPER_BOUNDS_SECONDS;

  /** Offered load over time, in pods' worth of all-FA KV. */
  static double demand(int t) {
    if (t >= 300 && t < 340) {
      return 1.4; // a 40 s burst: the gear shift's job
    }
    if (t >= 600 && t < 1500) {
      return 2.2; // sustained pressure: the autoscaler's job
    }
    return t < 1500 ? 0.5 : 0.3;
  }

  public static void main(String[] args) throws IOException {
    Path out = Path.of(args.length > 0 ? args[0] : "docs/benchmarks/autoscaling.png");
    int seconds = 2600;
    ScalingSpec spec = new ScalingSpec();
    spec.setMinReplicas(1);
    spec.setMaxReplicas(6);
    ScalingPolicy policy = ScalingPolicy.of(spec);
    Autoscaler autoscaler = new Autoscaler();
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");

    int replicas = 1;
    List<Integer> readyAt = new ArrayList<>(List.of(0));
    // Per pod, parallel to readyAt: cumulative TTFT bucket counts, the total in the last slot.
    List<long[]> podCounts = new ArrayList<>(List.of(new long[BOUNDS.length + 1]));
    Deque<Round> window = new ArrayDeque<>();

    List<Double> time = new ArrayList<>();
    List<Double> replicaSeries = new ArrayList<>();
    List<Double> readySeries = new ArrayList<>();
    List<Double> kvSeries = new ArrayList<>();
    List<Double> ttftSeries = new ArrayList<>();
    List<Double> shiftSeries = new ArrayList<>();
    List<Double> demandSeries = new ArrayList<>();
    int pressureSince = -1;
    int scaleDecision = -1;
    int newPodServing = -1;
    int loadStopped = 1500;
    int firstScaleDown = -1;
    int backAtMin = -1;
    int scaleUps = 0;
    int scaleDowns = 0;
    int burstScales = 0;
    double utilization = 0;
    double shift = 0;
    double waitingPerPod = 0;

    for (int t = 0; t < seconds; t++) {
      int ready = 0;
      for (int at : readyAt) {
        if (at <= t) {
          ready++;
        }
      }
      double perPod = ready == 0 ? 0 : demand(t) / ready;
      shift = 0;
      if (perPod > SHIFT_ABOVE) {
        shift = Math.min(SHIFTABLE, (1 - SHIFT_ABOVE / perPod) / (1 - TURBO_KV));
      }
      double held = perPod * (1 - (1 - TURBO_KV) * shift);
      utilization = Math.min(1, held);
      waitingPerPod = Math.max(0, held - 1) * 16;
      double ttft = 0.25 + waitingPerPod / 2.0;
      // Requests per pod per second: 16 per full pod, each 8 s long (x10 for resolution).
      long finished = Math.round(perPod * 20);
      for (int p = 0; p < readyAt.size(); p++) {
        if (readyAt.get(p) > t) {
          continue;
        }
        long[] counts = podCounts.get(p);
        for (int i = 0; i < BOUNDS.length; i++) {
          if (ttft <= BOUNDS[i]) {
            counts[i] += finished;
          }
        }
        counts[BOUNDS.length] += finished;
      }

      if (pressureSince < 0 && t >= 600 && utilization > policy.target() * (1 + policy.tolerance())) {
        pressureSince = t;
      }
      if (scaleDecision >= 0 && newPodServing < 0 && ready > 1) {
        newPodServing = t;
      }

      if (t % ROUND_SECONDS == 0) {
        Map<String, StatsResponse> answers = new LinkedHashMap<>();
        for (int p = 0; p < readyAt.size(); p++) {
          if (readyAt.get(p) > t) {
            continue;
          }
          answers.put(
              "pod-" + p,
              StatsResponse.newBuilder()
                  .setUtilization(utilization)
                  .setWaiting((int) Math.round(waitingPerPod))
                  .addPlacements(
                      PlacementStats.newBuilder()
                          .setName("all-fa")
                          .setTimeToFirstToken(histogram(podCounts.get(p))))
                  .build());
        }
        Round round = new Round(t0.plusSeconds(t), ready, answers);
        window.addLast(round);
        while (window.peekFirst().at().isBefore(round.at().minusSeconds(60))) {
          window.removeFirst();
        }
        Decision d = autoscaler.decide(policy, replicas, round, round.at());
        if (d.desired() > replicas) {
          scaleUps++;
          if (t < 600) {
            burstScales++;
          }
          if (scaleDecision < 0 && t >= 600) {
            scaleDecision = t;
          }
          for (int i = replicas; i < d.desired(); i++) {
            readyAt.add(t + START_SECONDS);
            podCounts.add(new long[BOUNDS.length + 1]);
          }
        } else if (d.desired() < replicas) {
          scaleDowns++;
          if (firstScaleDown < 0 && t >= loadStopped) {
            firstScaleDown = t;
          }
          readyAt.subList(d.desired(), readyAt.size()).clear();
          podCounts.subList(d.desired(), podCounts.size()).clear();
        }
        replicas = d.desired();
        if (backAtMin < 0 && t >= loadStopped && replicas == policy.minReplicas()) {
          backAtMin = t;
        }
        List<LatencyWindow.Placement> latency = LatencyWindow.of(new ArrayList<>(window));
        time.add((double) t);
        replicaSeries.add((double) replicas);
        readySeries.add((double) ready);
        kvSeries.add(round.utilizationMean());
        demandSeries.add(demand(t));
        ttftSeries.add(latency.isEmpty() ? 0.25 : latency.getFirst().ttftP95Seconds());
        shiftSeries.add(shift * 100);
      }
    }

    System.out.printf(
        Locale.ROOT,
        "AutoscaleBenchmark (SIMULATION: fluid load model, real Autoscaler + LatencyWindow)%n");
    System.out.printf(
        Locale.ROOT,
        "40 s burst at t=300 s (demand 1.4 pods): scale-ups during the burst = %d (absorbed by the"
            + " gear shift, peak shift rate %.0f %%)%n",
        burstScales,
        shiftSeries.subList(30, 35).stream().mapToDouble(Double::doubleValue).max().orElse(0));
    System.out.printf(
        Locale.ROOT,
        "sustained pressure from t=%d s: scale decision at t=%d s (+%d s stabilization), new pod"
            + " serving at t=%d s: %d s from sustained pressure to the new pod serving"
            + " (%d s modeled pod start)%n",
        pressureSince,
        scaleDecision,
        scaleDecision - pressureSince,
        newPodServing,
        newPodServing - pressureSince,
        START_SECONDS);
    System.out.printf(
        Locale.ROOT,
        "load drops at t=%d s: first scale-down at t=%d s (+%d s; window 300 s), back at"
            + " minReplicas at t=%d s; %d scale-ups, %d scale-downs, peak %d replicas%n",
        loadStopped,
        firstScaleDown,
        firstScaleDown - loadStopped,
        backAtMin,
        scaleUps,
        scaleDowns,
        replicaSeries.stream().mapToInt(Double::intValue).max().orElse(0));

    List<XYChart> charts = new ArrayList<>();
    charts.add(chart("SIMULATION (fluid load model, real Autoscaler): replicas (spec) and ready pods", "pods", time,
        Map.of("replicas", replicaSeries, "ready", readySeries, "demand (pods of all-FA KV)", demandSeries)));
    charts.add(chart("KV utilization, mean over ready pods", "utilization", time,
        Map.of("kv", kvSeries)));
    charts.add(chart("TTFT p95 over 60 s, all pods", "seconds", time, Map.of("ttft p95", ttftSeries)));
    charts.add(chart("gear shift rate (requests shifted to turbo-8x)", "%", time,
        Map.of("shifted", shiftSeries)));
    Files.createDirectories(out.toAbsolutePath().getParent());
    BitmapEncoder.saveBitmap(
        new ArrayList<>(charts), 4, 1, out.toString(), BitmapEncoder.BitmapFormat.PNG);
    System.out.println("wrote " + out);
  }

  /** One pod's cumulative histogram as its runtime's Stats reports it. */
  private static LatencyHistogram histogram(long[] counts) {
    LatencyHistogram.Builder b = LatencyHistogram.newBuilder().setCount(counts[BOUNDS.length]);
    for (int i = 0; i < BOUNDS.length; i++) {
      b.addUpperBoundsSeconds(BOUNDS[i]).addCumulativeCounts(counts[i]);
    }
    return b.build();
  }

  private static XYChart chart(
      String title, String yAxis, List<Double> x, Map<String, List<Double>> series) {
    return chart(title, yAxis, x, series, "time (s, simulated)");
  }

  static XYChart chart(
      String title, String yAxis, List<Double> x, Map<String, List<Double>> series, String xAxis) {
    XYChart chart =
        new XYChartBuilder().width(1000).height(260).title(title)
            .xAxisTitle(xAxis).yAxisTitle(yAxis).build();
    chart.getStyler().setMarkerSize(0);
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    for (Map.Entry<String, List<Double>> s : new java.util.TreeMap<>(series).entrySet()) {
      XYSeries line = chart.addSeries(s.getKey(), x, s.getValue());
      line.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    }
    return chart;
  }
}
