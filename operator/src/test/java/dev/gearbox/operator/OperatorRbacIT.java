package dev.gearbox.operator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.crds.HybridModel;
import dev.gearbox.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.Operator;
import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.file.Path;
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
    operator = new Operator(o -> o.withKubernetesClient(asOperator));
    operator.register(new HybridModelReconciler());
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
  void cannotTouchWhatItDoesNotNeed() {
    KubernetesClientException secrets =
        assertThrows(
            KubernetesClientException.class,
            () -> asOperator.secrets().inNamespace(NAMESPACE).list());
    assertEquals(403, secrets.getCode());
    KubernetesClientException pods =
        assertThrows(
            KubernetesClientException.class, () -> asOperator.pods().inNamespace(NAMESPACE).list());
    assertEquals(403, pods.getCode());
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
