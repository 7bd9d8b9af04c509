package dev.gearbox.runtime.backend.cuda;

/**
 * How a {@link CudaLanguageModel} sizes itself on the GPU.
 *
 * @param maxSlots sequences that can be alive at once (each holds a slot of recurrent state and a
 *     row of the page table)
 * @param maxBatch rows one decode step runs at most; larger calls run in several steps
 * @param pageTokens tokens per KV page
 * @param prefillChunk tokens one prefill step runs at most
 * @param kvBytes bytes of the KV page pool; 0 = 90% of the memory free after weights and state
 * @param useGraphs capture decode steps as CUDA graphs (false: launch kernel by kernel)
 * @param device GPU ordinal
 */
public record CudaOptions(
    int maxSlots,
    int maxBatch,
    int pageTokens,
    int prefillChunk,
    long kvBytes,
    boolean useGraphs,
    int device) {

  /** Decode batches round up to one of these row counts (one CUDA graph each). */
  static final int[] BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};

  public CudaOptions {
    positive("maxSlots", maxSlots);
    positive("maxBatch", maxBatch);
    positive("pageTokens", pageTokens);
    positive("prefillChunk", prefillChunk);
    if (maxBatch > BUCKETS[BUCKETS.length - 1]) {
      throw new IllegalArgumentException(
          "maxBatch " + maxBatch + " is above the largest bucket " + BUCKETS[BUCKETS.length - 1]);
    }
    if (kvBytes < 0) {
      throw new IllegalArgumentException("kvBytes must be >= 0 (0 = automatic), got " + kvBytes);
    }
    if (device < 0) {
      throw new IllegalArgumentException("device must be >= 0, got " + device);
    }
  }

  /** 64 slots, batches of 64, 64-token pages, 512-token prefill chunks, automatic KV, graphs on. */
  public static CudaOptions defaults() {
    return new CudaOptions(64, 64, 64, 512, 0, true, 0);
  }

  public CudaOptions withGraphs(boolean on) {
    return new CudaOptions(maxSlots, maxBatch, pageTokens, prefillChunk, kvBytes, on, device);
  }

  public CudaOptions withPrefillChunk(int tokens) {
    return new CudaOptions(maxSlots, maxBatch, pageTokens, tokens, kvBytes, useGraphs, device);
  }

  /** {@code sequences} alive at once, decoded together in steps of up to that many rows. */
  public CudaOptions withMaxSequences(int sequences) {
    int batch = Math.min(sequences, BUCKETS[BUCKETS.length - 1]);
    return new CudaOptions(
        sequences, batch, pageTokens, prefillChunk, kvBytes, useGraphs, device);
  }

  public CudaOptions withDevice(int ordinal) {
    return new CudaOptions(
        maxSlots, maxBatch, pageTokens, prefillChunk, kvBytes, useGraphs, ordinal);
  }

  public CudaOptions withKvBytes(long bytes) {
    return new CudaOptions(maxSlots, maxBatch, pageTokens, prefillChunk, bytes, useGraphs, device);
  }

  /** The smallest bucket holding {@code rows} rows. */
  static int bucket(int rows) {
    for (int b : BUCKETS) {
      if (b >= rows) {
        return b;
      }
    }
    throw new IllegalArgumentException("no bucket holds " + rows + " rows");
  }

  private static void positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
  }
}
