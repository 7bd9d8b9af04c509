package dev.gearbox.operator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.crds.HybridModel;
import dev.gearbox.operator.autoscale.ClosedLoop;
import dev.gearbox.operator.observe.GrpcStatsSource;
import dev.gearbox.operator.observe.LoadObserver;
import dev.gearbox.operator.observe.PodTargets;
import dev.gearbox.operator.process.OperatorSettings;
import dev.gearbox.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs the operator as the ServiceAccount of operator/deploy/rbac.yaml, watching all namespaces: if
 * a verb is missing from the ClusterRole, reconciling fails here.
 */
class OperatorRbacIT {
  static final String NAMESPACE = "rbac-it";
  static final Duration WAIT = Duration.ofSeconds(30);
  static KubernetesClient admin;
  static KubernetesClient asOperator;
  static Operator operator;

  @BeforeAll
  static void startOperatorWithItsOwnRbac() throws Exception {
    TestingControlPlane plane = TestingControlPlane.get();
    admin = plane.adminClient();
    TestingModels.applyCrd(admin);
    for (String ns : List.of("gearbox-system", NAMESPACE)) {
      admin
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .serverSideApply();
    }
    try (InputStream in = new FileInputStream(Path.of("deploy/rbac.yaml").toFile())) {
      admin.load(in).serverSideApply();
    }
    asOperator = plane.clientAs("gearbox-system", "gearbox-operator");
    // Leader election on, as the chart runs it: the Lease rules are part of what is proven.
    operator =
        new Operator(
            o ->
                o.withKubernetesClient(asOperator)
                    .withLeaderElectionConfiguration(
                        // In production losing the lease exits the process; here the test
                        // JVM must survive operator.stop().
                        LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(
                                OperatorSettings.LEASE_NAME)
                            .withLeaseNamespace("gearbox-system")
                            .withExitOnStopLeading(false)
                            .build()));
    // With the closed loop, so listing pods, patching their deletion cost and /scale are proven.
    operator.register(
        new HybridModelReconciler(
            Clock.systemUTC(),
            new ClosedLoop(
                new LoadObserver(
                    new GrpcStatsSource(),
                    PodTargets.podIp(),
                    Duration.ofMillis(500),
                    Duration.ofMillis(200),
                    Clock.systemUTC()))));
    operator.start();
  }

  @AfterAll
  static void stop() {
    operator.stop();
    admin.close();
  }

  <T extends HasMetadata> T awaitOwned(Class<T> type, String name) {
    return await()
        .atMost(WAIT)
        .until(
            () -> admin.resources(type).inNamespace(NAMESPACE).withName(name).get(),
            r -> r != null);
  }

  @Test
  void reconcilesAndReportsWithOnlyItsClusterRole() {
    admin.resource(TestingModels.apriel("least")).inNamespace(NAMESPACE).create();
    awaitOwned(Deployment.class, "least");
    awaitOwned(Service.class, "least");
    awaitOwned(ConfigMap.class, "least-config");
    awaitOwned(PodDisruptionBudget.class, "least");
    HybridModel model =
        await()
            .atMost(WAIT)
            .until(
                () ->
                    admin
                        .resources(HybridModel.class)
                        .inNamespace(NAMESPACE)
                        .withName("least")
                        .get(),
                m ->
                    m.getStatus() != null
                        && Conditions.find(m.getStatus().getConditions(), Conditions.READY)
                            != null);
    assertEquals("all-fa,turbo", model.getStatus().getPlacementNames());

    // The rejection path writes an Event: also covered by the role.
    model.getSpec().getPlacements().get(1).setLayers("fa,gdn*2");
    admin.resource(model).inNamespace(NAMESPACE).update();
    await()
        .atMost(WAIT)
        .until(
            () ->
                admin
                    .v1()
                    .events()
                    .inNamespace(NAMESPACE)
                    .withField("involvedObject.name", "least")
                    .list()
                    .getItems()
                    .stream()
                    .anyMatch(e -> "InvalidSpec".equals(e.getReason())));
  }

  @Test
  void holdsTheLeaderLease() {
    var lease =
        await()
            .atMost(WAIT)
            .until(
                () ->
                    admin
                        .leases()
                        .inNamespace("gearbox-system")
                        .withName(OperatorSettings.LEASE_NAME)
                        .get(),
                l -> l != null && l.getSpec().getHolderIdentity() != null);
    assertTrue(lease.getSpec().getLeaseDurationSeconds() > 0);
  }

  @Test
  void canReadPodsAndScaleThroughTheScaleSubresource() {
    admin.resource(TestingModels.apriel("scaled")).inNamespace(NAMESPACE).create();
    assertTrue(asOperator.pods().inNamespace(NAMESPACE).list().getItems().isEmpty());
    asOperator.resources(HybridModel.class).inNamespace(NAMESPACE).withName("scaled").scale(2);
    assertEquals(
        2,
        admin
            .resources(HybridModel.class)
            .inNamespace(NAMESPACE)
            .withName("scaled")
            .get()
            .getSpec()
            .getReplicas());
  }

  @Test
  void cannotTouchWhatItDoesNotNeed() {
    KubernetesClientException secrets =
        assertThrows(
            KubernetesClientException.class,
            () -> asOperator.secrets().inNamespace(NAMESPACE).list());
    assertEquals(403, secrets.getCode());
    KubernetesClientException pods =
        assertThrows(
            KubernetesClientException.class,
            () ->
                asOperator
                    .pods()
                    .inNamespace(NAMESPACE)
                    .resource(
                        new PodBuilder()
                            .withNewMetadata()
                            .withName("forged")
                            .endMetadata()
                            .withNewSpec()
                            .addNewContainer()
                            .withName("c")
                            .withImage("x")
                            .endContainer()
                            .endSpec()
                            .build())
                    .create());
    assertEquals(403, pods.getCode(), "pods are read and annotated, never created");
    KubernetesClientException spec =
        assertThrows(
            KubernetesClientException.class,
            () ->
                asOperator
                    .resources(HybridModel.class)
                    .inNamespace(NAMESPACE)
                    .resource(TestingModels.apriel("forged"))
                    .create());
    assertTrue(spec.getCode() == 403, spec.getMessage());
  }
}
