package dev.gearbox.operator.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.crds.HybridModel;
import dev.gearbox.crds.RolloutPhase;
import dev.gearbox.crds.RolloutStatus;
import dev.gearbox.operator.desired.DeploymentDependent;
import dev.gearbox.operator.desired.ServingConfig;
import dev.gearbox.operator.spec.ResolvedSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a rollout writes into the serving config, and that weights never touch the pods. */
class RolloutTrafficTest {
  static HybridModel model(ResolvedSpec spec) {
    HybridModel m = new HybridModel();
    m.setMetadata(new ObjectMetaBuilder().withName("tiny").withNamespace("ns").build());
    m.setSpec(spec.spec());
    return m;
  }

  static RolloutStatus canary(int weight) {
    return new RolloutStatus(
        "turbo", "swa*2,attention*2", "turbo.previous", "attention,gdn*3", RolloutPhase.Canary,
        0, weight, null, "r", "2026-12-04T10:00:00Z", "2026-12-04T10:00:00Z");
  }

  @Test
  void theRouterGetsTheWeightAndTheRuntimeThePreviousLayers() {
    ResolvedSpec spec =
        RolloutMachineTest.spec(true, "all-fa", "fa*4", "turbo", "swa*2,fa*2");
    Map<String, String> files = ServingConfig.files(model(spec), spec, canary(50));
    String router = files.get(ServingConfig.ROUTER_FILE);
    assertTrue(
        router.replaceAll("\\s", "")
            .contains(
                "\"canaries\":[{\"baseline\":\"turbo.previous\",\"placement\":\"turbo\","
                    + "\"weight\":50}]"),
        router);
    String placements = files.get(ServingConfig.PLACEMENTS_FILE);
    assertTrue(
        placements.replaceAll("\\s", "")
            .contains("{\"name\":\"turbo.previous\",\"pattern\":\"attention,gdn*3\"}"),
        placements);
  }

  @Test
  void aWeightChangeChangesTheConfigMapButNotThePodTemplate() {
    ResolvedSpec spec =
        RolloutMachineTest.spec(true, "all-fa", "fa*4", "turbo", "swa*2,fa*2");
    HybridModel model = model(spec);
    assertNotEquals(
        ServingConfig.files(model, spec, canary(10)), ServingConfig.files(model, spec, canary(50)));
    assertEquals(
        DeploymentDependent.build(model, spec, canary(10)).getSpec().getTemplate(),
        DeploymentDependent.build(model, spec, canary(50)).getSpec().getTemplate());
    RolloutStatus promoted = canary(100).at(RolloutPhase.Promoted, 2, 100, "done", "t");
    assertEquals(
        DeploymentDependent.build(model, spec, canary(10)).getSpec().getTemplate(),
        DeploymentDependent.build(model, spec, promoted).getSpec().getTemplate(),
        "promotion keeps the previous layers loaded, so it does not roll the pods either");
    assertFalse(
        ServingConfig.files(model, spec, promoted)
            .get(ServingConfig.ROUTER_FILE)
            .contains("canaries"));
  }
}
