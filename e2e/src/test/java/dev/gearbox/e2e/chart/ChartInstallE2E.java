package dev.gearbox.e2e.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import dev.gearbox.e2e.RepoPaths;
import dev.gearbox.e2e.cluster.ClusterExtension;
import dev.gearbox.e2e.cluster.GearboxCluster;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The chart installed with Helm on a real API server: objects, CRD and enforced RBAC. */
@ExtendWith(ClusterExtension.class)
class ChartInstallE2E {
  private static final String NS = GearboxCluster.RELEASE_NAMESPACE;
  private static final String SA =
      "system:serviceaccount:" + NS + ":" + GearboxCluster.SERVICE_ACCOUNT;

  private final GearboxCluster gearbox;
  private final KubernetesClient client;

  ChartInstallE2E(GearboxCluster gearbox) {
    this.gearbox = gearbox;
    this.client = gearbox.client();
  }

  @Test
  void releaseIsDeployed() {
    List<Release> releases =
        Helm.list().withKubeConfig(gearbox.cluster().kubeconfig()).withNamespace(NS).call();
    Release release =
        releases.stream()
            .filter(r -> r.getName().equals(GearboxCluster.RELEASE))
            .findFirst()
            .orElseThrow();
    assertEquals("deployed", release.getStatus());
  }

  @Test
  void crdIsEstablishedWithScaleAndStatusSubresources() {
    gearbox.await(
        "CRD hybridmodels.gearbox.dev Established",
        Duration.ofSeconds(30),
        () -> {
          CustomResourceDefinition crd =
              client
                  .apiextensions()
                  .v1()
                  .customResourceDefinitions()
                  .withName("hybridmodels.gearbox.dev")
                  .get();
          if (crd == null) {
            return "CRD not installed";
          }
          boolean established =
              crd.getStatus().getConditions().stream()
                  .anyMatch(c -> c.getType().equals("Established") && c.getStatus().equals("True"));
          return established ? null : "conditions " + crd.getStatus().getConditions();
        });
    var subresources =
        client
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .withName("hybridmodels.gearbox.dev")
            .get()
            .getSpec()
            .getVersions()
            .get(0)
            .getSubresources();
    assertEquals(".spec.replicas", subresources.getScale().getSpecReplicasPath());
    assertNotNull(subresources.getStatus());
  }

  @Test
  void operatorDeploymentIsHardenedAndScheduled() {
    Deployment deployment =
        client
            .apps()
            .deployments()
            .inNamespace(NS)
            .withName(GearboxCluster.OPERATOR_DEPLOYMENT)
            .get();
    var pod = deployment.getSpec().getTemplate().getSpec();
    assertTrue(pod.getSecurityContext().getRunAsNonRoot());
    assertTrue(pod.getContainers().get(0).getSecurityContext().getReadOnlyRootFilesystem());
    assertEquals(GearboxCluster.SERVICE_ACCOUNT, pod.getServiceAccountName());
    // The chart's operator pod is scheduled like any other; kwok then fakes it Running
    // (no container starts), which is why the suite runs the operator itself, outside.
    gearbox.await(
        "operator pod scheduled",
        Duration.ofSeconds(60),
        () -> {
          var pods =
              client
                  .pods()
                  .inNamespace(NS)
                  .withLabel("app.kubernetes.io/component", "operator")
                  .list()
                  .getItems();
          if (pods.isEmpty()) {
            return "no operator pod yet";
          }
          String node = pods.get(0).getSpec().getNodeName();
          return node == null || node.isEmpty() ? "operator pod not bound to a node" : null;
        });
  }

  @Test
  void metricsServiceAndDashboardExist() {
    assertNotNull(client.services().inNamespace(NS).withName("gearbox-metrics").get());
    var dashboard = client.configMaps().inNamespace(NS).withName("gearbox-dashboard").get();
    assertNotNull(dashboard);
    assertTrue(dashboard.getData().get("gearbox.json").contains("TTFT p95 by placement"));
  }

