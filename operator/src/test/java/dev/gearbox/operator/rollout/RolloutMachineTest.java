package dev.gearbox.operator.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.crds.HybridModelSpec;
import dev.gearbox.crds.ModelSource;
import dev.gearbox.crds.PlacementSpec;
import dev.gearbox.crds.RolloutGateFigures;
import dev.gearbox.crds.RolloutPhase;
import dev.gearbox.crds.RolloutSpec;
import dev.gearbox.crds.RolloutStatus;
import dev.gearbox.crds.RoutingSpec;
import dev.gearbox.operator.rollout.RolloutMachine.GateResult;
import dev.gearbox.operator.rollout.RolloutMachine.Verdict;
import dev.gearbox.operator.spec.InvalidSpecException;
import dev.gearbox.operator.spec.ResolvedSpec;
import dev.gearbox.operator.spec.SpecResolver;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RolloutMachineTest {
  static final Instant T0 = Instant.parse("2026-12-04T10:00:00Z");
  static final RolloutGateFigures FIGURES =
      new RolloutGateFigures(0.978, 0.005, 0.969, 0.988, 0.76, 200, 6400L);
  static final GateResult PASSED = new GateResult(true, FIGURES, "ok");

  static ResolvedSpec spec(boolean rollout, String... nameAndLayers) {
    HybridModelSpec spec = new HybridModelSpec();
    ModelSource source = new ModelSource();
    source.setUri("pvc://models/tiny");
    spec.setModel(source);
    List<PlacementSpec> placements = new ArrayList<>();
    for (int i = 0; i < nameAndLayers.length; i += 2) {
      PlacementSpec p = new PlacementSpec();
      p.setName(nameAndLayers[i]);
      p.setLayers(nameAndLayers[i + 1]);
      placements.add(p);
    }
    spec.setPlacements(placements);
    RoutingSpec routing = new RoutingSpec();
    routing.setDefaultPlacement("all-fa");
    spec.setRouting(routing);
    if (rollout) {
      RolloutSpec r = new RolloutSpec();
      r.setSteps(List.of(10, 50, 100));
      spec.setRollout(r);
    }
    try {
      return SpecResolver.resolve(spec);
    } catch (InvalidSpecException e) {
      throw new AssertionError(e);
    }
  }

  static final Map<String, String> LIVE = Map.of("all-fa", "attention*4");

  @Test
  void addingAPlacementStartsItsGateAgainstTheDefaultWithNoTraffic() {
    RolloutStatus r =
        RolloutMachine.trigger(
            null, LIVE, spec(true, "all-fa", "fa*4", "turbo", "swa*2,fa*2"), T0);
    assertEquals("turbo", r.placement());
    assertEquals("swa*2,attention*2", r.layers());
    assertEquals("all-fa", r.baseline());
    assertNull(r.baselineLayers());
    assertEquals(RolloutPhase.Gating, r.phase());
    assertEquals(0, r.weight());
    assertEquals("2026-12-04T10:00:00Z", r.startedAt());
  }

  @Test
  void changingAPlacementsLayersRollsItOutAgainstItsPreviousLayers() {
    RolloutStatus r =
        RolloutMachine.trigger(
            null,
            Map.of("all-fa", "attention*4", "turbo", "attention,gdn*3"),
            spec(true, "all-fa", "fa*4", "turbo", "swa*2,fa*2"),
            T0);
    assertEquals("turbo.previous", r.baseline());
    assertEquals("attention,gdn*3", r.baselineLayers());
  }

  @Test
  void noRolloutSpecOrAFirstSeenModelStartsNothing() {
    assertNull(
        RolloutMachine.trigger(null, LIVE, spec(false, "all-fa", "fa*4", "turbo", "gdn*4"), T0));
    assertNull(
        RolloutMachine.trigger(null, Map.of(), spec(true, "all-fa", "fa*4", "turbo", "gdn*4"), T0));
  }

  @Test
  void aGoodPlacementGoesThroughEveryStepToPromoted() {
    ResolvedSpec spec = spec(true, "all-fa", "fa*4", "turbo", "swa*2,fa*2");
    RolloutSpec rollout = spec.spec().getRollout();
    RolloutStatus r = RolloutMachine.trigger(null, LIVE, spec, T0);
    assertSame(r, RolloutMachine.step(r, rollout, null, null, T0), "gate still running");
    r = RolloutMachine.step(r, rollout, PASSED, null, T0.plusSeconds(5));
    assertEquals(RolloutPhase.Canary, r.phase());
    assertEquals(FIGURES, r.gate());
    List<Integer> weights = new ArrayList<>();
    weights.add(r.weight());
    for (int i = 0; i < 3; i++) {
      assertSame(r, RolloutMachine.step(r, rollout, null, null, T0), "step still holding");
      r = RolloutMachine.step(r, rollout, null, new Verdict(true, "fine"), T0.plusSeconds(60 * i));
      weights.add(r.weight());
    }
    assertEquals(List.of(10, 50, 100, 100), weights);
    assertEquals(RolloutPhase.Promoted, r.phase());
    assertSame(r, RolloutMachine.trigger(r, LIVE, spec, T0), "a promoted rollout stays put");
  }

  @Test
  void aFailedGateNeverGivesTrafficAndNamesTheFigure() {
    ResolvedSpec spec = spec(true, "all-fa", "fa*4", "bad", "gdn*4");
    RolloutStatus r = RolloutMachine.trigger(null, LIVE, spec, T0);
    r =
        RolloutMachine.step(
            r,
            spec.spec().getRollout(),
            new GateResult(false, FIGURES, "estimated accuracy ratio 0.826 ± 0.047 is below"),
            null,
            T0);
    assertEquals(RolloutPhase.Failed, r.phase());
    assertEquals(0, r.weight());
    assertTrue(r.reason().contains("0.826"), r.reason());
  }

  @Test
  void aMissedStepRollsBackToWeightZeroWithTheFailingFigure() {
    ResolvedSpec spec = spec(true, "all-fa", "fa*4", "turbo", "swa*2,fa*2");
    RolloutSpec rollout = spec.spec().getRollout();
    RolloutStatus r = RolloutMachine.trigger(null, LIVE, spec, T0);
    r = RolloutMachine.step(r, rollout, new GateResult(true, FIGURES, "ok"), null, T0);
    r = RolloutMachine.step(r, rollout, null, new Verdict(true, "fine"), T0);
    r =
        RolloutMachine.step(
            r, rollout, null, new Verdict(false, "TTFT p95 950 ms > slo 800 ms"), T0);
    assertEquals(RolloutPhase.RolledBack, r.phase());
    assertEquals(0, r.weight());
    assertEquals("step 2 at 50%: TTFT p95 950 ms > slo 800 ms", r.reason());
  }

  @Test
  void changingTheLayersMidRolloutRestartsFromTheGateWithTheSameBaseline() {
    ResolvedSpec first = spec(true, "all-fa", "fa*4", "turbo", "swa*2,fa*2");
    Map<String, String> live = Map.of("all-fa", "attention*4", "turbo", "attention,gdn*3");
    RolloutStatus r = RolloutMachine.trigger(null, live, first, T0);
    r = RolloutMachine.step(r, first.spec().getRollout(), PASSED, null, T0);
    // status.placements now shows the first change; the spec changes again.
    Map<String, String> after = Map.of("all-fa", "attention*4", "turbo", "swa*2,attention*2");
    ResolvedSpec second = spec(true, "all-fa", "fa*4", "turbo", "mamba*2,fa*2");
    RolloutStatus superseded = RolloutMachine.trigger(r, after, second, T0.plusSeconds(30));
    assertEquals(RolloutPhase.Gating, superseded.phase());
    assertEquals("mamba*2,attention*2", superseded.layers());
    assertEquals("turbo.previous", superseded.baseline());
    assertEquals("attention,gdn*3", superseded.baselineLayers(), "still what served before");
    assertEquals(
        "RolloutStarted", RolloutController.transition(r, superseded).reason());
    assertTrue(RolloutController.transition(r, superseded).message().contains("supersedes"));
  }

  @Test
  void anUnchangedSpecResumesTheRolloutAtTheSameStep() {
    ResolvedSpec spec = spec(true, "all-fa", "fa*4", "turbo", "swa*2,fa*2");
    RolloutStatus r = RolloutMachine.trigger(null, LIVE, spec, T0);
    r = RolloutMachine.step(r, spec.spec().getRollout(), PASSED, null, T0);
    Map<String, String> live = Map.of("all-fa", "attention*4", "turbo", "swa*2,attention*2");
    assertSame(r, RolloutMachine.trigger(r, live, spec, T0.plusSeconds(3600)));
    assertNull(RolloutController.transition(r, r), "no event without a transition");
  }

  @Test
  void removingTheRolledOutPlacementEndsItsRollout() {
    ResolvedSpec spec = spec(true, "all-fa", "fa*4", "turbo", "swa*2,fa*2");
    RolloutStatus r = RolloutMachine.trigger(null, LIVE, spec, T0);
    Map<String, String> live = Map.of("all-fa", "attention*4", "turbo", "swa*2,attention*2");
    assertNull(RolloutMachine.trigger(r, live, spec(true, "all-fa", "fa*4"), T0));
  }

  @Test
  void revertingTheLayersOfAChangedPlacementEndsItsRollout() {
    Map<String, String> live = Map.of("all-fa", "attention*4", "turbo", "attention,gdn*3");
    ResolvedSpec changed = spec(true, "all-fa", "fa*4", "turbo", "gdn*4");
    RolloutStatus r = RolloutMachine.trigger(null, live, changed, T0);
    r =
        RolloutMachine.step(
            r, changed.spec().getRollout(), new GateResult(false, FIGURES, "no"), null, T0);
    Map<String, String> after = Map.of("all-fa", "attention*4", "turbo", "gdn*4");
    assertNull(
        RolloutMachine.trigger(r, after, spec(true, "all-fa", "fa*4", "turbo", "fa,gdn*3"), T0));
  }
}
