package dev.gearbox.operator;

import dev.gearbox.crds.HybridModel;
import dev.gearbox.crds.HybridModelSpec;
import dev.gearbox.crds.ModelShape;
import dev.gearbox.crds.ModelSource;
import dev.gearbox.crds.PlacementSpec;
import dev.gearbox.crds.RoutingRule;
import dev.gearbox.crds.RoutingSpec;
import dev.gearbox.crds.RuleMatch;
import dev.gearbox.crds.ScalingSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Small valid HybridModels for tests, and the committed CRD they are checked against. */
final class TestingModels {
  private TestingModels() {}

  static PlacementSpec placement(String name, String layers) {
    PlacementSpec p = new PlacementSpec();
    p.setName(name);
    p.setLayers(layers);
    return p;
  }

  /** A 4-layer model with an all-attention and a turbo placement, routing batch to turbo. */
  static HybridModel apriel(String name) {
    ModelSource source = new ModelSource();
    source.setUri("pvc://models/apriel2-tiny");
    ModelShape shape = new ModelShape();
    shape.setLayers(4);
    shape.setKvHeads(2);
    shape.setHeadDim(16);
    source.setShape(shape);

    RuleMatch match = new RuleMatch();
    match.setWorkload("batch");
    RoutingRule rule = new RoutingRule();
    rule.setMatch(match);
    rule.setPlacement("turbo");
    RoutingSpec routing = new RoutingSpec();
    routing.setDefaultPlacement("all-fa");
    routing.setRules(new ArrayList<>(List.of(rule)));

    ScalingSpec scaling = new ScalingSpec();
    scaling.setMinReplicas(1);
    scaling.setMaxReplicas(4);

    HybridModelSpec spec = new HybridModelSpec();
    spec.setModel(source);
    spec.setPlacements(
        new ArrayList<>(List.of(placement("all-fa", "fa*4"), placement("turbo", "fa,gdn*3"))));
    spec.setRouting(routing);
    spec.setScaling(scaling);

    HybridModel model = new HybridModel();
    model.setMetadata(new ObjectMetaBuilder().withName(name).build());
    model.setSpec(spec);
    return model;
  }

  /** Path of the committed, generated CRD. */
  static Path crdFile() {
    return Path.of(
        System.getProperty("gearbox.crd.file", "../crds/hybridmodels.gearbox.dev-v1.yml"));
  }

  /** Applies the committed CRD and waits until the API server serves it. */
  static void applyCrd(KubernetesClient client) throws IOException {
    CustomResourceDefinition crd;
    try (InputStream in = new FileInputStream(crdFile().toFile())) {
      crd = client.apiextensions().v1().customResourceDefinitions().load(in).item();
    }
    client.resource(crd).serverSideApply();
    client
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .withName(crd.getMetadata().getName())
        .waitUntilCondition(
            c ->
                c.getStatus() != null
                    && c.getStatus().getConditions().stream()
                        .anyMatch(
                            k -> "Established".equals(k.getType()) && "True".equals(k.getStatus())),
            30,
            TimeUnit.SECONDS);
  }
}
