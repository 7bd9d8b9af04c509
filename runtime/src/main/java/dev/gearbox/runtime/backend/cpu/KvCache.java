package dev.gearbox.runtime.backend.cpu;

/**
 * Keys and values of one attention layer for one sequence, in fixed blocks of {@link #BLOCK}
 * tokens: growing without bound for full attention, a ring of {@code window} slots for sliding
 * window attention. Layout per token: [kvHeads * headDim], fp32.
 *
 * <p>{@link #bytes} reports the tokens held (what {@code LayerState} accounts); the allocation
 * rounds that up to whole blocks, at most {@code BLOCK - 1} tokens more per layer.
 */
final class KvCache implements MixerState {
  static final int BLOCK = 16;

  private final int kvDim;
  private final int window;
  private float[][] keys = new float[4][];
  private float[][] values = new float[4][];

  KvCache(int kvDim, int window) {
    this.kvDim = kvDim;
    this.window = window;
  }

  /** The slot a position occupies: itself, or modulo the window for SWA. */
  int slot(int position) {
    return window > 0 ? position % window : position;
  }

  /** Stores the key and value of {@code position}, allocating a block when a new one starts. */
  void put(int position, float[] key, int keyOff, float[] value, int valueOff) {
    int slot = slot(position);
    int block = slot / BLOCK;
    if (block >= keys.length) {
      int size = Math.max(block + 1, keys.length * 2);
      keys = java.util.Arrays.copyOf(keys, size);
      values = java.util.Arrays.copyOf(values, size);
    }
    if (keys[block] == null) {
      keys[block] = new float[BLOCK * kvDim];
      values[block] = new float[BLOCK * kvDim];
    }
    int off = (slot % BLOCK) * kvDim;
    System.arraycopy(key, keyOff, keys[block], off, kvDim);
    System.arraycopy(value, valueOff, values[block], off, kvDim);
  }

  float[] keyBlock(int slot) {
    return keys[slot / BLOCK];
  }

  float[] valueBlock(int slot) {
    return values[slot / BLOCK];
  }

  static int offsetInBlock(int slot, int kvDim) {
    return (slot % BLOCK) * kvDim;
  }

  @Override
  public long bytes(int length) {
    long tokens = window > 0 ? Math.min(length, window) : length;
    return tokens * kvDim * 2L * Float.BYTES;
  }

  @Override
  public MixerState copy() {
    KvCache copy = new KvCache(kvDim, window);
    copy.keys = new float[keys.length][];
    copy.values = new float[values.length][];
    for (int b = 0; b < keys.length; b++) {
      if (keys[b] != null) {
        copy.keys[b] = keys[b].clone();
        copy.values[b] = values[b].clone();
      }
    }
    return copy;
  }

  @Override
  public void release() {
    keys = new float[0][];
    values = new float[0][];
  }
}
