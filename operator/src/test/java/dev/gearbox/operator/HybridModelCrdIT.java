package dev.gearbox.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.crds.HybridModel;
import dev.gearbox.crds.ImagesSpec;
import dev.gearbox.crds.KvPressureShift;
import dev.gearbox.crds.ModelShape;
import dev.gearbox.crds.RolloutSpec;
import dev.gearbox.crds.RoutingRule;
import dev.gearbox.crds.RuleMatch;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The generated CRD on a real API server: every rule the schema can check rejects a bad HybridModel
 * with a message naming the problem, defaults are filled in, and /scale works.
 */
class HybridModelCrdIT {
  static final String NAMESPACE = "crd-it";
  static final AtomicInteger SEQ = new AtomicInteger();
  static KubernetesClient client;

  @BeforeAll
  static void installCrd() throws Exception {
    client = TestingControlPlane.get().adminClient();
    TestingModels.applyCrd(client);
    client
        .namespaces()
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
        .serverSideApply();
  }

  @AfterAll
  static void close() {
    client.close();
  }

  static MixedOperation<HybridModel, KubernetesResourceList<HybridModel>, Resource<HybridModel>>
      models() {
    return client.resources(HybridModel.class);
  }

  static Stream<Arguments> rejections() {
    return Stream.of(
        reject(
            "duplicate placement names",
            s -> s.getPlacements().get(1).setName("all-fa"),
            "placement names must be unique"),
        reject(
            "unknown default",
            s -> s.getRouting().setDefaultPlacement("nope"),
            "routing.default must name one of spec.placements"),
        reject(
            "rule to unknown placement",
            s -> s.getRouting().getRules().get(0).setPlacement("x"),
            "every routing.rules[].placement must name one of spec.placements"),
        reject(
            "shift to unknown placement",
            s -> {
              KvPressureShift shift = new KvPressureShift();
              shift.setAbove(0.85);
              shift.setShiftTo("missing");
              s.getRouting().setUnderKvPressure(shift);
            },
            "routing.underKvPressure.shiftTo must name one of spec.placements"),
        reject(
            "min above max",
            s -> {
              s.getScaling().setMinReplicas(5);
              s.getScaling().setMaxReplicas(2);
            },
            "scaling.minReplicas must not exceed scaling.maxReplicas"),
        reject(
            "replicas above max",
            s -> s.setReplicas(9),
            "spec.replicas must not exceed scaling.maxReplicas"),
        reject(
            "both layers and mixers",
            s -> s.getPlacements().get(0).setMixers(List.of("fa")),
            "exactly one of 'layers' (a pattern) or 'mixers' (a list)"),
        reject(
            "neither layers nor mixers",
            s -> s.getPlacements().get(0).setLayers(null),
            "exactly one of 'layers' (a pattern) or 'mixers' (a list)"),
        reject(
            "unsupported model uri",
            s -> s.getModel().setUri("s3://bucket/model"),
            "spec.model.uri"),
        reject("missing model", s -> s.setModel(null), "spec.model: Required value"),
        reject("no placements", s -> s.setPlacements(List.of()), "spec.placements"),
        reject(
            "placement name not a DNS label",
            s -> s.getPlacements().get(0).setName("All_FA"),
            "spec.placements[0].name"),
        reject(
            "rollout not ending at 100",
            s -> s.setRollout(rollout(10, 50)),
            "rollout.steps must be percentages in 1..100 and end at 100"),
        reject(
            "rollout not increasing",
            s -> s.setRollout(rollout(50, 10, 100)),
            "rollout.steps must strictly increase"),
        reject(
            "empty rule match",
            s -> s.getRouting().getRules().get(0).setMatch(new RuleMatch()),
            "a rule's match needs at least one of"),
        reject(
            "rule path not absolute",
            s -> s.getRouting().getRules().get(0).getMatch().setPath("v1/completions"),
            "spec.routing.rules[0].match.path"),
        reject(
            "min prompt above max",
            s -> {
              RuleMatch m = s.getRouting().getRules().get(0).getMatch();
              m.setMinPromptTokens(5000L);
              m.setMaxPromptTokens(10L);
            },
            "minPromptTokens must not exceed maxPromptTokens"),
        reject(
            "bad pull policy",
            s -> {
              ImagesSpec images = new ImagesSpec();
              images.setPullPolicy("Sometimes");
              s.setImages(images);
            },
            "images.pullPolicy must be Always, IfNotPresent or Never"),
        reject(
            "kv pressure above 1",
            s -> {
              KvPressureShift shift = new KvPressureShift();
              shift.setAbove(1.5);
              shift.setShiftTo("turbo");
              s.getRouting().setUnderKvPressure(shift);
            },
            "spec.routing.underKvPressure.above"),
        reject(
            "shape without kvHeads",
            s -> s.getModel().getShape().setKvHeads(null),
            "spec.model.shape.kvHeads: Required value"));
  }

