package dev.gearbox.operator.autoscale;

import dev.gearbox.crds.ScalingSpec;
import dev.gearbox.operator.observe.GrpcStatsSource;
import dev.gearbox.operator.observe.LatencyWindow;
import dev.gearbox.operator.observe.LoadObserver;
import dev.gearbox.operator.observe.Round;
import dev.gearbox.runtime.api.v1.GenerateRequest;
import dev.gearbox.runtime.api.v1.GenerateResponse;
import dev.gearbox.runtime.api.v1.RuntimeGrpc;
import dev.gearbox.runtime.api.v1.StatsRequest;
import dev.gearbox.runtime.api.v1.StatsResponse;
import dev.gearbox.runtime.api.v1.TokenIds;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * LOOPBACK RUN with real runtime processes: every "pod" is a real {@code gearbox serve} JVM on
 * 127.0.0.1 with the bundled gearbox-tiny model (CPU backend, 6 MiB decode-state budget), polled
 * by the operator's real {@link LoadObserver} over gRPC and scaled by its real {@link Autoscaler};
 * a bounded load generator plays the Service and the router (least-utilized runtime; the router's
 * gear shift: above KV utilization 0.85, batch requests (60 %) go to the turbo placement). Time is
 * compressed: 1 s rounds, scale-up window 8 s, scale-down window 20 s. Requests: 192 prompt
 * tokens, 64 generated; the turbo placement {@code attention,gdn*3} holds about a third of the
 * all-FA state at that length. No Kubernetes: "pod
 * start" is the runtime JVM starting and loading the model until it answers Stats.
 *
 * <p>Run: {@code operator/autoscale-bench.sh loopback} (writes docs/benchmarks/autoscaling-loopback.png).
 */
public final class LoopbackAutoscaleBenchmark {
  static final Duration ROUND = Duration.ofSeconds(1);
  static final double SHIFT_ABOVE = 0.85;

  /** One runtime process standing in for a pod. */
  static final class RuntimePod {
    final String name;
    final Process process;
    final ManagedChannel channel;
    final long startedNanos = System.nanoTime();
    volatile long servingNanos;
    volatile boolean draining;
    volatile double utilization;

    RuntimePod(String name, Process process, int port) {
      this.name = name;
      this.process = process;
      this.channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    boolean serving() {
      return servingNanos > 0 && !draining;
    }
  }

  final List<RuntimePod> pods = new CopyOnWriteArrayList<>();
  final Map<String, String> targets = new ConcurrentHashMap<>();
  final AtomicInteger concurrency = new AtomicInteger();
  final AtomicLong started = new AtomicLong();
  final AtomicLong shifted = new AtomicLong();
  final AtomicLong rejected = new AtomicLong();
  final AtomicInteger nextPod = new AtomicInteger();
  final Path model;
  final String budget;

  LoopbackAutoscaleBenchmark(Path model, String budget) {
    this.model = model;
    this.budget = budget;
  }

