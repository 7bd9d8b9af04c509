package dev.gearbox.operator.spec;

import dev.gearbox.crds.HybridModelSpec;
import dev.gearbox.crds.ModelShape;
import dev.gearbox.crds.PlacementSpec;
import dev.gearbox.crds.RoutingSpec;
import dev.gearbox.crds.ScalingSpec;
import dev.gearbox.runtime.placement.MixerKind;
import dev.gearbox.runtime.placement.PlacementPattern;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Checks what the CRD schema cannot (pattern syntax, mixer names, equal depth of placements) and
 * expands placements with the runtime's shared pattern parser.
 *
 * <p>The schema's CEL rules already cover uniqueness and cross references; they are re-checked here
 * because a CRD installed from an older chart, or a unit test, may skip them.
 */
public final class SpecResolver {
  private SpecResolver() {}

  /** Resolves {@code spec} or explains, with a field path, why it cannot be served. */
  public static ResolvedSpec resolve(HybridModelSpec spec) throws InvalidSpecException {
    if (spec == null || spec.getModel() == null || spec.getModel().getUri() == null) {
      throw new InvalidSpecException("spec.model.uri", "is required");
    }
    List<PlacementSpec> specs = spec.getPlacements();
    if (specs == null || specs.isEmpty()) {
      throw new InvalidSpecException("spec.placements", "at least one placement is required");
    }
    List<ResolvedPlacement> placements = new ArrayList<>(specs.size());
    Set<String> names = new HashSet<>();
    for (int i = 0; i < specs.size(); i++) {
      ResolvedPlacement placement = resolvePlacement(specs.get(i), "spec.placements[" + i + "]");
      if (!names.add(placement.name())) {
        throw new InvalidSpecException(
            "spec.placements[" + i + "].name", "duplicate placement '" + placement.name() + "'");
      }
      if (!placements.isEmpty() && placement.layers() != placements.getFirst().layers()) {
        ResolvedPlacement first = placements.getFirst();
        throw new InvalidSpecException(
            "spec.placements[" + i + "]",
            String.format(
                "placement '%s' has %d layers but '%s' has %d; all placements share one"
                    + " checkpoint and must have the same depth",
                placement.name(), placement.layers(), first.name(), first.layers()));
      }
      placements.add(placement);
    }
    checkShape(spec.getModel().getShape(), placements);
    String defaultPlacement = defaultPlacement(spec.getRouting(), names, placements);
    return new ResolvedSpec(spec, placements, defaultPlacement, replicas(spec));
  }

  private static ResolvedPlacement resolvePlacement(PlacementSpec p, String path)
      throws InvalidSpecException {
    if (p.getName() == null || p.getName().isBlank()) {
      throw new InvalidSpecException(path + ".name", "is required");
    }
    boolean hasPattern = p.getLayers() != null;
    boolean hasList = p.getMixers() != null && !p.getMixers().isEmpty();
    if (hasPattern == hasList) {
      throw new InvalidSpecException(
          path, "needs exactly one of 'layers' (a pattern) or 'mixers' (a list)");
    }
    List<String> expanded;
    String field = path + (hasPattern ? ".layers" : ".mixers");
    try {
      expanded =
          hasPattern
              ? PlacementPattern.expand(p.getLayers())
              : PlacementPattern.expand(p.getMixers());
    } catch (IllegalArgumentException e) {
      throw new InvalidSpecException(field, e.getMessage());
    }
    List<String> mixers = new ArrayList<>(expanded.size());
    List<MixerKind> kinds = new ArrayList<>(expanded.size());
    for (int layer = 0; layer < expanded.size(); layer++) {
      String name = expanded.get(layer).toLowerCase(Locale.ROOT);
      if (!MixerNames.isKnown(name)) {
        throw new InvalidSpecException(
            field,
            "unknown mixer '" + name + "' at layer " + layer + "; expected " + MixerNames.ACCEPTED);
      }
      mixers.add(MixerNames.checkpointName(name));
      kinds.add(MixerNames.kind(name));
    }
    return new ResolvedPlacement(p.getName(), mixers, kinds);
  }

  private static void checkShape(ModelShape shape, List<ResolvedPlacement> placements)
      throws InvalidSpecException {
    if (shape == null || shape.getLayers() == null) {
      return;
    }
    int layers = placements.getFirst().layers();
    if (shape.getLayers() != layers) {
      throw new InvalidSpecException(
          "spec.model.shape.layers",
          "the model has " + shape.getLayers() + " layers but the placements have " + layers);
    }
    if (shape.getKvHeads() == null || shape.getHeadDim() == null) {
      throw new InvalidSpecException(
          "spec.model.shape", "kvHeads and headDim are required with a shape");
    }
  }

  private static String defaultPlacement(
      RoutingSpec routing, Set<String> names, List<ResolvedPlacement> placements)
      throws InvalidSpecException {
    if (routing == null) {
      return placements.getFirst().name();
    }
    if (routing.getDefaultPlacement() != null && !names.contains(routing.getDefaultPlacement())) {
      throw new InvalidSpecException(
          "spec.routing.default", "names no placement: '" + routing.getDefaultPlacement() + "'");
    }
    if (routing.getRules() != null) {
      for (int i = 0; i < routing.getRules().size(); i++) {
        String target = routing.getRules().get(i).getPlacement();
        if (!names.contains(target)) {
          throw new InvalidSpecException(
              "spec.routing.rules[" + i + "].placement", "names no placement: '" + target + "'");
        }
      }
    }
    if (routing.getUnderKvPressure() != null
        && !names.contains(routing.getUnderKvPressure().getShiftTo())) {
      throw new InvalidSpecException(
          "spec.routing.underKvPressure.shiftTo",
          "names no placement: '" + routing.getUnderKvPressure().getShiftTo() + "'");
    }
    return routing.getDefaultPlacement() != null
        ? routing.getDefaultPlacement()
        : placements.getFirst().name();
  }

  /** spec.replicas raised to scaling.minReplicas (a floor, as for an HPA); the schema caps it. */
  private static int replicas(HybridModelSpec spec) {
    ScalingSpec scaling = spec.getScaling();
    int min = scaling == null || scaling.getMinReplicas() == null ? 1 : scaling.getMinReplicas();
    int wanted = spec.getReplicas() == null ? min : spec.getReplicas();
    return Math.max(wanted, min);
  }
}
