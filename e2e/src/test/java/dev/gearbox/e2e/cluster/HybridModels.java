package dev.gearbox.e2e.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

/**
 * Reads HybridModels through the generic API, by the field paths of the generated CRD, so the suite
 * checks the published contract rather than the operator's Java types.
 */
public final class HybridModels {
  public static final ResourceDefinitionContext CONTEXT =
      new ResourceDefinitionContext.Builder()
          .withGroup("gearbox.dev")
          .withVersion("v1alpha1")
          .withKind("HybridModel")
          .withPlural("hybridmodels")
          .withNamespaced(true)
          .build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private HybridModels() {}

  /** The HybridModel as JSON, or null when it does not exist. */
  public static JsonNode get(KubernetesClient client, String namespace, String name) {
    GenericKubernetesResource model =
        client.genericKubernetesResources(CONTEXT).inNamespace(namespace).withName(name).get();
    return model == null ? null : JSON.valueToTree(model);
  }

  /** The condition of {@code type} in the model's status, or a missing node. */
  public static JsonNode condition(JsonNode model, String type) {
    for (JsonNode condition : model.path("status").path("conditions")) {
      if (type.equals(condition.path("type").asText())) {
        return condition;
      }
    }
    return MissingNode.getInstance();
  }

  /**
   * Null when the operator has seen the current generation and reports Ready=True; otherwise what
   * is still missing, for {@link GearboxCluster#await}.
   */
  public static String notReady(JsonNode model) {
    if (model == null) {
      return "HybridModel does not exist";
    }
    long generation = model.path("metadata").path("generation").asLong();
    long observed = model.path("status").path("observedGeneration").asLong(-1);
    if (observed != generation) {
      return "status.observedGeneration=" + observed + ", metadata.generation=" + generation;
    }
    JsonNode ready = condition(model, "Ready");
    if (!"True".equals(ready.path("status").asText())) {
      return "Ready condition is " + ready;
    }
    return null;
  }

  /**
   * The serving pods of {@code model}, found by {@code status.selector}: the selector the model
   * publishes for the /scale subresource, so HPA and this test count the same pods.
   */
  public static List<Pod> pods(KubernetesClient client, JsonNode model) {
    String selector = model.path("status").path("selector").asText("");
    if (selector.isBlank()) {
      throw new IllegalStateException("status.selector is empty in " + model.path("status"));
    }
    Map<String, String> labels = new LinkedHashMap<>();
    for (String term : selector.split(",")) {
      String[] kv = term.split("=", 2);
      labels.put(kv[0].trim(), kv[1].trim());
    }
    return client
        .pods()
        .inNamespace(model.path("metadata").path("namespace").asText())
        .withLabels(labels)
        .list()
        .getItems();
  }

  /** Names of the placements in the model's status, in order. */
  public static List<String> statusPlacementNames(JsonNode model) {
    return names(model.path("status").path("placements"));
  }

  /** Names of the placements in the model's spec, in order. */
  public static List<String> specPlacementNames(JsonNode model) {
    return names(model.path("spec").path("placements"));
  }

  private static List<String> names(JsonNode placements) {
    return StreamSupport.stream(placements.spliterator(), false)
        .map(p -> p.path("name").asText())
        .toList();
  }

  /** What is still there in {@code namespace} that a HybridModel creates; null if nothing. */
  public static String leftovers(KubernetesClient client, String namespace) {
    List<String> left = new ArrayList<>();
    client
        .apps()
        .deployments()
        .inNamespace(namespace)
        .list()
        .getItems()
        .forEach(d -> left.add("Deployment/" + d.getMetadata().getName()));
    client
        .services()
        .inNamespace(namespace)
        .list()
        .getItems()
        .forEach(s -> left.add("Service/" + s.getMetadata().getName()));
    client.configMaps().inNamespace(namespace).list().getItems().stream()
        .filter(c -> !c.getMetadata().getName().equals("kube-root-ca.crt"))
        .forEach(c -> left.add("ConfigMap/" + c.getMetadata().getName()));
    client
        .policy()
        .v1()
        .podDisruptionBudget()
        .inNamespace(namespace)
        .list()
        .getItems()
        .forEach(p -> left.add("PodDisruptionBudget/" + p.getMetadata().getName()));
    client
        .pods()
        .inNamespace(namespace)
        .list()
        .getItems()
        .forEach(p -> left.add("Pod/" + p.getMetadata().getName()));
    client
        .genericKubernetesResources(CONTEXT)
        .inNamespace(namespace)
        .list()
        .getItems()
        .forEach(m -> left.add("HybridModel/" + m.getMetadata().getName()));
    return left.isEmpty() ? null : "still present: " + left;
  }

  /** Phase, node and scheduling message of every pod in {@code namespace}, for failure messages. */
  public static String podSummary(KubernetesClient client, String namespace) {
    List<String> lines = new ArrayList<>();
    for (Pod pod : client.pods().inNamespace(namespace).list().getItems()) {
      String scheduling =
          pod.getStatus().getConditions().stream()
              .filter(c -> "PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()))
              .map(c -> " (" + c.getMessage() + ")")
              .findFirst()
              .orElse("");
      lines.add(
          pod.getMetadata().getName()
              + " "
              + pod.getStatus().getPhase()
              + " on "
              + pod.getSpec().getNodeName()
              + scheduling);
    }
    return lines.isEmpty() ? "no pods" : String.join("; ", lines);
  }
}
