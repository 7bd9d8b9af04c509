package dev.gearbox.runtime.search;

import dev.gearbox.runtime.model.LanguageModel;
import dev.gearbox.runtime.placement.MixerKind;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which mixers each layer of a checkpoint offers, grouped by kind: the space the placement search
 * draws assignments from. Layers may differ (a plain Llama offers only fa and swa).
 */
public final class SearchSpace {
  private final List<Map<MixerKind, List<String>>> layers;
  private final List<MixerKind> kinds;

  /**
   * @param layers per layer, the mixer names of each kind it has, in checkpoint order
   */
  public SearchSpace(List<Map<MixerKind, List<String>>> layers) {
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("a search space needs at least one layer");
    }
    List<Map<MixerKind, List<String>>> copy = new ArrayList<>();
    Set<MixerKind> union = EnumSet.noneOf(MixerKind.class);
    for (int l = 0; l < layers.size(); l++) {
      Map<MixerKind, List<String>> byKind = new EnumMap<>(MixerKind.class);
      layers
          .get(l)
          .forEach(
              (kind, names) -> {
                if (!names.isEmpty()) {
                  byKind.put(kind, List.copyOf(names));
                }
              });
      if (byKind.isEmpty()) {
        throw new IllegalArgumentException("layer " + l + " offers no mixer");
      }
      union.addAll(byKind.keySet());
      copy.add(byKind);
    }
    this.layers = List.copyOf(copy);
    this.kinds = List.copyOf(union);
  }

  /** Reads each layer's mixers and their kinds from a loaded model. */
  public static SearchSpace of(LanguageModel model) {
    List<String> defaults = model.defaultPlacement().mixerNames();
    List<Map<MixerKind, List<String>>> layers = new ArrayList<>();
    for (int l = 0; l < model.numLayers(); l++) {
      Map<MixerKind, List<String>> byKind = new EnumMap<>(MixerKind.class);
      for (String name : model.mixerNames(l)) {
        // The model exposes a mixer's kind only through a resolved placement, so probe one.
        List<String> probe = new ArrayList<>(defaults);
        probe.set(l, name);
        MixerKind kind = model.placement("probe", probe).kind(l);
        byKind.computeIfAbsent(kind, k -> new ArrayList<>()).add(name);
      }
      layers.add(byKind);
    }
    return new SearchSpace(layers);
  }

  /** Number of layers. */
  public int numLayers() {
    return layers.size();
  }

  /** Mixer kinds offered by at least one layer, in {@link MixerKind} order. */
  public List<MixerKind> kinds() {
    return kinds;
  }

  /** The names of {@code kind} at {@code layer}; empty when the layer lacks it. */
  public List<String> names(int layer, MixerKind kind) {
    return layers.get(layer).getOrDefault(kind, List.of());
  }

  /** True when {@code layer} offers a mixer of {@code kind}. */
  public boolean offers(int layer, MixerKind kind) {
    return layers.get(layer).containsKey(kind);
  }

  /** The kind of the mixer called {@code name} at {@code layer}. */
  public MixerKind kindOf(int layer, String name) {
    for (var entry : layers.get(layer).entrySet()) {
      if (entry.getValue().contains(name)) {
        return entry.getKey();
      }
    }
    throw new IllegalArgumentException(
        "layer " + layer + " has no mixer '" + name + "'; it has " + layers.get(layer));
  }

  /**
   * Whether layers {@code from..numLayers()-1} can take exactly {@code counts} (indexed by {@link
   * MixerKind#ordinal()}), each layer one kind it offers. Hall's condition for this b-matching:
   * every set S of kinds needs at least {@code Σ_{k∈S} counts[k]} layers offering some kind of S.
   */
  public boolean feasible(int[] counts, int from) {
    int total = 0;
    for (int c : counts) {
      total += c;
    }
    if (total != numLayers() - from) {
      return false;
    }
    int kindCount = MixerKind.values().length;
    for (int subset = 1; subset < (1 << kindCount); subset++) {
      int demand = 0;
      for (int k = 0; k < kindCount; k++) {
        if ((subset & (1 << k)) != 0) {
          demand += counts[k];
        }
      }
      if (demand == 0) {
        continue;
      }
      int supply = 0;
      for (int l = from; l < numLayers(); l++) {
        for (MixerKind kind : layers.get(l).keySet()) {
          if ((subset & (1 << kind.ordinal())) != 0) {
            supply++;
            break;
          }
        }
      }
      if (supply < demand) {
        return false;
      }
    }
    return true;
  }
}
