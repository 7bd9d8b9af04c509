package dev.gearbox.e2e.chart;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import dev.gearbox.e2e.RepoPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/** Lints the chart and checks the objects it renders under several value sets. */
class HelmChartTest {
  private static final Path CHART = RepoPaths.chart();
  private static final String RELEASE = "gb";
  private static final String NAMESPACE = "gearbox-system";
  private static final Set<String> CLUSTER_SCOPED =
      Set.of("ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "Namespace");

  private static RenderedChart render(Map<String, Object> values) {
    return RenderedChart.render(CHART, RELEASE, NAMESPACE, values);
  }

  @Test
  void lintPassesInStrictMode() {
    LintResult result = new Helm(CHART).lint().strict().call();
    assertFalse(result.isFailed(), () -> "helm lint --strict failed: " + result.getMessages());
  }

  @Test
  void operatorPodIsNonRootReadOnlyWithProbesAndLimits() {
    JsonNode pod =
        render(Map.of()).get("Deployment", "gb-gearbox-operator").path("spec").path("template");
    JsonNode podSecurity = pod.path("spec").path("securityContext");
    JsonNode container = pod.path("spec").path("containers").get(0);
    JsonNode security = container.path("securityContext");
    assertAll(
        () -> assertTrue(podSecurity.path("runAsNonRoot").asBoolean(), "runAsNonRoot"),
        () ->
            assertEquals(
                "RuntimeDefault", podSecurity.path("seccompProfile").path("type").asText()),
        () ->
            assertTrue(
                security.path("readOnlyRootFilesystem").asBoolean(), "readOnlyRootFilesystem"),
        () ->
            assertFalse(
                security.path("allowPrivilegeEscalation").asBoolean(true), "privilege escalation"),
        () -> assertEquals("[\"ALL\"]", security.path("capabilities").path("drop").toString()),
        () ->
            assertEquals(
                "/healthz", container.path("livenessProbe").path("httpGet").path("path").asText()),
        () ->
            assertEquals(
                "/readyz", container.path("readinessProbe").path("httpGet").path("path").asText()),
        () ->
            assertEquals(
                "512Mi", container.path("resources").path("limits").path("memory").asText()),
        () ->
            assertEquals("100m", container.path("resources").path("requests").path("cpu").asText()),
        () ->
            assertEquals("/tmp", container.path("volumeMounts").get(0).path("mountPath").asText()),
        () ->
            assertEquals(
                "ghcr.io/gearbox-dev/gearbox-operator:0.1.0", container.path("image").asText()),
        () -> assertEquals("gb-gearbox", pod.path("spec").path("serviceAccountName").asText()));
  }

  @Test
  void operatorIsToldItsNamespacesAndPorts() {
    Map<String, String> env =
        env(
            render(Map.of("image.tag", "1.2.3", "metrics.port", 9100))
                .get("Deployment", "gb-gearbox-operator"));
    assertAll(
        // Cluster scope: an empty list means "watch every namespace".
        () -> assertEquals("", env.get("GEARBOX_WATCH_NAMESPACES")),
        () -> assertEquals("9100", env.get("GEARBOX_METRICS_PORT")),
        () -> assertEquals("8081", env.get("GEARBOX_HEALTH_PORT")),
        () -> assertEquals("true", env.get("GEARBOX_LEADER_ELECTION")));
  }

  @Test
  void imageTagOverridesTheAppVersion() {
    JsonNode container =
        render(Map.of("image.tag", "1.2.3"))
            .get("Deployment", "gb-gearbox-operator")
            .path("spec")
            .path("template")
            .path("spec")
            .path("containers")
            .get(0);
    assertEquals("ghcr.io/gearbox-dev/gearbox-operator:1.2.3", container.path("image").asText());
  }

  @Test
  void clusterScopeGrantsOnlyWhatTheOperatorReconciles() {
    RenderedChart chart = render(Map.of());
    ObjectNode role = chart.get("ClusterRole", "gb-gearbox-operator");
    assertEquals(
        Set.of(
            "gearbox.dev/hybridmodels",
            "gearbox.dev/hybridmodels/status",
            "gearbox.dev/hybridmodels/scale",
            "/pods",
            "apps/deployments",
            "/services",
            "/configmaps",
            "policy/poddisruptionbudgets",
            "/events"),
        grantedResources(role));
    ObjectNode binding = chart.get("ClusterRoleBinding", "gb-gearbox-operator");
    assertEquals("gb-gearbox", binding.path("subjects").get(0).path("name").asText());
    assertEquals(NAMESPACE, binding.path("subjects").get(0).path("namespace").asText());
    // Leader election only needs Leases in the operator's own namespace.
    ObjectNode leases = chart.get("Role", "gb-gearbox-leader-election");
    assertEquals(NAMESPACE, leases.path("metadata").path("namespace").asText());
    assertEquals(Set.of("coordination.k8s.io/leases"), grantedResources(leases));
  }

  @Test
  void noRoleUsesWildcardsOrReadsSecrets() {
    for (RenderedChart chart :
        List.of(render(Map.of()), render(Map.of("rbac.scope", "namespaced")))) {
      for (String kind : List.of("Role", "ClusterRole")) {
        for (ObjectNode role : chart.ofKind(kind)) {
          String name = kind + "/" + role.path("metadata").path("name").asText();
          for (JsonNode rule : role.path("rules")) {
            for (String field : List.of("apiGroups", "resources", "verbs")) {
              for (JsonNode value : rule.path(field)) {
                assertFalse(value.asText().contains("*"), name + " has a wildcard in " + field);
                assertFalse(value.asText().equals("secrets"), name + " grants access to secrets");
              }
            }
          }
        }
      }
    }
  }

  @Test
  void namespacedScopeCreatesNothingClusterWide() {
    RenderedChart chart =
        render(
            Map.of(
                "rbac.scope", "namespaced",
                "rbac.watchNamespaces[0]", "team-a",
                "rbac.watchNamespaces[1]", "team-b"));
    List<String> clusterWide =
        chart.all().stream()
            .filter(o -> CLUSTER_SCOPED.contains(o.path("kind").asText()))
            .map(o -> o.path("kind").asText() + "/" + o.path("metadata").path("name").asText())
            .toList();
    assertEquals(List.of(), clusterWide);
    for (String namespace : List.of("team-a", "team-b")) {
      List<ObjectNode> roles =
          chart.ofKind("Role").stream()
              .filter(r -> r.path("metadata").path("name").asText().equals("gb-gearbox-operator"))
              .filter(r -> r.path("metadata").path("namespace").asText().equals(namespace))
              .toList();
      assertEquals(1, roles.size(), "one operator Role in " + namespace);
      assertTrue(grantedResources(roles.get(0)).contains("gearbox.dev/hybridmodels"));
      assertTrue(
          chart.ofKind("RoleBinding").stream()
              .anyMatch(b -> b.path("metadata").path("namespace").asText().equals(namespace)),
          "RoleBinding in " + namespace);
    }
    assertEquals(
        "team-a,team-b",
        env(chart.get("Deployment", "gb-gearbox-operator")).get("GEARBOX_WATCH_NAMESPACES"));
  }

  @Test
  void namespacedScopeDefaultsToTheReleaseNamespace() {
    RenderedChart chart = render(Map.of("rbac.scope", "namespaced"));
    ObjectNode role = chart.get("Role", "gb-gearbox-operator");
    assertEquals(NAMESPACE, role.path("metadata").path("namespace").asText());
    assertEquals(
        NAMESPACE,
        env(chart.get("Deployment", "gb-gearbox-operator")).get("GEARBOX_WATCH_NAMESPACES"));
  }

  @Test
  void metricsServiceTargetsTheOperatorPods() {
    RenderedChart chart = render(Map.of());
    ObjectNode service = chart.get("Service", "gb-gearbox-metrics");
    JsonNode podLabels =
        chart
            .get("Deployment", "gb-gearbox-operator")
            .path("spec")
            .path("template")
            .path("metadata")
            .path("labels");
    service
        .path("spec")
        .path("selector")
        .fields()
        .forEachRemaining(
            e -> assertEquals(e.getValue(), podLabels.path(e.getKey()), "selector " + e.getKey()));
    assertEquals(8080, service.path("spec").path("ports").get(0).path("port").asInt());
    assertEquals(List.of(), chart.ofKind("ServiceMonitor"), "ServiceMonitor is opt-in");
  }

  @Test
  void serviceMonitorsScrapeOperatorAndModels() {
    RenderedChart chart =
        render(
            Map.of(
                "metrics.serviceMonitor.enabled", true,
                "metrics.serviceMonitor.labels.release", "kube-prometheus",
                "metrics.serviceMonitor.interval", "15s"));
    ObjectNode operator = chart.get("ServiceMonitor", "gb-gearbox-operator");
    ObjectNode models = chart.get("PodMonitor", "gb-gearbox-models");
    assertEquals(
        "kube-prometheus", operator.path("metadata").path("labels").path("release").asText());
    assertEquals("15s", operator.path("spec").path("endpoints").get(0).path("interval").asText());
    // The operator labels serving pods this way (operator/.../desired/Labels).
    assertEquals(
        "gearbox-operator",
        models
            .path("spec")
            .path("selector")
            .path("matchLabels")
            .path("app.kubernetes.io/managed-by")
            .asText());
    assertEquals(
        "hybridmodel",
        models
            .path("spec")
            .path("podMetricsEndpoints")
            .get(0)
            .path("relabelings")
            .get(0)
            .path("targetLabel")
            .asText());
    assertTrue(models.path("spec").path("namespaceSelector").path("any").asBoolean());
    // Both containers' metrics: the router's and the runtime's (ports named by the operator).
    assertEquals(
        Set.of("http", "runtime-metrics"),
        Set.of(
            models.path("spec").path("podMetricsEndpoints").get(0).path("port").asText(),
            models.path("spec").path("podMetricsEndpoints").get(1).path("port").asText()));
  }

  @Test
  void dashboardShowsPerPlacementLatencyKvPressureTrafficAndReplicas() throws Exception {
    ObjectNode configMap = render(Map.of()).get("ConfigMap", "gb-gearbox-dashboard");
    assertEquals("1", configMap.path("metadata").path("labels").path("grafana_dashboard").asText());
    String json = configMap.path("data").path("gearbox.json").asText();
    assertEquals(
        new ObjectMapper().readTree(Files.readString(CHART.resolve("dashboards/gearbox.json"))),
        new ObjectMapper().readTree(json),
        "ConfigMap carries the dashboard file unchanged");
    Map<String, String> exprByTitle = new HashMap<>();
    for (JsonNode panel : new ObjectMapper().readTree(json).path("panels")) {
      exprByTitle.put(
          panel.path("title").asText(),
          StreamSupport.stream(panel.path("targets").spliterator(), false)
              .map(t -> t.path("expr").asText())
              .reduce("", String::concat));
    }
    assertAll(
        () -> assertTrue(exprByTitle.get("TTFT p95 by placement").contains("by (le, placement)")),
        () ->
            assertTrue(
                exprByTitle
                    .get("TPOT p95 by placement")
                    .contains("gearbox_router_tpot_seconds_bucket")),
        () -> assertTrue(exprByTitle.get("Traffic share by placement").contains("by (placement)")),
        () -> assertTrue(exprByTitle.get("KV pressure").contains("gearbox_router_kv_utilization")),
        () -> assertTrue(exprByTitle.get("Replicas").contains("kube_deployment_spec_replicas")));
  }

  @Test
  void dashboardAndMetricsServiceCanBeTurnedOff() {
    RenderedChart chart =
        render(Map.of("dashboard.enabled", false, "metrics.service.enabled", false));
    assertEquals(List.of(), chart.ofKind("ConfigMap"));
    assertEquals(List.of(), chart.ofKind("Service"));
  }

  @Test
  void invalidValuesFailWithTheFieldName() {
    assertMessage(Map.of("rbac.scope", "everything"), "rbac.scope must be");
    assertMessage(
        Map.of("replicaCount", 2, "leaderElection.enabled", false),
        "needs leaderElection.enabled=true");
    assertMessage(
        Map.of("metrics.serviceMonitor.enabled", true, "metrics.service.enabled", false),
        "needs metrics.service.enabled=true");
    assertMessage(Map.of("serviceAccount.create", false), "serviceAccount.name is required");
  }

  private static void assertMessage(Map<String, Object> values, String expected) {
    Exception error = assertThrows(Exception.class, () -> render(values), values::toString);
    assertTrue(
        error.getMessage().contains(expected),
        () -> "expected '" + expected + "' in: " + error.getMessage());
  }

  private static Map<String, String> env(ObjectNode deployment) {
    Map<String, String> env = new HashMap<>();
    for (JsonNode var :
        deployment
            .path("spec")
            .path("template")
            .path("spec")
            .path("containers")
            .get(0)
            .path("env")) {
      env.put(var.path("name").asText(), var.path("value").asText());
    }
    return env;
  }

  /** "apiGroup/resource" for every resource a Role or ClusterRole grants. */
  private static Set<String> grantedResources(ObjectNode role) {
    List<String> granted = new ArrayList<>();
    for (JsonNode rule : role.path("rules")) {
      for (JsonNode group : rule.path("apiGroups")) {
        for (JsonNode resource : rule.path("resources")) {
          granted.add(group.asText() + "/" + resource.asText());
        }
      }
    }
    return Set.copyOf(granted);
  }
}
