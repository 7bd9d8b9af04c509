package dev.gearbox.operator.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.gearbox.crds.HybridModel;
import dev.gearbox.crds.HybridModelSpec;
import dev.gearbox.crds.HybridModelStatus;
import dev.gearbox.crds.ModelSource;
import dev.gearbox.crds.PlacementSpec;
import dev.gearbox.operator.spec.InvalidSpecException;
import dev.gearbox.operator.spec.ResolvedSpec;
import dev.gearbox.operator.spec.SpecResolver;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusFactoryTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final Instant T1 = Instant.parse("2026-01-01T00:05:00Z");

  static HybridModel model() {
    PlacementSpec p = new PlacementSpec();
    p.setName("all-fa");
    p.setLayers("fa*4");
    ModelSource source = new ModelSource();
    source.setUri("pvc://models/x");
    HybridModelSpec spec = new HybridModelSpec();
    spec.setModel(source);
    spec.setPlacements(List.of(p));
    HybridModel m = new HybridModel();
    m.getMetadata().setName("m");
    m.getMetadata().setGeneration(1L);
    m.setSpec(spec);
    return m;
  }

  static Deployment deployment(int ready) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName("m")
        .withGeneration(1L)
        .endMetadata()
        .withNewSpec()
        .withReplicas(1)
        .endSpec()
        .withNewStatus()
        .withObservedGeneration(1L)
        .withReplicas(1)
        .withUpdatedReplicas(1)
        .withReadyReplicas(ready)
        .endStatus()
        .build();
  }

  @Test
  void sameObservationsGiveAnEqualStatusSoNothingIsWritten() throws Exception {
    HybridModel m = model();
    ResolvedSpec r = SpecResolver.resolve(m.getSpec());
    m.setStatus(StatusFactory.compute(m, r, null, deployment(0), T0));
    assertEquals(m.getStatus(), StatusFactory.compute(m, r, null, deployment(0), T1));
  }

  @Test
  void transitionTimeMovesOnlyWhenStatusFlips() throws Exception {
    HybridModel m = model();
    ResolvedSpec r = SpecResolver.resolve(m.getSpec());
    m.setStatus(StatusFactory.compute(m, r, null, deployment(0), T0));
    HybridModelStatus later = StatusFactory.compute(m, r, null, deployment(1), T1);
    assertEquals("True", Conditions.find(later.getConditions(), Conditions.READY).getStatus());
    assertEquals(
        "2026-01-01T00:05:00Z",
        Conditions.find(later.getConditions(), Conditions.READY).getLastTransitionTime());
    assertEquals(
        "2026-01-01T00:00:00Z",
        Conditions.find(later.getConditions(), Conditions.DEGRADED).getLastTransitionTime());
  }

  @Test
  void rejectedSpecKeepsTheLastGoodPlacementsAndSaysWhy() throws Exception {
    HybridModel m = model();
    ResolvedSpec r = SpecResolver.resolve(m.getSpec());
    m.setStatus(StatusFactory.compute(m, r, null, deployment(1), T0));
    m.getMetadata().setGeneration(2L);
    InvalidSpecException invalid = new InvalidSpecException("spec.placements[0].layers", "bad");
    HybridModelStatus status = StatusFactory.compute(m, null, invalid, deployment(1), T1);
    assertEquals(2L, status.getObservedGeneration());
    assertEquals("all-fa", status.getPlacementNames());
    var degraded = Conditions.find(status.getConditions(), Conditions.DEGRADED);
    assertEquals("InvalidSpec", degraded.getReason());
    assertEquals("spec.placements[0].layers: bad", degraded.getMessage());
    // Still serving the previous configuration.
    assertEquals("True", Conditions.find(status.getConditions(), Conditions.READY).getStatus());
  }

  @Test
  void stuckRolloutIsDegraded() throws Exception {
    HybridModel m = model();
    ResolvedSpec r = SpecResolver.resolve(m.getSpec());
    Deployment d = deployment(0);
    d.getStatus()
        .setConditions(
            List.of(
                new io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder()
                    .withType("Progressing")
                    .withStatus("False")
                    .withReason("ProgressDeadlineExceeded")
                    .withMessage("ReplicaSet has timed out progressing")
                    .build()));
    HybridModelStatus status = StatusFactory.compute(m, r, null, d, T0);
    var degraded = Conditions.find(status.getConditions(), Conditions.DEGRADED);
    assertEquals("True", degraded.getStatus());
    assertEquals("ProgressDeadlineExceeded", degraded.getReason());
    assertNotEquals("True", Conditions.find(status.getConditions(), Conditions.READY).getStatus());
  }

  @Test
  void sloMetIsUnknownUntilMeasuredAndAbsentWithoutAnSlo() throws Exception {
    HybridModel m = model();
    ResolvedSpec r = SpecResolver.resolve(m.getSpec());
    HybridModelStatus without = StatusFactory.compute(m, r, null, deployment(1), T0);
    assertEquals(null, Conditions.find(without.getConditions(), Conditions.SLO_MET));
    m.getSpec().setSlo(new dev.gearbox.crds.SloSpec());
    HybridModelStatus with = StatusFactory.compute(m, r, null, deployment(1), T0);
    var slo = Conditions.find(with.getConditions(), Conditions.SLO_MET);
    assertEquals("Unknown", slo.getStatus());
    assertEquals("NotMeasured", slo.getReason());
    assertEquals("Unknown", with.getSloState());
  }
}
