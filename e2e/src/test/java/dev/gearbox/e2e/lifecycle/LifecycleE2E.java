package dev.gearbox.e2e.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gearbox.e2e.RepoPaths;
import dev.gearbox.e2e.cluster.ClusterExtension;
import dev.gearbox.e2e.cluster.CommandResult;
import dev.gearbox.e2e.cluster.GearboxCluster;
import dev.gearbox.e2e.cluster.HybridModels;
import dev.gearbox.e2e.cluster.ModelStorage;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Day-2 operations on the Apriel2 supernet example, in the order a user does them: scale with
 * kubectl, add a placement, make two bad edits, delete. Each step starts from the state the
 * previous one left, like a real cluster.
 */
@ExtendWith(ClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LifecycleE2E {
  private static final String NS = "lifecycle";
  private static final String NAME = "apriel";
  private static final Duration TIMEOUT = Duration.ofSeconds(90);

  private final GearboxCluster gearbox;
  private final KubernetesClient client;

  LifecycleE2E(GearboxCluster gearbox) {
    this.gearbox = gearbox;
    this.client = gearbox.client();
  }

  @BeforeAll
  void applySupernet() {
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .serverSideApply();
    ModelStorage.provide(client, NS);
    gearbox.cluster().apply(RepoPaths.examples().resolve("apriel2-supernet.yaml"), NS).orThrow();
    awaitReadyAndRolledOut(1);
  }

  @Test
  @Order(1)
  void kubectlScaleGoesThroughTheScaleSubresource() {
    kubectl("scale", "hybridmodel/" + NAME, "--replicas=3").orThrow();
    assertEquals(3, model().path("spec").path("replicas").asInt(), "spec.replicas after scale");
    awaitReadyAndRolledOut(3);
    // What HPA/KEDA read: the scale subresource reports the pods the operator runs.
    JsonNode scale =
        json(
            kubectl("get", "hybridmodel/" + NAME, "--subresource=scale", "-o", "json")
                .orThrow()
                .stdout());
    assertEquals(3, scale.path("spec").path("replicas").asInt());
    assertEquals(3, scale.path("status").path("replicas").asInt());
    assertEquals(
        model().path("status").path("selector").asText(),
        scale.path("status").path("selector").asText());
    for (Pod pod : pods()) {
      assertTrue(
          gearbox.gpuNodes().contains(pod.getSpec().getNodeName()), pod.getMetadata().getName());
    }
  }

  @Test
  @Order(2)
  void scalingPastMaxReplicasIsRejected() {
    long generation = model().path("metadata").path("generation").asLong();
    CommandResult result = kubectl("scale", "hybridmodel/" + NAME, "--replicas=9");
    assertFalse(result.ok(), "scaling to 9 with scaling.maxReplicas=4 must be refused");
    assertTrue(result.stderr().contains("must not exceed scaling.maxReplicas"), result.stderr());
    assertEquals(generation, model().path("metadata").path("generation").asLong());
  }

  @Test
  @Order(3)
  void addingAPlacementRollsOutNewPods() {
    Set<String> before = podUids();
    String hashBefore = configHash();
    kubectl(
            "patch",
            "hybridmodel/" + NAME,
            "--type=json",
            "-p",
            "[{\"op\":\"add\",\"path\":\"/spec/placements/-\","
                + "\"value\":{\"name\":\"kda-mix\",\"layers\":\"fa,kda*3 x6\"}}]")
        .orThrow();
    gearbox.await(
        "placement kda-mix in status",
        TIMEOUT,
        () -> {
          JsonNode model = model();
          String notReady = HybridModels.notReady(model);
          if (notReady != null) {
            return notReady;
          }
          List<String> names = HybridModels.statusPlacementNames(model);
          return names.contains("kda-mix") ? null : "status placements " + names;
        });
    awaitReadyAndRolledOut(3);
    assertFalse(configHash().equals(hashBefore), "pod template must change with the placements");
    Set<String> after = podUids();
    assertTrue(
        after.stream().noneMatch(before::contains),
        "every serving pod must be replaced by the rollout; kept "
            + after.stream().filter(before::contains).toList());
    String config =
        client.configMaps().inNamespace(NS).withName(NAME + "-config").get().getData().toString();
    assertTrue(config.contains("kda-mix"), "serving ConfigMap lists the new placement: " + config);
  }

  @Test
  @Order(4)
  void editTheApiCanCheckIsRejectedAndPodsStay() {
    Set<String> before = podUids();
    long generation = model().path("metadata").path("generation").asLong();
    CommandResult result =
        kubectl(
            "patch",
            "hybridmodel/" + NAME,
            "--type=merge",
            "-p",
            "{\"spec\":{\"routing\":{\"default\":\"no-such-placement\"}}}");
    assertFalse(result.ok(), "a routing default naming no placement must be refused");
    assertTrue(
        result.stderr().contains("routing.default must name one of spec.placements"),
        result.stderr());
    assertEquals(generation, model().path("metadata").path("generation").asLong());
    assertEquals(before, podUids(), "a refused edit must not touch the pods");
  }

  @Test
  @Order(5)
  void editOnlyTheOperatorCanCheckIsReportedDegradedAndPodsStay() {
    Set<String> before = podUids();
    Deployment deploymentBefore = deployment();
    kubectl(
            "patch",
            "hybridmodel/" + NAME,
            "--type=json",
            "-p",
            "[{\"op\":\"add\",\"path\":\"/spec/placements/-\","
                + "\"value\":{\"name\":\"broken\",\"layers\":\"fa,warp*3 x6\"}}]")
        .orThrow();
    gearbox.await(
        "Degraded=True for the unknown mixer",
        TIMEOUT,
        () -> {
          JsonNode model = model();
          JsonNode degraded = HybridModels.condition(model, "Degraded");
          boolean current =
              model.path("status").path("observedGeneration").asLong()
                  == model.path("metadata").path("generation").asLong();
          return current && "True".equals(degraded.path("status").asText())
              ? null
              : "Degraded condition " + degraded;
        });
    JsonNode degraded = HybridModels.condition(model(), "Degraded");
    assertEquals("InvalidSpec", degraded.path("reason").asText());
    assertTrue(degraded.path("message").asText().contains("warp"), degraded.toString());
    assertEquals(
        "True",
        HybridModels.condition(model(), "Ready").path("status").asText(),
        "the previous configuration keeps serving");
    gearbox.await(
        "Warning event InvalidSpec",
        Duration.ofSeconds(30),
        () ->
            client.v1().events().inNamespace(NS).list().getItems().stream()
                    .anyMatch(
                        e -> "InvalidSpec".equals(e.getReason()) && "Warning".equals(e.getType()))
                ? null
                : "no InvalidSpec Warning event in " + NS);
    assertEquals(before, podUids(), "a rejected spec must not touch the pods");
    assertEquals(
        deploymentBefore.getMetadata().getGeneration(), deployment().getMetadata().getGeneration());

    // Fixing the spec clears Degraded.
    // all-fa, swa-mix, turbo-8x, kda-mix, broken: the "test" op guards the index.
    kubectl(
            "patch",
            "hybridmodel/" + NAME,
            "--type=json",
            "-p",
            "[{\"op\":\"test\",\"path\":\"/spec/placements/4/name\",\"value\":\"broken\"},"
                + "{\"op\":\"remove\",\"path\":\"/spec/placements/4\"}]")
        .orThrow();
    gearbox.await(
        "Degraded=False after the fix",
        TIMEOUT,
        () -> {
          JsonNode condition = HybridModels.condition(model(), "Degraded");
          return "False".equals(condition.path("status").asText()) ? null : "Degraded " + condition;
        });
    assertEquals(
        List.of("all-fa", "swa-mix", "turbo-8x", "kda-mix"),
        HybridModels.statusPlacementNames(model()));
  }

  @Test
  @Order(6)
  void deletingTheModelRemovesEverythingItCreated() {
    kubectl("delete", "hybridmodel/" + NAME, "--wait=false").orThrow();
    gearbox.await(
        "everything of " + NS + "/" + NAME + " deleted",
        Duration.ofSeconds(60),
        () -> HybridModels.leftovers(client, NS));
    client.namespaces().withName(NS).delete();
    ModelStorage.release(client, NS);
  }

  private void awaitReadyAndRolledOut(int replicas) {
    gearbox.await(
        NS + "/" + NAME + " ready with " + replicas + " up-to-date pods",
        TIMEOUT,
        () -> {
          JsonNode model = model();
          String notReady = HybridModels.notReady(model);
          if (notReady != null) {
            return notReady + "; pods: " + HybridModels.podSummary(client, NS);
          }
          Deployment deployment = deployment();
          var status = deployment.getStatus();
          if (deployment.getSpec().getReplicas() != replicas
              || !Integer.valueOf(replicas).equals(status.getUpdatedReplicas())
              || !Integer.valueOf(replicas).equals(status.getReadyReplicas())
              || !Integer.valueOf(replicas).equals(status.getReplicas())) {
            return "Deployment spec " + deployment.getSpec().getReplicas() + ", status " + status;
          }
          List<Pod> pods = pods();
          long running =
              pods.stream()
                  .filter(
                      p ->
                          "Running".equals(p.getStatus().getPhase())
                              && p.getMetadata().getDeletionTimestamp() == null)
                  .count();
          if (pods.size() != replicas || running != replicas) {
            return pods.size() + " pods, " + running + " running";
          }
          return model.path("status").path("replicas").asInt() == replicas
              ? null
              : "status.replicas=" + model.path("status").path("replicas");
        });
  }

  private CommandResult kubectl(String... args) {
    String[] withNamespace = new String[args.length + 2];
    System.arraycopy(args, 0, withNamespace, 0, args.length);
    withNamespace[args.length] = "-n";
    withNamespace[args.length + 1] = NS;
    return gearbox.cluster().kubectl(withNamespace);
  }

  private JsonNode model() {
    return HybridModels.get(client, NS, NAME);
  }

  private Deployment deployment() {
    return client.apps().deployments().inNamespace(NS).withName(NAME).get();
  }

  private List<Pod> pods() {
    return HybridModels.pods(client, model());
  }

  private Set<String> podUids() {
    return pods().stream().map(p -> p.getMetadata().getUid()).collect(Collectors.toSet());
  }

  private String configHash() {
    var annotations = deployment().getSpec().getTemplate().getMetadata().getAnnotations();
    return annotations == null ? "" : String.valueOf(annotations.get("gearbox.dev/config-hash"));
  }

  private static JsonNode json(String text) {
    try {
      return new ObjectMapper().readTree(text);
    } catch (java.io.IOException e) {
      throw new AssertionError("not JSON: " + text, e);
    }
  }
}
