package dev.gearbox.runtime.model;

import dev.gearbox.runtime.placement.LayerState;
import dev.gearbox.runtime.placement.MixerKind;
import dev.gearbox.runtime.placement.Placement;
import dev.gearbox.runtime.placement.PlacementPattern;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Turns a pattern or explicit list into a {@link Placement} of a given checkpoint, accepting the
 * checkpoint's own mixer names and the aliases {@code fa} (non-windowed attention), {@code swa}
 * (windowed attention), {@code gdn}, {@code kda} and {@code mamba} (by type).
 */
public final class PlacementResolver {
  private final List<LayerConfig> layers;
  private final BiFunction<Integer, String, LayerState> layout;

  /**
   * @param layers the checkpoint's layers
   * @param layout the exact state bytes the backend keeps for (layer, mixer name)
   */
  public PlacementResolver(
      List<LayerConfig> layers, BiFunction<Integer, String, LayerState> layout) {
    this.layers = List.copyOf(layers);
    this.layout = layout;
  }

  /** The placement of each layer's main mixer. */
  public Placement defaultPlacement(String name) {
    List<String> names = new ArrayList<>();
    for (LayerConfig layer : layers) {
      names.add(layer.mainMixer());
    }
    return build(name, names);
  }

  /** Resolves {@code layersOrPattern}; errors name the layer index and the mixers it has. */
  public Placement resolve(String name, List<String> layersOrPattern) {
    List<String> requested = PlacementPattern.expand(layersOrPattern);
    if (requested.size() != layers.size()) {
      throw new IllegalArgumentException(
          "placement '"
              + name
              + "' has "
              + requested.size()
              + " layers, expected "
              + layers.size()
              + " (the checkpoint's layer count)");
    }
    List<String> names = new ArrayList<>();
    for (int i = 0; i < requested.size(); i++) {
      names.add(mixerName(name, i, requested.get(i)));
    }
    return build(name, names);
  }

  /** The checkpoint's mixer name that {@code requested} means at {@code layer}. */
  public String mixerName(String placement, int layer, String requested) {
    LayerConfig config = layers.get(layer);
    if (config.mixers().containsKey(requested)) {
      return requested;
    }
    for (var entry : config.mixers().entrySet()) {
      if (matchesAlias(requested, entry.getValue())) {
        return entry.getKey();
      }
    }
    throw new IllegalArgumentException(
        "placement '"
            + placement
            + "': layer "
            + layer
            + " has no mixer '"
            + requested
            + "'; it has "
            + config.mixerNames()
            + " (aliases fa, swa, gdn, kda, mamba select by type)");
  }

  private static boolean matchesAlias(String alias, MixerConfig mixer) {
    MixerKind kind = mixer.kind();
    return switch (alias) {
      case "fa", "attention", "full_attention" -> kind == MixerKind.FULL_ATTENTION;
      case "swa", "sliding_window" -> kind == MixerKind.SLIDING_WINDOW;
      case "gdn" -> kind == MixerKind.GATED_DELTANET;
      case "kda" -> kind == MixerKind.KIMI_DELTA;
      case "mamba" -> kind == MixerKind.MAMBA;
      default -> false;
    };
  }

  private Placement build(String name, List<String> names) {
    List<LayerState> states = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      states.add(layout.apply(i, names.get(i)));
    }
    return new Placement(name, names, states);
  }
}
