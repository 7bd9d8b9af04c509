package dev.gearbox.runtime.placement;

import java.util.List;
import java.util.Objects;

/**
 * One mixer per layer, resolved against a checkpoint: the unit of routing, batching and memory
 * accounting.
 *
 * @param name the placement's name ({@code all-fa}, {@code turbo-8x})
 * @param mixerNames the checkpoint's mixer name used at each layer
 * @param layers the decode state each layer keeps, in the same order
 */
public record Placement(String name, List<String> mixerNames, List<LayerState> layers) {

  public Placement {
    Objects.requireNonNull(name, "name");
    mixerNames = List.copyOf(mixerNames);
    layers = List.copyOf(layers);
    if (mixerNames.size() != layers.size()) {
      throw new IllegalArgumentException("mixerNames and layers differ in length");
    }
  }

  /** The mixer family at {@code layer}. */
  public MixerKind kind(int layer) {
    return layers.get(layer).kind();
  }

  /** Decode cost relative to the all-full-attention placement of the same depth (1.0). */
  public double relativeCost() {
    double sum = 0;
    for (LayerState layer : layers) {
      sum += layer.kind().relativeCost();
    }
    return layers.isEmpty() ? 0 : sum / layers.size();
  }

  /** KV bytes one more token adds while the context is shorter than every window. */
  public long kvBytesPerToken() {
    long sum = 0;
    for (LayerState layer : layers) {
      sum += layer.bytesPerToken();
    }
    return sum;
  }

  /** Exact decode-state bytes one sequence holds after {@code contextLength} tokens. */
  public long stateBytes(long contextLength) {
    long sum = 0;
    for (LayerState layer : layers) {
      sum += layer.bytesAt(contextLength);
    }
    return sum;
  }

  /** Number of layers using {@code kind}. */
  public int count(MixerKind kind) {
    int n = 0;
    for (LayerState layer : layers) {
      if (layer.kind() == kind) {
        n++;
      }
    }
    return n;
  }

  /** The compact pattern form of this placement, e.g. {@code attention,gdn*3}. */
  public String pattern() {
    return PlacementPattern.compact(mixerNames);
  }
}
