package dev.gearbox.runtime.backend.cpu;

import dev.gearbox.runtime.checkpoint.TensorStore;

/** Loads named tensors from a checkpoint with the shapes the CPU kernels expect. */
final class Weights {
  private final TensorStore store;

  Weights(TensorStore store) {
    this.store = store;
  }

  boolean has(String name) {
    return store.contains(name);
  }

  float[] vector(String name, int n) {
    return store.floats(name, n);
  }

  float[] matrix(String name, int rows, int cols) {
    return store.floats(name, rows, cols);
  }

  /** Depthwise conv1d weight, stored [channels, 1, kernel]. */
  float[] conv(String name, int channels, int kernel) {
    return store.floats(name, channels, 1, kernel);
  }

  /** A projection {@code prefix.weight} [out, in], with {@code prefix.bias} when {@code bias}. */
  Linear linear(String prefix, int in, int out, boolean bias) {
    float[] weight = store.floats(prefix + ".weight", out, in);
    float[] b = bias ? store.floats(prefix + ".bias", out) : null;
    return new Linear(weight, b, in, out);
  }
}
