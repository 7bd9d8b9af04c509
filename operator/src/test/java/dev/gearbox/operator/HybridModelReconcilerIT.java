package dev.gearbox.operator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.crds.HybridModel;
import dev.gearbox.crds.HybridModelStatus;
import dev.gearbox.crds.OverridesSpec;
import dev.gearbox.crds.PlacementStatus;
import dev.gearbox.operator.desired.Labels;
import dev.gearbox.operator.desired.ServingConfig;
import dev.gearbox.operator.desired.ServingPod;
import dev.gearbox.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.junit.LocallyRunOperatorExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The reconciler against a real API server: the resources it creates, the status it reports, how
 * spec changes roll the pods, how an unservable spec is reported, and deletion through owner
 * references (garbage collector of a real kube-controller-manager).
 */
class HybridModelReconcilerIT {
  static final Duration WAIT = Duration.ofSeconds(30);

  @RegisterExtension
  static LocallyRunOperatorExtension operator =
      LocallyRunOperatorExtension.builder()
          .withKubernetesClient(TestingControlPlane.get().adminClient())
          .withReconciler(new HybridModelReconciler())
          .withAdditionalCRD(TestingModels.crdFile().toString())
          .oneNamespacePerClass(true)
          // No namespace controller runs by default; do not wait for namespace finalization.
          .waitForNamespaceDeletion(false)
          .build();

  KubernetesClient client() {
    return operator.getKubernetesClient();
  }

  HybridModel create(String name) {
    return operator.create(TestingModels.apriel(name));
  }

  <T extends HasMetadata> T awaitResource(Class<T> type, String name) {
    return await().atMost(WAIT).until(() -> operator.get(type, name), r -> r != null);
  }

  HybridModelStatus awaitStatus(String name, java.util.function.Predicate<HybridModelStatus> ok) {
    return await()
        .atMost(WAIT)
        .until(
            () -> {
              HybridModel m = operator.get(HybridModel.class, name);
              return m == null ? null : m.getStatus();
            },
            s -> s != null && ok.test(s));
  }

  static Condition condition(HybridModelStatus status, String type) {
    Condition c = Conditions.find(status.getConditions(), type);
    assertNotNull(c, type + " condition missing");
    return c;
  }

  @Test
  void createsOwnedDeploymentServiceConfigMapAndPdb() {
    HybridModel model = create("owned");
    String uid = operator.get(HybridModel.class, "owned").getMetadata().getUid();

    Deployment deployment = awaitResource(Deployment.class, "owned");
    Service service = awaitResource(Service.class, "owned");
    ConfigMap config = awaitResource(ConfigMap.class, "owned-config");
    PodDisruptionBudget pdb = awaitResource(PodDisruptionBudget.class, "owned");
    for (HasMetadata owned : List.of(deployment, service, config, pdb)) {
      assertEquals(
          uid,
          owned.getMetadata().getOwnerReferences().getFirst().getUid(),
          owned.getKind() + " is not owned by the HybridModel");
    }

    var pod = deployment.getSpec().getTemplate().getSpec();
    assertEquals(
        List.of(ServingPod.RUNTIME, ServingPod.ROUTER),
        pod.getContainers().stream().map(Container::getName).toList());
    Container runtime = pod.getContainers().getFirst();
    assertEquals("1", runtime.getResources().getLimits().get(ServingPod.GPU).toString());
    assertEquals("16Gi", runtime.getResources().getLimits().get("memory").toString());
    assertNotNull(runtime.getStartupProbe().getGrpc(), "model load gated by gRPC health");
    assertTrue(
        runtime.getVolumeMounts().stream()
            .allMatch(m -> !"model".equals(m.getName()) || m.getReadOnly()));
    assertEquals("models", pod.getVolumes().getFirst().getPersistentVolumeClaim().getClaimName());
    assertTrue(pod.getSecurityContext().getRunAsNonRoot());
    for (Container c : pod.getContainers()) {
      assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem(), c.getName());
      assertNotNull(c.getLifecycle().getPreStop(), c.getName() + " has no preStop drain");
      assertNotNull(c.getReadinessProbe(), c.getName());
    }
    assertEquals(
        ServingConfig.hash(config.getData()),
        deployment.getSpec().getTemplate().getMetadata().getAnnotations().get(Labels.CONFIG_HASH));

