package dev.gearbox.operator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.crds.HybridModel;
import dev.gearbox.operator.process.OperatorSettings;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The operator process as the chart runs it: namespace scoping, probes and metrics. */
class GearboxOperatorIT {
  final HttpClient http = HttpClient.newHttpClient();

  HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesProbesAndMetricsAndWatchesOnlyItsNamespaces() throws Exception {
    KubernetesClient admin = TestingControlPlane.get().adminClient();
    TestingModels.applyCrd(admin);
    for (String ns : Set.of("watched", "ignored")) {
      admin
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .serverSideApply();
    }
    OperatorSettings settings = new OperatorSettings(Set.of("watched"), 0, 0, false, null, "info");
    try (GearboxOperator running =
        GearboxOperator.start(settings, TestingControlPlane.get().adminClient())) {
      int health = running.endpoints().healthPort();
      assertEquals(200, get(health, "/healthz").statusCode());
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> get(health, "/readyz").statusCode() == 200);

      admin.resource(TestingModels.apriel("seen")).inNamespace("watched").create();
      admin.resource(TestingModels.apriel("unseen")).inNamespace("ignored").create();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  admin.resources(HybridModel.class).inNamespace("watched").withName("seen").get(),
              m -> m.getStatus() != null);
      String metrics = get(running.endpoints().metricsPort(), "/metrics").body();
      assertTrue(metrics.contains("operator_sdk_reconciliations"), metrics);
      assertEquals(
          null,
          admin
              .resources(HybridModel.class)
              .inNamespace("ignored")
              .withName("unseen")
              .get()
              .getStatus(),
          "a namespace outside GEARBOX_WATCH_NAMESPACES must be left alone");
    }
  }
}
