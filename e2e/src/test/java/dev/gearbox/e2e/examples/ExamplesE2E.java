package dev.gearbox.e2e.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gearbox.e2e.RepoPaths;
import dev.gearbox.e2e.cluster.ClusterExtension;
import dev.gearbox.e2e.cluster.CommandResult;
import dev.gearbox.e2e.cluster.FakeGpuNodes;
import dev.gearbox.e2e.cluster.GearboxCluster;
import dev.gearbox.e2e.cluster.HybridModels;
import dev.gearbox.e2e.cluster.ModelStorage;
import dev.gearbox.runtime.placement.PlacementPattern;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every manifest in {@code examples/} on a real API server: it applies with strict field
 * validation, becomes Ready with one status entry per placement, its pods land on GPU nodes with
 * the GPUs it asked for, and deleting it removes everything the operator created.
 */
@ExtendWith(ClusterExtension.class)
class ExamplesE2E {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

  private final GearboxCluster gearbox;
  private final KubernetesClient client;

  ExamplesE2E(GearboxCluster gearbox) {
    this.gearbox = gearbox;
    this.client = gearbox.client();
  }

  static List<Path> manifests() {
    return ExampleManifests.all();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("manifests")
  void appliesBecomesReadyOnGpuNodesAndDeletesCleanly(Path manifest) {
    JsonNode local = ExampleManifests.read(manifest);
    String name = local.path("metadata").path("name").asText();
    String namespace =
        "ex-" + manifest.getFileName().toString().replace(".yaml", "").toLowerCase(Locale.ROOT);
    client
        .namespaces()
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
        .serverSideApply();
    ModelStorage.provide(client, namespace);

    CommandResult applied = gearbox.cluster().apply(manifest, namespace);
    assertTrue(
        applied.ok(), () -> manifest.getFileName() + " no longer applies: " + applied.stderr());

    gearbox.await(
        namespace + "/" + name + " Ready",
        READY_TIMEOUT,
        () -> {
          String notReady = HybridModels.notReady(HybridModels.get(client, namespace, name));
          return notReady == null
              ? null
              : notReady + "; pods: " + HybridModels.podSummary(client, namespace);
        });
    JsonNode model = HybridModels.get(client, namespace, name);

    // One status entry per placement, in spec order, with figures from the resolved layers.
    assertEquals(HybridModels.specPlacementNames(model), HybridModels.statusPlacementNames(model));
    for (int i = 0; i < model.path("spec").path("placements").size(); i++) {
      JsonNode spec = model.path("spec").path("placements").get(i);
      JsonNode status = model.path("status").path("placements").get(i);
      assertEquals(
          PlacementPattern.expand(spec.path("layers").asText()).size(),
          status.path("layers").asInt(),
          "layers of placement " + spec.path("name").asText());
      double cost = status.path("relativeCost").asDouble();
      assertTrue(cost > 0 && cost <= 1.0, "relativeCost of " + spec.path("name") + " = " + cost);
    }

    int gpus = model.path("spec").path("resources").path("gpus").asInt(1);
    // spec.replicas (schema default 1, written by /scale) but never below scaling.minReplicas.
    int replicas =
        Math.max(
            model.path("spec").path("replicas").asInt(1),
            model.path("spec").path("scaling").path("minReplicas").asInt(1));
    List<Pod> pods = HybridModels.pods(client, model);
    assertEquals(replicas, pods.size(), "serving pods of " + name);
    for (Pod pod : pods) {
      String node = pod.getSpec().getNodeName();
      // A CPU-backend model (gpus: 0) may land on any node; a GPU model only on a GPU node.
      assertTrue(
          gpus == 0 || gearbox.gpuNodes().contains(node),
          pod.getMetadata().getName()
              + " runs on "
              + node
              + ", not a GPU node "
              + gearbox.gpuNodes());
      assertEquals("Running", pod.getStatus().getPhase(), pod.getMetadata().getName());
      int podGpus = 0;
      for (Container container : pod.getSpec().getContainers()) {
        Quantity limit =
            container.getResources().getLimits() == null
                ? null
                : container.getResources().getLimits().get(FakeGpuNodes.GPU);
        podGpus += limit == null ? 0 : Integer.parseInt(limit.getAmount());
      }
      assertEquals(gpus, podGpus, "nvidia.com/gpu limits of " + pod.getMetadata().getName());
    }

    client
        .genericKubernetesResources(HybridModels.CONTEXT)
        .inNamespace(namespace)
        .withName(name)
        .delete();
    gearbox.await(
        "everything of " + namespace + "/" + name + " deleted",
        Duration.ofSeconds(60),
        () -> leftovers(namespace));
    client.namespaces().withName(namespace).delete();
    ModelStorage.release(client, namespace);
  }

  private String leftovers(String namespace) {
    return HybridModels.leftovers(client, namespace);
  }

  @Test
  void aMisspeltFieldMakesTheApplyFail(@TempDir Path dir) throws Exception {
    // Proves the check above has teeth: without strict validation the API server would drop
    // the unknown field and an outdated example would still "apply".
    String minimal = Files.readString(RepoPaths.examples().resolve("minimal.yaml"));
    String misspelt = minimal.replace("  placements:", "  placement:");
    assertTrue(!misspelt.equals(minimal), "minimal.yaml has no 'placements:' line to misspell");
    Path manifest = dir.resolve("misspelt.yaml");
    Files.writeString(manifest, misspelt);
    String namespace = "ex-misspelt";
    client
        .namespaces()
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
        .serverSideApply();
    CommandResult applied = gearbox.cluster().apply(manifest, namespace);
    assertTrue(!applied.ok(), "a manifest with spec.placement (misspelt) must not apply");
    assertTrue(applied.stderr().contains("placement"), applied.stderr());
    client.namespaces().withName(namespace).delete();
  }
}