    assertEquals(
        List.of(80, 9090, 9000),
        service.getSpec().getPorts().stream().map(p -> p.getPort()).toList());
    assertEquals(Labels.selector(model), service.getSpec().getSelector());
    assertEquals(1, pdb.getSpec().getMaxUnavailable().getIntVal());
    String placements = config.getData().get(ServingConfig.PLACEMENTS_FILE);
    assertTrue(placements.contains("\"attention\", \"gdn\", \"gdn\", \"gdn\""), placements);
  }

  @Test
  void statusReportsPlacementsAndFollowsTheDeployment() {
    create("status");
    HybridModelStatus first =
        awaitStatus(
            "status",
            s ->
                s.getObservedGeneration() != null
                    && s.getObservedGeneration() == 1
                    && Conditions.find(s.getConditions(), Conditions.READY) != null
                    && "ReplicasNotReady"
                        .equals(Conditions.find(s.getConditions(), Conditions.READY).getReason()));
    assertEquals("False", condition(first, Conditions.READY).getStatus());
    assertEquals("True", condition(first, Conditions.PROGRESSING).getStatus());
    assertEquals("False", condition(first, Conditions.DEGRADED).getStatus());
    assertEquals("all-fa,turbo", first.getPlacementNames());
    assertEquals("0/1", first.getReady());
    assertEquals(
        "app.kubernetes.io/name=gearbox,app.kubernetes.io/instance=status", first.getSelector());
    PlacementStatus allFa = first.getPlacements().get(0);
    PlacementStatus turbo = first.getPlacements().get(1);
    // 2 (K and V) x 2 kv heads x 16 head dim x 2 bytes = 128 bytes per attention layer.
    assertEquals(4 * 128L, allFa.kvBytesPerToken());
    assertEquals(128L, turbo.kvBytesPerToken());
    assertEquals(1.0, allFa.relativeCost(), 1e-9);
    assertEquals((1.00 + 3 * 0.09) / 4, turbo.relativeCost(), 1e-3);
    assertEquals("attention,gdn*3", turbo.pattern());

    // Play the kubelet and deployment controller: the one pod loaded its model.
    Deployment deployment = awaitResource(Deployment.class, "status");
    deployment.setStatus(
        new DeploymentStatusBuilder()
            .withObservedGeneration(deployment.getMetadata().getGeneration())
            .withReplicas(1)
            .withUpdatedReplicas(1)
            .withReadyReplicas(1)
            .withAvailableReplicas(1)
            .build());
    client().resource(deployment).updateStatus();

    HybridModelStatus ready =
        awaitStatus("status", s -> Conditions.isTrue(s.getConditions(), Conditions.READY));
    assertEquals("1/1", ready.getReady());
    assertEquals("RolloutComplete", condition(ready, Conditions.PROGRESSING).getReason());
    // Several reconciles later the desired Deployment still matches: no spec rewrite loop.
    assertEquals(1L, operator.get(Deployment.class, "status").getMetadata().getGeneration());
    // Degraded stayed False: its transition time must not move.
    assertEquals(
        condition(first, Conditions.DEGRADED).getLastTransitionTime(),
        condition(ready, Conditions.DEGRADED).getLastTransitionTime());
  }

  @Test
  void specChangeRollsPodsButScalingDoesNot() {
    create("rolling");
    Deployment before = awaitResource(Deployment.class, "rolling");
    String hashBefore =
        before.getSpec().getTemplate().getMetadata().getAnnotations().get(Labels.CONFIG_HASH);

    HybridModel model = operator.get(HybridModel.class, "rolling");
    model.getSpec().getPlacements().add(TestingModels.placement("window", "swa*2,fa*2"));
    operator.replace(model);
    Deployment after =
        await()
            .atMost(WAIT)
            .until(
                () -> operator.get(Deployment.class, "rolling"),
                d ->
                    !hashBefore.equals(
                        d.getSpec()
                            .getTemplate()
                            .getMetadata()
                            .getAnnotations()
                            .get(Labels.CONFIG_HASH)));
    assertTrue(
        operator
            .get(ConfigMap.class, "rolling-config")
            .getData()
            .get(ServingConfig.PLACEMENTS_FILE)
            .contains("\"window\""));
    String hashAfter =
        after.getSpec().getTemplate().getMetadata().getAnnotations().get(Labels.CONFIG_HASH);

    client()
        .resources(HybridModel.class)
        .inNamespace(operator.getNamespace())
        .withName("rolling")
        .scale(3);
    Deployment scaled =
        await()
            .atMost(WAIT)
            .until(
                () -> operator.get(Deployment.class, "rolling"),
                d -> d.getSpec().getReplicas() == 3);
    assertEquals(
        hashAfter,
        scaled.getSpec().getTemplate().getMetadata().getAnnotations().get(Labels.CONFIG_HASH));
  }

  @Test
  void unservableSpecDegradesOnceAndKeepsTheRunningConfiguration() throws InterruptedException {
    create("typo");
    Deployment before = awaitResource(Deployment.class, "typo");
    String hash =
        before.getSpec().getTemplate().getMetadata().getAnnotations().get(Labels.CONFIG_HASH);

    // The schema cannot know mixer names; the operator can.
    HybridModel model = operator.get(HybridModel.class, "typo");
    model.getSpec().getPlacements().get(1).setLayers("fa,gdm*3");
    operator.replace(model);
    HybridModelStatus degraded =
        awaitStatus("typo", s -> Conditions.isTrue(s.getConditions(), Conditions.DEGRADED));
    Condition c = condition(degraded, Conditions.DEGRADED);
    assertEquals("InvalidSpec", c.getReason());
    assertTrue(
        c.getMessage().startsWith("spec.placements[1].layers: unknown mixer 'gdm' at layer 1"),
        c.getMessage());
    assertEquals(2L, degraded.getObservedGeneration());

    List<Event> events = await().atMost(WAIT).until(() -> warnings("typo"), l -> !l.isEmpty());
    assertEquals("InvalidSpec", events.getFirst().getReason());
    assertEquals(c.getMessage(), events.getFirst().getMessage());
    // Give a retry storm time to show itself: status updates and resyncs must not add events.
    Thread.sleep(3000);
    assertEquals(1, warnings("typo").size(), "one rejection, one event");
    assertEquals(
        hash,
        operator
            .get(Deployment.class, "typo")
            .getSpec()
            .getTemplate()
            .getMetadata()
            .getAnnotations()
            .get(Labels.CONFIG_HASH),
        "last good config must keep serving");

    // Fixing the spec clears Degraded.
    model = operator.get(HybridModel.class, "typo");
    model.getSpec().getPlacements().get(1).setLayers("fa,gdn*3");
    operator.replace(model);
    HybridModelStatus fixed =
        awaitStatus(
            "typo",
            s ->
                s.getObservedGeneration() == 3
                    && !Conditions.isTrue(s.getConditions(), Conditions.DEGRADED));
    assertNotEquals(c.getLastTransitionTime(), null);
    assertEquals("AsExpected", condition(fixed, Conditions.DEGRADED).getReason());
  }

  @Test
  void resourceTheApiServerRejectsDegradesWithoutRetry() throws InterruptedException {
    HybridModel model = TestingModels.apriel("badlabel");
    OverridesSpec overrides = new OverridesSpec();
    // The CRD cannot validate label values; the Deployment's pod template can.
    overrides.setPodLabels(Map.of("team", "ml platform"));
    model.getSpec().setOverrides(overrides);
    operator.create(model);
    HybridModelStatus degraded =
        awaitStatus("badlabel", s -> Conditions.isTrue(s.getConditions(), Conditions.DEGRADED));
    Condition c = condition(degraded, Conditions.DEGRADED);
    assertEquals("RejectedByApiServer", c.getReason());
    assertTrue(c.getMessage().contains("ml platform"), c.getMessage());
    List<Event> events = await().atMost(WAIT).until(() -> warnings("badlabel"), l -> !l.isEmpty());
    assertEquals("RejectedByApiServer", events.getFirst().getReason());
    Thread.sleep(3000);
    assertEquals(1, warnings("badlabel").size(), "no retry storm");
  }

  @Test
  void deletingTheModelGarbageCollectsEverythingItOwns() throws Exception {
    TestingControlPlane.get().startGarbageCollector();
    HybridModel model = create("doomed");
    awaitResource(Deployment.class, "doomed");
    awaitResource(Service.class, "doomed");
    awaitResource(ConfigMap.class, "doomed-config");
    awaitResource(PodDisruptionBudget.class, "doomed");
    operator.delete(operator.get(HybridModel.class, "doomed"));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                operator.get(Deployment.class, "doomed") == null
                    && operator.get(Service.class, "doomed") == null
                    && operator.get(ConfigMap.class, "doomed-config") == null
                    && operator.get(PodDisruptionBudget.class, "doomed") == null);
    assertEquals(null, operator.get(HybridModel.class, model.getMetadata().getName()));
  }

  List<Event> warnings(String name) {
    return client()
        .v1()
        .events()
        .inNamespace(operator.getNamespace())
        .withField("involvedObject.name", name)
        .list()
        .getItems()
        .stream()
        .filter(e -> "Warning".equals(e.getType()))
        .toList();
  }
}
