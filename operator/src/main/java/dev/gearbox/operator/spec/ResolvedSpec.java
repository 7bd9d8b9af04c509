package dev.gearbox.operator.spec;

import dev.gearbox.crds.HybridModelSpec;
import java.util.List;

/**
 * A HybridModel spec that passed the operator's checks, with placements expanded and defaults
 * filled in: the only input of the desired-resource builders.
 *
 * @param spec the spec as written (defaults from the schema applied by the API server)
 * @param placements every placement, in spec order
 * @param defaultPlacement placement for unrouted requests
 * @param replicas serving pods wanted
 */
public record ResolvedSpec(
    HybridModelSpec spec,
    List<ResolvedPlacement> placements,
    String defaultPlacement,
    int replicas) {

  public ResolvedSpec {
    placements = List.copyOf(placements);
  }

  /** Number of layers every placement has. */
  public int layers() {
    return placements.getFirst().layers();
  }
}