  @Test
  void apiServerEnforcesTheOperatorsRbac() {
    // Asked of the real authorizer: what the chart granted, and nothing more.
    assertTrue(allowed("patch", "gearbox.dev", "hybridmodels", "status", "any-namespace"));
    assertTrue(allowed("create", "apps", "deployments", "", "any-namespace"));
    assertTrue(allowed("patch", "policy", "poddisruptionbudgets", "", "team-a"));
    // Owned resources go away through owner references (the garbage collector), never by the
    // operator; it never writes a HybridModel's spec either.
    assertFalse(allowed("delete", "policy", "poddisruptionbudgets", "", "team-a"));
    assertFalse(allowed("update", "gearbox.dev", "hybridmodels", "", "team-a"));
    assertTrue(allowed("create", "", "events", "", "team-a"));
    assertFalse(allowed("get", "", "secrets", "", "team-a"), "operator must not read Secrets");
    assertFalse(allowed("delete", "", "pods", "", "team-a"), "operator must not delete pods");
    assertFalse(allowed("delete", "", "nodes", "", ""), "operator must not touch nodes");
    assertFalse(
        allowed("update", "apiextensions.k8s.io", "customresourcedefinitions", "", ""),
        "operator must not change CRDs");
  }

  @Test
  void namespacedReleaseIsConfinedToItsNamespace() {
    String namespace = "team-a";
    String release = "gearbox-team-a";
    new Helm(RepoPaths.chart())
        .install()
        .withName(release)
        .withNamespace(namespace)
        .createNamespace()
        .set("rbac.scope", "namespaced")
        .set("dashboard.enabled", false)
        .withKubeConfig(gearbox.cluster().kubeconfig())
        .call();
    try {
      String user = "system:serviceaccount:" + namespace + ":" + release;
      assertTrue(
          allowed(user, namespace, "patch", "gearbox.dev", "hybridmodels", "status", namespace));
      assertTrue(allowed(user, namespace, "create", "apps", "deployments", "", namespace));
      assertFalse(
          allowed(user, namespace, "list", "gearbox.dev", "hybridmodels", "", "team-b"),
          "a namespaced release must not see other namespaces");
      assertFalse(
          allowed(user, namespace, "create", "apps", "deployments", "", "team-b"),
          "a namespaced release must not create in other namespaces");
      var deployment =
          client.apps().deployments().inNamespace(namespace).withName(release + "-operator").get();
      assertEquals(
          namespace,
          deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
              .filter(e -> e.getName().equals("GEARBOX_WATCH_NAMESPACES"))
              .findFirst()
              .orElseThrow()
              .getValue());
    } finally {
      Helm.uninstall(release)
          .withNamespace(namespace)
          .withKubeConfig(gearbox.cluster().kubeconfig())
          .call();
    }
    assertEquals(
        List.of(),
        client.rbac().roles().inNamespace(namespace).list().getItems(),
        "helm uninstall removes the namespaced Roles");
  }

  private boolean allowed(
      String verb, String group, String resource, String subresource, String namespace) {
    return allowed(SA, NS, verb, group, resource, subresource, namespace);
  }

  private boolean allowed(
      String user,
      String saNamespace,
      String verb,
      String group,
      String resource,
      String subresource,
      String namespace) {
    SubjectAccessReview review =
        new SubjectAccessReviewBuilder()
            .withNewSpec()
            .withUser(user)
            .withGroups(
                "system:serviceaccounts",
                "system:serviceaccounts:" + saNamespace,
                "system:authenticated")
            .withNewResourceAttributes()
            .withVerb(verb)
            .withGroup(group)
            .withResource(resource)
            .withSubresource(subresource)
            .withNamespace(namespace)
            .endResourceAttributes()
            .endSpec()
            .build();
    return client
        .authorization()
        .v1()
        .subjectAccessReview()
        .create(review)
        .getStatus()
        .getAllowed();
  }
}
