package dev.gearbox.operator.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.gearbox.crds.HybridModelSpec;
import dev.gearbox.crds.ModelShape;
import dev.gearbox.crds.ModelSource;
import dev.gearbox.crds.PlacementSpec;
import dev.gearbox.crds.RoutingSpec;
import dev.gearbox.crds.ScalingSpec;
import dev.gearbox.runtime.placement.MixerKind;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpecResolverTest {

  static PlacementSpec pattern(String name, String layers) {
    PlacementSpec p = new PlacementSpec();
    p.setName(name);
    p.setLayers(layers);
    return p;
  }

  static HybridModelSpec spec(PlacementSpec... placements) {
    ModelSource source = new ModelSource();
    source.setUri("pvc://models/apriel");
    HybridModelSpec spec = new HybridModelSpec();
    spec.setModel(source);
    spec.setPlacements(new ArrayList<>(List.of(placements)));
    return spec;
  }

  @Test
  void expandsTheDesignDocTurboPatternTo50Layers() throws Exception {
    ResolvedSpec resolved =
        SpecResolver.resolve(
            spec(pattern("all-fa", "fa*50"), pattern("turbo-8x", "fa,gdn*3 x12, fa, gdn")));
    ResolvedPlacement turbo = resolved.placements().get(1);
    assertEquals(50, turbo.layers());
    assertEquals(13, turbo.count(MixerKind.FULL_ATTENTION));
    assertEquals(37, turbo.count(MixerKind.GATED_DELTANET));
    // Aliases resolve to the checkpoint's names.
    assertEquals("attention", turbo.mixers().getFirst());
    assertEquals("all-fa", resolved.defaultPlacement());
  }

  @Test
  void explicitMixerListsResolveLikePatterns() throws Exception {
    PlacementSpec explicit = new PlacementSpec();
    explicit.setName("mixed");
    explicit.setMixers(List.of("attention", "GDN", "swa", "mamba"));
    ResolvedPlacement p = SpecResolver.resolve(spec(explicit)).placements().getFirst();
    assertEquals(
        List.of(
            MixerKind.FULL_ATTENTION,
            MixerKind.GATED_DELTANET,
            MixerKind.SLIDING_WINDOW,
            MixerKind.MAMBA),
        p.kinds());
    assertEquals("attention,gdn,swa,mamba", p.pattern());
  }

  @Test
  void unknownMixerNamesTheFieldLayerAndChoices() {
    InvalidSpecException e =
        assertThrows(
            InvalidSpecException.class,
            () -> SpecResolver.resolve(spec(pattern("a", "fa*2"), pattern("b", "fa,gdm"))));
    assertEquals("spec.placements[1].layers", e.field());
    assertEquals(
        "spec.placements[1].layers: unknown mixer 'gdm' at layer 1; expected "
            + MixerNames.ACCEPTED,
        e.getMessage());
  }

  @Test
  void patternSyntaxErrorsCarryTheParserPosition() {
    InvalidSpecException e =
        assertThrows(
            InvalidSpecException.class, () -> SpecResolver.resolve(spec(pattern("a", "fa*"))));
    assertEquals("spec.placements[0].layers", e.field());
    assertEquals(
        true, e.getMessage().contains("expected a repeat count after '*'"), e.getMessage());
  }

  @Test
  void placementsOfDifferentDepthAreRejected() {
    InvalidSpecException e =
        assertThrows(
            InvalidSpecException.class,
            () -> SpecResolver.resolve(spec(pattern("a", "fa*4"), pattern("b", "fa,gdn*2"))));
    assertEquals(
        "spec.placements[1]: placement 'b' has 3 layers but 'a' has 4; all placements share one"
            + " checkpoint and must have the same depth",
        e.getMessage());
  }

  @Test
  void declaredShapeMustMatchTheDepth() {
    HybridModelSpec spec = spec(pattern("a", "fa*4"));
    ModelShape shape = new ModelShape();
    shape.setLayers(50);
    shape.setKvHeads(8);
    shape.setHeadDim(128);
    spec.getModel().setShape(shape);
    InvalidSpecException e =
        assertThrows(InvalidSpecException.class, () -> SpecResolver.resolve(spec));
    assertEquals("spec.model.shape.layers", e.field());
  }

  @Test
  void crossReferencesAreRecheckedWhenTheSchemaDidNot() {
    HybridModelSpec spec = spec(pattern("a", "fa*4"));
    RoutingSpec routing = new RoutingSpec();
    routing.setDefaultPlacement("b");
    spec.setRouting(routing);
    InvalidSpecException e =
        assertThrows(InvalidSpecException.class, () -> SpecResolver.resolve(spec));
    assertEquals("spec.routing.default", e.field());
  }

  @Test
  void replicasAreRaisedToTheMinimum() throws Exception {
    HybridModelSpec spec = spec(pattern("a", "fa*4"));
    ScalingSpec scaling = new ScalingSpec();
    scaling.setMinReplicas(2);
    scaling.setMaxReplicas(5);
    spec.setScaling(scaling);
    spec.setReplicas(1);
    assertEquals(2, SpecResolver.resolve(spec).replicas());
    spec.setReplicas(4);
    assertEquals(4, SpecResolver.resolve(spec).replicas());
  }
}
