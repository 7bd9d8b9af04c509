package dev.gearbox.operator;

import dev.gearbox.crds.HybridModel;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Reconciles N HybridModels (default 200) on a real API server and prints reconcile latency
 * percentiles, the operator's heap, and ratios to a plain API round trip measured in the same run.
 * Run with operator/bench.sh; not a test, nothing is asserted.
 */
public final class ReconcileBenchmark {
  /** Reconciler that records how long each reconcile (workflow and status included) takes. */
  static final class TimedReconciler extends HybridModelReconciler {
    final ConcurrentLinkedQueue<Long> nanos = new ConcurrentLinkedQueue<>();

    @Override
    public UpdateControl<HybridModel> reconcile(HybridModel model, Context<HybridModel> context) {
      long start = System.nanoTime();
      try {
        return super.reconcile(model, context);
      } finally {
        nanos.add(System.nanoTime() - start);
      }
    }
  }

  public static void main(String[] args) {
    // The API server's log pumps are non-daemon threads: exit explicitly, also on failure.
    try {
      run(args);
      System.exit(0);
    } catch (Throwable t) {
      t.printStackTrace();
      System.exit(1);
    }
  }

  static void run(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    String ns = "bench";
    TestingControlPlane plane = TestingControlPlane.get();
    KubernetesClient admin = plane.adminClient();
    TestingModels.applyCrd(admin);
    admin
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .serverSideApply();

    // Baseline in the same run: a GET round trip to the same API server.
    admin.namespaces().withName(ns).get();
    List<Long> gets = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      long t = System.nanoTime();
      admin.namespaces().withName(ns).get();
      gets.add(System.nanoTime() - t);
    }

    long heapBefore = usedHeapAfterGc();
    TimedReconciler reconciler = new TimedReconciler();
    KubernetesClient operatorClient = plane.adminClient();
    Operator operator = new Operator(o -> o.withKubernetesClient(operatorClient));
    operator.register(reconciler);
    operator.start();

    long t0 = System.nanoTime();
    for (int i = 0; i < count; i++) {
      admin.resource(TestingModels.apriel("m" + i)).inNamespace(ns).create();
    }
    long created = System.nanoTime();
    awaitObservedGeneration(admin, ns, count, 1);
    long settled = System.nanoTime();
    List<Long> createPhase = new ArrayList<>(reconciler.nanos);
    reconciler.nanos.clear();

    // Steady state: every model gets a spec change (new placement) and rolls its config.
    long t1 = System.nanoTime();
    for (int i = 0; i < count; i++) {
      HybridModel m = admin.resources(HybridModel.class).inNamespace(ns).withName("m" + i).get();
      m.getSpec().getPlacements().add(TestingModels.placement("window", "swa*2,fa*2"));
      admin.resource(m).inNamespace(ns).update();
    }
    awaitObservedGeneration(admin, ns, count, 2);
    long updated = System.nanoTime();
    List<Long> updatePhase = new ArrayList<>(reconciler.nanos);
    long heapAfter = usedHeapAfterGc();

    double getP50 = percentile(gets, 50);
    System.out.printf(
        "HybridModels: %d, API server %s, %d cores%n",
        count, TestingControlPlane.VERSION, Runtime.getRuntime().availableProcessors());
    System.out.printf(
        "API GET round trip: p50 %.2f ms, p99 %.2f ms%n", getP50, percentile(gets, 99));
    report("create", createPhase, (created - t0), (settled - t0), count, getP50);
    report("spec change", updatePhase, 0, (updated - t1), count, getP50);
    System.out.printf(
        "operator heap after GC: %.1f MiB before start, %.1f MiB with %d models"
            + " (%.1f KiB per model incl. informer caches of 5 kinds)%n",
        heapBefore / 1048576.0,
        heapAfter / 1048576.0,
        count,
        (heapAfter - heapBefore) / 1024.0 / count);
    operator.stop();
    admin.close();
  }

  static void report(
      String phase,
      List<Long> nanos,
      long submitNanos,
      long settleNanos,
      int count,
      double getP50) {
    System.out.printf(
        "%s: %d reconciles for %d models, reconcile p50 %.2f ms, p95 %.2f ms, p99 %.2f ms,"
            + " max %.2f ms (p99 = %.1fx a GET); all observed after %.2f s (%.1f models/s)%n",
        phase,
        nanos.size(),
        count,
        percentile(nanos, 50),
        percentile(nanos, 95),
        percentile(nanos, 99),
        percentile(nanos, 100),
        percentile(nanos, 99) / getP50,
        settleNanos / 1e9,
        count / (settleNanos / 1e9));
  }

  static void awaitObservedGeneration(
      KubernetesClient client, String ns, int count, long generation) throws InterruptedException {
    long deadline = System.nanoTime() + 600_000_000_000L;
    while (System.nanoTime() < deadline) {
      long done =
          client.resources(HybridModel.class).inNamespace(ns).list().getItems().stream()
              .filter(
                  m ->
                      m.getStatus() != null
                          && m.getStatus().getObservedGeneration() != null
                          && m.getStatus().getObservedGeneration() >= generation)
              .count();
      if (done == count) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("models not reconciled within 10 minutes");
  }

  static double percentile(List<Long> nanos, int p) {
    List<Long> sorted = new ArrayList<>(nanos);
    Collections.sort(sorted);
    int index = Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1);
    return sorted.get(Math.max(index, 0)) / 1e6;
  }

  static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
