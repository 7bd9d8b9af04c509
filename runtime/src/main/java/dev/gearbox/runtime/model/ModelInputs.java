package dev.gearbox.runtime.model;

import dev.gearbox.runtime.placement.Placement;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The argument checks every {@link LanguageModel} backend makes, written once so the CPU and GPU
 * models reject the same inputs with the same messages.
 */
public final class ModelInputs {
  private ModelInputs() {}

  /**
   * Each layer's index of the mixer {@code placement} picks there.
   *
   * @param layerMixers the mixer names of layer {@code l}, for {@code l < layers}
   * @throws IllegalArgumentException naming the placement, and the layer and its mixers when one is
   *     missing, or the expected and actual number of layers
   */
  public static int[] mixerIndices(
      Placement placement, int layers, IntFunction<List<String>> layerMixers) {
    if (placement.mixerNames().size() != layers) {
      throw new IllegalArgumentException(
          "placement '"
              + placement.name()
              + "' has "
              + placement.mixerNames().size()
              + " layers, expected "
              + layers);
    }
    int[] index = new int[layers];
    for (int l = 0; l < layers; l++) {
      String name = placement.mixerNames().get(l);
      List<String> names = layerMixers.apply(l);
      index[l] = names.indexOf(name);
      if (index[l] < 0) {
        throw new IllegalArgumentException(
            "placement '"
                + placement.name()
                + "': layer "
                + l
                + " has no mixer '"
                + name
                + "'; it has "
                + names);
      }
    }
    return index;
  }

  /** A sequence of {@code length} tokens can take {@code tokens} more within {@code maxContext}. */
  public static void checkRoom(int length, int tokens, int maxContext) {
    if ((long) length + tokens > maxContext) {
      throw new IllegalArgumentException(
          "sequence of "
              + length
              + " tokens cannot take "
              + tokens
              + " more: max context is "
              + maxContext);
    }
  }

  /** {@code token} (at {@code index} of the caller's array) is in {@code [0, vocab)}. */
  public static void checkToken(int token, int index, int vocab) {
    if (token < 0 || token >= vocab) {
      throw new IllegalArgumentException(
          "token " + token + " at index " + index + " is outside the vocabulary [0, " + vocab + ")");
    }
  }

  /** The sequence at {@code row} appears at no earlier row of the batch. */
  public static void checkDistinct(SequenceState[] sequences, int row) {
    for (int q = 0; q < row; q++) {
      if (sequences[q] == sequences[row]) {
        throw new IllegalArgumentException(
            "sequence at row " + row + " also appears at row " + q);
      }
    }
  }
}
