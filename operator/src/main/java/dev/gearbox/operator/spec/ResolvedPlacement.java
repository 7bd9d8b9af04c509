package dev.gearbox.operator.spec;

import dev.gearbox.runtime.placement.MixerKind;
import dev.gearbox.runtime.placement.PlacementPattern;
import java.util.List;

/**
 * A placement expanded to one checkpoint mixer name per layer.
 *
 * @param name placement name
 * @param mixers checkpoint mixer name of each layer (aliases resolved)
 * @param kinds mixer family of each layer
 */
public record ResolvedPlacement(String name, List<String> mixers, List<MixerKind> kinds) {

  public ResolvedPlacement {
    mixers = List.copyOf(mixers);
    kinds = List.copyOf(kinds);
  }

  /** Number of layers. */
  public int layers() {
    return mixers.size();
  }

  /** Compact pattern of the resolved mixers, e.g. {@code attention,gdn*3}. */
  public String pattern() {
    return PlacementPattern.compact(mixers);
  }

  /** Number of layers using {@code kind}. */
  public int count(MixerKind kind) {
    int n = 0;
    for (MixerKind k : kinds) {
      if (k == kind) {
        n++;
      }
    }
    return n;
  }
}
