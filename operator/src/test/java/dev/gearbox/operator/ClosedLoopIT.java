package dev.gearbox.operator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.crds.HybridModel;
import dev.gearbox.crds.HybridModelStatus;
import dev.gearbox.crds.ScalingBehavior;
import dev.gearbox.crds.SloSpec;
import dev.gearbox.crds.SloStatus;
import dev.gearbox.operator.autoscale.ClosedLoop;
import dev.gearbox.operator.desired.Labels;
import dev.gearbox.operator.observe.GrpcStatsSource;
import dev.gearbox.operator.observe.LoadObserver;
import dev.gearbox.operator.observe.PodTargets;
import dev.gearbox.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.junit.LocallyRunOperatorExtension;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The closed loop on a real API server: serving pods (created and marked ready by the test, as a
 * kubelet would) point at stub Stats servers on loopback; the operator's observer polls them over
 * gRPC, and status, SloMet, events, spec.replicas, the Deployment and pod deletion costs follow.
 *
 * <p>The same assertions hold for real runtimes: a real-node suite only needs {@link
 * PodTargets#podIp()} (or a port-forward map) in place of {@link #TARGETS}.
 */
class ClosedLoopIT {
  static final Duration WAIT = Duration.ofSeconds(45);
  static final Map<String, String> TARGETS = new ConcurrentHashMap<>();
  static final List<TestingStatsServer> SERVERS = new ArrayList<>();

  @RegisterExtension
  static LocallyRunOperatorExtension operator =
      LocallyRunOperatorExtension.builder()
          .withKubernetesClient(TestingControlPlane.get().adminClient())
          .withReconciler(
              new HybridModelReconciler(
                  Clock.systemUTC(),
                  new ClosedLoop(
                      new LoadObserver(
                          new GrpcStatsSource(),
                          pod -> Optional.ofNullable(TARGETS.get(pod.getMetadata().getName())),
                          Duration.ofMillis(500),
                          Duration.ofMillis(400),
                          Clock.systemUTC()))))
          .withAdditionalCRD(TestingModels.crdFile().toString())
          .oneNamespacePerClass(true)
          .waitForNamespaceDeletion(false)
          .build();

  @AfterAll
  static void stopServers() throws InterruptedException {
    for (TestingStatsServer s : SERVERS) {
      s.close();
    }
  }

  KubernetesClient client() {
    return operator.getKubernetesClient();
  }

  static TestingStatsServer server(String placement) throws Exception {
    TestingStatsServer s = new TestingStatsServer(placement);
    SERVERS.add(s);
    return s;
  }

  /** A model scaling 1..3 with short windows, an SLO over 30 s. */
  static HybridModel model(String name, String mode, int replicas) {
    HybridModel m = TestingModels.apriel(name);
    m.getSpec().setReplicas(replicas);
    m.getSpec().getScaling().setMaxReplicas(3);
    m.getSpec().getScaling().setMode(mode);
    ScalingBehavior behavior = new ScalingBehavior();
    behavior.getScaleUp().setStabilizationWindowSeconds(2);
    behavior.getScaleDown().setStabilizationWindowSeconds(3);
    m.getSpec().getScaling().setBehavior(behavior);
    SloSpec slo = new SloSpec();
    slo.setTtftP95Ms(800);
    slo.setTpotP95Ms(40);
    slo.setWindowSeconds(30);
    m.getSpec().setSlo(slo);
    return m;
  }

  /** A serving pod of {@code model} as the ReplicaSet would create it, made ready as a kubelet would. */
  Pod readyPod(HybridModel model, String name, String target) {
    TARGETS.put(name, target);
    Pod pod =
        client()
            .resource(
                new PodBuilder()
                    .withNewMetadata()
                    .withName(name)
                    .withNamespace(operator.getNamespace())
                    .withLabels(Labels.selector(model))
                    .endMetadata()
                    .withNewSpec()
                    .addNewContainer()
                    .withName("runtime")
                    .withImage("gearbox/runtime:test")
                    .endContainer()
                    .endSpec()
                    .build())
            .create();
    pod.setStatus(
        new io.fabric8.kubernetes.api.model.PodStatusBuilder()
            .withPhase("Running")
            .withPodIP("10.0.0.1")
            .addNewCondition()
            .withType("Ready")
            .withStatus("True")
            .endCondition()
            .build());
    return client().resource(pod).updateStatus();
  }

  HybridModel awaitModel(String name, Predicate<HybridModel> ok) {
    return await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> operator.get(HybridModel.class, name), m -> m != null && ok.test(m));
  }

  static Condition sloMet(HybridModelStatus s) {
    return s == null ? null : Conditions.find(s.getConditions(), Conditions.SLO_MET);
  }

  boolean hasEvent(String object, String reason) {
    return client().v1().events().inNamespace(operator.getNamespace())
        .withField("involvedObject.name", object).list().getItems().stream()
        .anyMatch(e -> reason.equals(e.getReason()));
  }

  @Test
  void livePodsDriveKvSloAndReplicasUpAndBackDown() throws Exception {
    HybridModel model = operator.create(model("loop", "kv", 1));
    await().atMost(WAIT).until(() -> operator.get(Deployment.class, "loop"), d -> d != null);
    TestingStatsServer a = server("all-fa").load(0.95, 0).latency(1.31, 0.02, 50);
    readyPod(model, "loop-a", a.target());

    HybridModel missed =
        awaitModel(
            "loop",
            m -> sloMet(m.getStatus()) != null && "False".equals(sloMet(m.getStatus()).getStatus()));
    Condition c = sloMet(missed.getStatus());
    assertEquals("SloMissed", c.getReason());
    assertTrue(
        c.getMessage().matches("all-fa ttft p95 1\\.\\d\\d s > 800 ms over 30s"), c.getMessage());
    assertEquals("Missed", missed.getStatus().getSloState());
    SloStatus.PlacementSlo observed = missed.getStatus().getSlo().placements().getFirst();
    assertEquals("all-fa", observed.name());
    assertTrue(observed.ttftP95Ms() > 1000 && observed.ttftP95Ms() <= 1500, observed.toString());
    assertEquals(30, missed.getStatus().getSlo().windowSeconds());
    await().atMost(WAIT).until(() -> hasEvent("loop", "SloMissed"));
    // What a user sees: the KV and SLO columns filled from the live pod.
    String table =
        TestingControlPlane.get().kubectl("get", "hm", "loop", "-n", operator.getNamespace());
    assertTrue(table.lines().anyMatch(l -> l.contains("0.95") && l.contains("Missed")), table);

    // Sustained pressure past the 2 s scale-up window: spec.replicas (through /scale) and then
    // the Deployment go to 2.
    HybridModel scaled = awaitModel("loop", m -> m.getSpec().getReplicas() == 2);
    await()
        .atMost(WAIT)
        .until(() -> operator.get(Deployment.class, "loop").getSpec().getReplicas() == 2);
    HybridModel reported =
        awaitModel("loop", m -> m.getStatus().getScaling() != null
            && m.getStatus().getScaling().lastScaleTime() != null);
    assertEquals(0.95, reported.getStatus().getKvUtilization());
    assertEquals("kv", reported.getStatus().getScaling().mode());
    assertTrue(hasEvent("loop", "ScaledUp"));
    assertNotNull(scaled);

    // The new pod serves; the load goes and latency recovers: SloMet flips True, and after the
    // 3 s scale-down window the least-loaded pod is marked cheapest and replicas go back to 1.
    TestingStatsServer b = server("all-fa").load(0.05, 0).latency(0.05, 0.01, 2000);
    readyPod(model, "loop-b", b.target());
    a.load(0.1, 0).latency(0.05, 0.01, 2000);
    awaitModel(
        "loop",
        m -> sloMet(m.getStatus()) != null && "True".equals(sloMet(m.getStatus()).getStatus()));
    await().atMost(WAIT).until(() -> hasEvent("loop", "SloMet"));
    awaitModel("loop", m -> m.getSpec().getReplicas() == 1);
    Map<String, String> costs = new ConcurrentHashMap<>();
    for (String pod : List.of("loop-a", "loop-b")) {
      costs.put(
          pod,
          client().pods().inNamespace(operator.getNamespace()).withName(pod).get()
              .getMetadata().getAnnotations().get(ClosedLoop.DELETION_COST));
    }
    assertEquals("101", costs.get("loop-a"), costs.toString());
    assertEquals("51", costs.get("loop-b"), "the least-loaded pod goes first: " + costs);
    await()
        .atMost(WAIT)
        .until(() -> operator.get(Deployment.class, "loop").getSpec().getReplicas() == 1);
    assertTrue(hasEvent("loop", "ScaledDown"));
  }

  @Test
  void externalModeReportsButNeverWritesReplicas() throws Exception {
    HybridModel model = operator.create(model("ext", "external", 1));
    TestingStatsServer s = server("turbo").load(0.95, 0);
    readyPod(model, "ext-a", s.target());
    HybridModel seen =
        awaitModel(
            "ext",
            m -> m.getStatus() != null && m.getStatus().getScaling() != null
                && Integer.valueOf(2).equals(m.getStatus().getScaling().desired()));
    assertEquals("external", seen.getStatus().getScaling().mode());
    assertTrue(seen.getStatus().getScaling().reason().startsWith("scale up"), seen.getStatus().getScaling().reason());
    Thread.sleep(3000);
    assertEquals(1, operator.get(HybridModel.class, "ext").getSpec().getReplicas());

    // kubectl scale / an HPA / KEDA own the replicas: their value stays.
    client().resources(HybridModel.class).inNamespace(operator.getNamespace()).withName("ext").scale(3);
    await().atMost(WAIT)
        .until(() -> operator.get(Deployment.class, "ext").getSpec().getReplicas() == 3);
    Thread.sleep(3000);
    assertEquals(3, operator.get(HybridModel.class, "ext").getSpec().getReplicas());
  }

  @Test
  void podsThatRefuseOrHangAreCountedAndBlockScaleDown() throws Exception {
    HybridModel model = operator.create(model("dark", "kv", 3));
    TestingStatsServer s = server("all-fa").load(0.2, 0);
    readyPod(model, "dark-a", s.target());
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    readyPod(model, "dark-b", "127.0.0.1:" + closed);
    readyPod(model, "dark-c", server("all-fa").hang().target());
    HybridModel seen =
        awaitModel(
            "dark",
            m -> m.getStatus() != null && m.getStatus().getScaling() != null
                && Integer.valueOf(3).equals(m.getStatus().getScaling().observedPods())
                && Integer.valueOf(2).equals(m.getStatus().getScaling().unreachablePods()));
    assertEquals(0.2, seen.getStatus().getKvUtilization(), "the answering pod only, nothing guessed");
    // Well past the 3 s scale-down window: low load on the pod that answers is not enough.
    Thread.sleep(6000);
    HybridModel later = operator.get(HybridModel.class, "dark");
    assertEquals(3, later.getSpec().getReplicas());
    assertTrue(
        later.getStatus().getScaling().reason().contains("unobserved"),
        later.getStatus().getScaling().reason());
  }
}