  static Arguments reject(
      String what, Consumer<dev.gearbox.crds.HybridModelSpec> change, String expected) {
    return Arguments.of(what, change, expected);
  }

  static RolloutSpec rollout(Integer... steps) {
    RolloutSpec r = new RolloutSpec();
    r.setSteps(List.of(steps));
    return r;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rejections")
  void rejectsWithSpecificMessage(
      String what, Consumer<dev.gearbox.crds.HybridModelSpec> change, String expected) {
    HybridModel model = TestingModels.apriel("bad-" + SEQ.incrementAndGet());
    change.accept(model.getSpec());
    KubernetesClientException e =
        assertThrows(
            KubernetesClientException.class,
            () -> models().inNamespace(NAMESPACE).resource(model).create(),
            what + " was accepted");
    assertEquals(422, e.getCode(), e.getMessage());
    assertTrue(
        e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
  }

  @Test
  void acceptsValidModelAndFillsSchemaDefaults() {
    HybridModel model = TestingModels.apriel("good");
    model.getSpec().setImages(new ImagesSpec());
    model.getSpec().getImages().setRuntime(null);
    model.getSpec().getScaling().setTargetKvUtilization(null);
    model.getSpec().getModel().getShape().setBytesPerElement(null);
    HybridModel created = models().inNamespace(NAMESPACE).resource(model).create();
    assertEquals(0.7, created.getSpec().getScaling().getTargetKvUtilization());
    assertEquals(1, created.getSpec().getReplicas());
    assertEquals(ImagesSpec.DEFAULT_RUNTIME, created.getSpec().getImages().getRuntime());
    ModelShape shape = created.getSpec().getModel().getShape();
    assertEquals(2, shape.getBytesPerElement());
    assertEquals(
        List.of("all-fa", "turbo"),
        created.getSpec().getPlacements().stream().map(p -> p.getName()).toList());
  }

  @Test
  void omittedScalingDefaultsToOneReplica() {
    HybridModel model = TestingModels.apriel("unscaled");
    model.getSpec().setScaling(null);
    HybridModel created = models().inNamespace(NAMESPACE).resource(model).create();
    assertEquals(1, created.getSpec().getScaling().getMinReplicas());
    assertEquals(1, created.getSpec().getScaling().getMaxReplicas());
  }

  @Test
  void kubectlShowsThePrinterColumnsUnderTheShortName() throws Exception {
    models().inNamespace(NAMESPACE).resource(TestingModels.apriel("printed")).create();
    String table = TestingControlPlane.get().kubectl("get", "hm", "printed", "-n", NAMESPACE);
    String header = table.lines().findFirst().orElse("");
    for (String column : List.of("NAME", "PLACEMENTS", "READY", "KV", "SLO", "AGE")) {
      assertTrue(header.contains(column), "missing column " + column + " in: " + table);
    }
    assertTrue(table.contains("printed"), table);
  }

  @Test
  void explicitMixerListIsAccepted() {
    HybridModel model = TestingModels.apriel("explicit");
    model.getSpec().getPlacements().get(1).setLayers(null);
    model.getSpec().getPlacements().get(1).setMixers(List.of("attention", "gdn", "swa", "mamba"));
    HybridModel created = models().inNamespace(NAMESPACE).resource(model).create();
    assertEquals(4, created.getSpec().getPlacements().get(1).getMixers().size());
  }

  @Test
  void scaleSubresourceDrivesSpecReplicasWithinBounds() {
    HybridModel model = TestingModels.apriel("scaled");
    models().inNamespace(NAMESPACE).resource(model).create();
    models().inNamespace(NAMESPACE).withName("scaled").scale(3);
    assertEquals(
        3, models().inNamespace(NAMESPACE).withName("scaled").get().getSpec().getReplicas());
    // Past scaling.maxReplicas the CEL rule rejects the write, even through /scale.
    KubernetesClientException e =
        assertThrows(
            KubernetesClientException.class,
            () -> models().inNamespace(NAMESPACE).withName("scaled").scale(7));
    assertTrue(e.getMessage().contains("spec.replicas must not exceed"), e.getMessage());
  }

  @Test
  void rulesOnlyApplyToTheFieldsTheyName() {
    HybridModel model = TestingModels.apriel("rules");
    RoutingRule longPrompts = new RoutingRule();
    RuleMatch match = new RuleMatch();
    match.setMinPromptTokens(32000L);
    longPrompts.setMatch(match);
    longPrompts.setPlacement("turbo");
    model.getSpec().getRouting().getRules().add(longPrompts);
    model.getSpec().setRollout(rollout(10, 50, 100));
    HybridModel created = models().inNamespace(NAMESPACE).resource(model).create();
    assertEquals(2, created.getSpec().getRouting().getRules().size());
  }
}
