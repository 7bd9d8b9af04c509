package dev.gearbox.runtime.backend.cpu;

/**
 * Reusable float buffers shared by all layers of one model (layers run one after another), grown
 * only when a larger batch or chunk than ever before arrives.
 */
final class Scratch {
  private final float[][] buffers = new float[24][];

  /** Buffer {@code slot}, at least {@code size} floats long. */
  float[] get(int slot, int size) {
    float[] buffer = buffers[slot];
    if (buffer == null || buffer.length < size) {
      buffer = new float[Math.max(size, buffer == null ? 0 : buffer.length + buffer.length / 2)];
      buffers[slot] = buffer;
    }
    return buffer;
  }
}