  /** Offered concurrency over time (seconds). */
  static int load(long t) {
    if (t >= 20 && t < 23) {
      return 24; // 3 s burst: the gear shift's job
    }
    if (t >= 40 && t < 95) {
      return 24; // sustained pressure
    }
    return t < 95 ? 3 : 2;
  }

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "docs/benchmarks/autoscaling-loopback.png");
    LoopbackAutoscaleBenchmark bench =
        new LoopbackAutoscaleBenchmark(Path.of("examples/models/gearbox-tiny"), "6m");
    try {
      bench.run(out, 150);
    } finally {
      bench.stopAll();
    }
    System.exit(0);
  }

  void run(Path out, int seconds) throws Exception {
    ScalingSpec spec = new ScalingSpec();
    spec.setMinReplicas(1);
    spec.setMaxReplicas(3);
    ScalingPolicy defaults = ScalingPolicy.of(spec);
    ScalingPolicy policy =
        new ScalingPolicy(false, 1, 3, defaults.target(), defaults.tolerance(),
            defaults.maxWaitingPerPod(), Duration.ofSeconds(8), 4, Duration.ofSeconds(20), 1);
    LoadObserver observer =
        new LoadObserver(
            new GrpcStatsSource(),
            pod -> Optional.ofNullable(targets.get(pod.getMetadata().getName())),
            ROUND,
            Duration.ofMillis(500),
            Clock.systemUTC());
    observer.track("bench", "tiny", this::readyPods, Duration.ofSeconds(30));
    Autoscaler autoscaler = new Autoscaler();

    startPod();
    awaitServing(Duration.ofSeconds(60));
    concurrency.set(load(0));
    List<Thread> workers = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      int index = i;
      workers.add(Thread.ofVirtual().start(() -> work(index)));
    }

    Series s = new Series();
    int replicas = 1;
    Instant lastRound = null;
    long t0 = System.nanoTime();
    long pressureSince = -1;
    long scaleAt = -1;
    long servingAt = -1;
    long loadDrop = 95;
    long firstDown = -1;
    int ups = 0;
    int downs = 0;
    int burstUps = 0;
    long lastStarted = 0;
    double startSeconds = Double.NaN;
    List<RuntimePod> answering = new ArrayList<>();
    long lastShifted = 0;
    for (long t = 0; t < seconds; t++) {
      concurrency.set(load(t));
      // As the reconciler does on every pass: keeps the model tracked.
      observer.track("bench", "tiny", this::readyPods, Duration.ofSeconds(30));
      Thread.sleep(Math.max(0, t0 + (t + 1) * 1_000_000_000L - System.nanoTime()) / 1_000_000);
      List<Round> rounds = observer.rounds("bench", "tiny");
      Round round = rounds.isEmpty() ? null : rounds.getLast();
      if (round != null) {
        for (RuntimePod p : pods) {
          StatsResponse r = round.answers().get(p.name);
          if (r != null) {
            p.utilization = r.getUtilization();
          }
        }
      }
      if (pressureSince < 0 && t >= 40 && round != null
          && round.utilizationMean() > policy.target() * (1 + policy.tolerance())) {
        pressureSince = t;
      }
      for (RuntimePod p : answering) {
        if (servingAt < 0 && p.servingNanos > 0) {
          servingAt = (p.servingNanos - t0) / 1_000_000_000L;
          startSeconds = (p.servingNanos - p.startedNanos) / 1e9;
        }
      }
      if (round != null && !round.at().equals(lastRound)) {
        lastRound = round.at();
        Decision d = autoscaler.decide(policy, replicas, round, round.at());
        if (d.desired() > replicas) {
          ups++;
          if (t < 40) {
            burstUps++;
          }
          if (scaleAt < 0 && t >= 40) {
            scaleAt = t;
          }
          for (int i = replicas; i < d.desired(); i++) {
            RuntimePod added = startPod();
            if (scaleAt == t) {
              answering.add(added);
            }
          }
          System.out.printf(Locale.ROOT, "t=%3d s  %d -> %d  %s%n", t, replicas, d.desired(), d.reason());
        } else if (d.desired() < replicas) {
          downs++;
          if (firstDown < 0 && t >= loadDrop) {
            firstDown = t;
          }
          drainLeastLoaded();
          System.out.printf(Locale.ROOT, "t=%3d s  %d -> %d  %s%n", t, replicas, d.desired(), d.reason());
        }
        replicas = d.desired();
      }
      List<Round> last10 = new ArrayList<>();
      for (Round r : rounds) {
        if (round != null && !r.at().isBefore(round.at().minusSeconds(10))) {
          last10.add(r);
        }
      }
      double ttft = Double.NaN;
      for (LatencyWindow.Placement p : LatencyWindow.of(last10)) {
        if (Double.isNaN(ttft) || p.ttftP95Seconds() > ttft) {
          ttft = p.ttftP95Seconds();
        }
      }
      long st = started.get();
      long sh = shifted.get();
      s.add(t, replicas, (int) pods.stream().filter(RuntimePod::serving).count(),
          round == null ? Double.NaN : round.utilizationMean(), ttft,
          st == lastStarted ? 0 : 100.0 * (sh - lastShifted) / (st - lastStarted), load(t));
      lastStarted = st;
      lastShifted = sh;
    }
    concurrency.set(0);
    for (Thread w : workers) {
      w.join(30_000);
    }
    observer.close();

    System.out.printf(Locale.ROOT,
        "LoopbackAutoscaleBenchmark (real runtime processes on loopback, real LoadObserver +"
            + " Autoscaler; compressed windows: up 8 s, down 20 s, 1 s rounds)%n");
    System.out.printf(Locale.ROOT,
        "3 s burst at t=20 s (24 clients): %d scale-ups, peak shift rate %.0f %%%n",
        burstUps, s.maxShift(20, 26));
    System.out.printf(Locale.ROOT,
        "sustained pressure from t=%d s: scale decision at t=%d s (+%d s), new runtime serving at"
            + " t=%d s: %d s from sustained pressure to the new runtime serving (%.1f s JVM start +"
            + " model load, measured)%n",
        pressureSince, scaleAt, scaleAt - pressureSince, servingAt, servingAt - pressureSince,
        startSeconds);
    System.out.printf(Locale.ROOT,
        "load drops at t=%d s: first scale-down at t=%d s (+%d s; window 20 s); %d scale-ups, %d"
            + " scale-downs; %d requests, %d shifted, %d rejected (RESOURCE_EXHAUSTED)%n",
        loadDrop, firstDown, firstDown - loadDrop, ups, downs, started.get(), shifted.get(),
        rejected.get());
    s.plot(out, "LOOPBACK, real runtime processes");
    System.out.println("wrote " + out);
  }

  List<Pod> readyPods() {
    List<Pod> ready = new ArrayList<>();
    for (RuntimePod p : pods) {
      if (p.servingNanos > 0 && !p.draining) {
        ready.add(
            new PodBuilder().withNewMetadata().withName(p.name).endMetadata()
                .withNewStatus().addNewCondition().withType("Ready").withStatus("True")
                .endCondition().endStatus().build());
      }
    }
    return ready;
  }

  RuntimePod startPod() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process =
        new ProcessBuilder(
                java, "--add-modules", "jdk.incubator.vector", "-Xmx256m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"),
                "dev.gearbox.runtime.cli.Main", "serve", "--model", model.toString(),
                "--placement", "all-fa=attention*4",
                "--placement", "turbo=attention,gdn*3",
                "--port", Integer.toString(port), "--metrics-port", "0",
                "--memory-budget", budget, "--max-waiting", "64")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    RuntimePod pod = new RuntimePod("pod-" + nextPod.getAndIncrement(), process, port);
    targets.put(pod.name, "127.0.0.1:" + port);
    pods.add(pod);
    Thread.ofVirtual().start(() -> probe(pod));
    return pod;
  }

  /** Marks the pod serving once it answers Stats: the readiness a kubelet would see. */
  void probe(RuntimePod pod) {
    while (pod.process.isAlive()) {
      try {
        RuntimeGrpc.newBlockingStub(pod.channel)
            .withDeadlineAfter(300, TimeUnit.MILLISECONDS)
            .stats(StatsRequest.getDefaultInstance());
        pod.servingNanos = System.nanoTime();
        return;
      } catch (StatusRuntimeException e) {
        try {
          Thread.sleep(100);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  void awaitServing(Duration limit) throws InterruptedException {
    long end = System.nanoTime() + limit.toNanos();
    while (pods.getFirst().servingNanos == 0) {
      if (System.nanoTime() > end) {
        throw new IllegalStateException("the first runtime did not serve within " + limit);
      }
      Thread.sleep(100);
    }
  }

  /** Scale-down: the least-utilized pod takes no new requests, drains, then stops. */
  void drainLeastLoaded() {
    RuntimePod victim = null;
    for (RuntimePod p : pods) {
      if (p.serving() && (victim == null || p.utilization < victim.utilization)) {
        victim = p;
      }
    }
    if (victim == null) {
      return;
    }
    RuntimePod v = victim;
    v.draining = true;
    Thread.ofVirtual().start(() -> {
      long end = System.nanoTime() + 20_000_000_000L;
      while (System.nanoTime() < end) {
        try {
          StatsResponse r = RuntimeGrpc.newBlockingStub(v.channel)
              .withDeadlineAfter(300, TimeUnit.MILLISECONDS)
              .stats(StatsRequest.getDefaultInstance());
          if (r.getRunning() + r.getWaiting() == 0) {
            break;
          }
          Thread.sleep(200);
        } catch (Exception e) {
          break;
        }
      }
      stop(v);
      pods.remove(v);
    });
  }

  /** One client: while its index is under the offered concurrency, one request after another. */
  void work(int index) {
    Random random = new Random(index);
    while (true) {
      int c = concurrency.get();
      if (c == 0) {
        return; // the run is over
      }
      if (index >= c) {
        sleep(100);
        continue;
      }
      RuntimePod target = null;
      for (RuntimePod p : pods) {
        if (p.serving() && (target == null || p.utilization < target.utilization)) {
          target = p;
        }
      }
      if (target == null) {
        sleep(100);
        continue;
      }
      boolean batch = random.nextDouble() < 0.6;
      String placement = "all-fa";
      if (batch && target.utilization > SHIFT_ABOVE) {
        placement = "turbo";
        shifted.incrementAndGet();
      }
      started.incrementAndGet();
      TokenIds.Builder prompt = TokenIds.newBuilder();
      for (int i = 0; i < 192; i++) {
        prompt.addIds(3 + random.nextInt(2000));
      }
      try {
        Iterator<GenerateResponse> it =
            RuntimeGrpc.newBlockingStub(target.channel)
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .generate(GenerateRequest.newBuilder().setPlacement(placement)
                    .setPromptTokenIds(prompt).setMaxTokens(64).build());
        while (it.hasNext()) {
          it.next();
        }
      } catch (StatusRuntimeException e) {
        rejected.incrementAndGet();
        sleep(200);
      }
    }
  }

  boolean anyServing() {
    return pods.stream().anyMatch(RuntimePod::serving);
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  void stop(RuntimePod p) {
    p.channel.shutdownNow();
    p.process.destroy();
    try {
      if (!p.process.waitFor(10, TimeUnit.SECONDS)) {
        p.process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      p.process.destroyForcibly();
    }
  }

  void stopAll() {
    for (RuntimePod p : pods) {
      stop(p);
    }
  }

  /** The recorded time series and the plot. */
  final class Series {
    final List<Double> time = new ArrayList<>();
    final Map<String, List<Double>> pods = new LinkedHashMap<>();
    final List<Double> kv = new ArrayList<>();
    final List<Double> ttft = new ArrayList<>();
    final List<Double> shift = new ArrayList<>();
    void add(long t, int replicas, int serving, double kvMean, double ttftP95, double shiftPct,
        int clients) {
      time.add((double) t);
      pods.computeIfAbsent("replicas", k -> new ArrayList<>()).add((double) replicas);
      pods.computeIfAbsent("serving runtimes", k -> new ArrayList<>()).add((double) serving);
      pods.computeIfAbsent("clients / 8", k -> new ArrayList<>()).add(clients / 8.0);
      kv.add(Double.isNaN(kvMean) ? 0 : kvMean);
      ttft.add(Double.isNaN(ttftP95) ? 0 : ttftP95);
      shift.add(shiftPct);
    }

    double maxShift(int from, int to) {
      double max = 0;
      for (int i = from; i < Math.min(to, shift.size()); i++) {
        max = Math.max(max, shift.get(i));
      }
      return max;
    }

    void plot(Path out, String label) throws IOException {
      List<org.knowm.xchart.XYChart> charts = new ArrayList<>();
      charts.add(AutoscaleBenchmark.chart(label + ": replicas and serving runtimes", "pods",
          time, pods, "time (s, wall clock)"));
      charts.add(AutoscaleBenchmark.chart("KV utilization, mean over serving runtimes",
          "utilization", time, Map.of("kv", kv), "time (s, wall clock)"));
      charts.add(AutoscaleBenchmark.chart("TTFT p95 over 10 s (worst placement), from Stats",
          "seconds", time, Map.of("ttft p95", ttft), "time (s, wall clock)"));
      charts.add(AutoscaleBenchmark.chart("gear shift rate (batch requests sent to turbo)", "%",
          time, Map.of("shifted", shift), "time (s, wall clock)"));
      java.nio.file.Files.createDirectories(out.toAbsolutePath().getParent());
      org.knowm.xchart.BitmapEncoder.saveBitmap(new ArrayList<>(charts), 4, 1, out.toString(),
          org.knowm.xchart.BitmapEncoder.BitmapFormat.PNG);
    }
  }
}
