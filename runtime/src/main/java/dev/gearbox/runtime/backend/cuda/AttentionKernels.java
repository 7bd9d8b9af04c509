package dev.gearbox.runtime.backend.cuda;

import java.util.List;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;

/**
 * Launchers of the attention kernels ({@code attention.cu}) over the paged bf16 KV cache: RoPE
 * and KV store, split-K decode attention and tiled causal prefill attention. Methods queue work
 * on the context's stream; host-checkable arguments fail fast with an {@link
 * IllegalArgumentException} naming the argument.
 *
 * <p>qkv rows are {@code [q heads*hd | k kvHeads*hd | v kvHeads*hd]} f32. Page {@code p} of
 * {@code kvPool} starts at element {@code p * pageStride}: K {@code [pageTokens][kvHeads][hd]},
 * then V the same. Position {@code t} of slot {@code s} lives in page {@code
 * pageTable[s * tableStride + tableBase + lp]}, {@code lp = t / pageTokens} (mod {@code
 * ringPages} when a ring), row {@code t % pageTokens}.
 */
public final class AttentionKernels {
  /** Largest head dimension the kernels take. */
  public static final int MAX_HEAD_DIM = 256;

  /** Largest {@code (heads / kvHeads) * headDim} of one decode block. */
  public static final int MAX_GROUP_WIDTH = 4096;

  /** Largest split count of {@link #decode} (the combine's shared weights, attention.cu). */
  public static final int MAX_SPLITS = 256;

  /**
   * Largest {@code rows * kvHeads} of a decode with {@code splits > 1}: the completion counters
   * at the start of {@code partial} (attention.cu DEC_COUNTERS).
   */
  public static final int SPLIT_COUNTERS = 4096;

  /** Every kernel these launchers start, as named in {@code attention.cu}. */
  /** Loads per thread per tile of the decode kernel variants (head dim / 32, at least 2). */
  private static final int[] DECODE_LOADS = {2, 4, 8};

  /** Items per thread of the decode kernel variants ((heads / kvHeads) * head dim / 128). */
  private static final int[] DECODE_ITEMS = {1, 2, 4, 8, 16, 32};

  // After the variant tables: a static initializer runs in declaration order.
  static final List<String> KERNELS = kernels();

  private static List<String> kernels() {
    List<String> names = new java.util.ArrayList<>(List.of("attn_rope_store", "attn_prefill"));
    for (int loads : DECODE_LOADS) {
      for (int items : DECODE_ITEMS) {
        if (loads < 8 || items >= 2) {
          names.add("attn_decode_i" + items + "_l" + loads);
        }
      }
    }
    return List.copyOf(names);
  }

  /**
   * The decode kernel compiled for this shape: registers for exactly the output items
   * ({@code group * headDim / 128} per thread, rounded up to a power of two) and the tile loads
   * ({@code headDim / 32}) it needs.
   */
  static String decodeKernel(int group, int headDim) {
    int items = 1;
    while (items * 128 < group * headDim) {
      items *= 2;
    }
    int loads = 2;
    while (loads * 32 < headDim) {
      loads *= 2;
    }
    if (loads == 8) {
      items = Math.max(items, 2);
    }
    return "attn_decode_i" + items + "_l" + loads;
  }

  private static final int DECODE_TILE = 32;
  private static final int PREFILL_TILE = 64;

  /**
   * Geometry of one attention layer and its KV pages.
   *
   * @param window sliding window in tokens (a query sees itself and the window - 1 keys before),
   *     0 = full attention
   * @param ringPages pages of a sliding-window ring, 0 = no ring
   * @param pageStride elements between consecutive pages of the pool
   */
  public record AttentionShape(
      int heads,
      int kvHeads,
      int headDim,
      int window,
      int pageTokens,
      int tableStride,
      int tableBase,
      int ringPages,
      long pageStride) {}

  private final CudaContext ctx;
  private final int maxSharedBytes;

  public AttentionKernels(CudaContext ctx) {
    this.ctx = ctx;
    this.maxSharedBytes =
        ctx.attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
    for (String kernel : KERNELS) {
      if (kernel.startsWith("attn_decode")) {
        ctx.allowSharedMemory(ctx.function(kernel), maxSharedBytes);
      }
    }
    ctx.allowSharedMemory(ctx.function("attn_prefill"), maxSharedBytes);
  }

  /**
   * Optional per-head RMSNorm of q and k ({@code qNorm}/{@code kNorm} f32 [hd], null = off),
   * rotate-half RoPE at each row's position, rotated q written back into {@code qkv}, rotated k
   * and v stored as bf16 into the page of (slot, position). Rows are those of {@code seg}.
   */
  public void ropeStore(
      CUdeviceptr qkv,
      int rows,
      CUdeviceptr seg,
      CUdeviceptr slots,
      CUdeviceptr positions,
      CUdeviceptr invFreq,
      CUdeviceptr qNorm,
      CUdeviceptr kNorm,
      float normEps,
      CUdeviceptr kvPool,
      CUdeviceptr pageTable,
      AttentionShape shape) {
    validate(shape);
    Check.nonNegative("rows", rows);
    Check.notNull("qkv", qkv);
    Check.notNull("slots", slots);
    Check.notNull("positions", positions);
    Check.notNull("invFreq", invFreq);
    Check.notNull("pageTable", pageTable);
    Check.aligned("kvPool", kvPool, 16);
    if (rows == 0) {
      return;
    }
    // One 8-warp block per 8 heads (at most 8 blocks per row): the heads of one row in parallel.
    int blocksPerRow = Math.min(8, (shape.heads() + 2 * shape.kvHeads() + 7) / 8);
    ctx.launch(
        "attn_rope_store", rows, blocksPerRow, 1, 256, 0,
        qkv, rows, seg, slots, positions, invFreq, qNorm, kNorm, normEps, kvPool, pageTable,
        shape.heads(), shape.kvHeads(), shape.headDim(), shape.pageTokens(), shape.tableStride(),
        shape.tableBase(), shape.ringPages(), shape.pageStride());
  }

  /**
   * Decode attention of each row's q over its slot's keys {@code [first, position]} (first =
   * {@code max(0, position - window + 1)} when windowed, else 0), GQA, scale {@code 1/sqrt(hd)},
   * each row's span cut into at most {@code splits} chunks of whole 32-key tiles, combined by the
   * last split block of each (row, kv head). {@code partial} holds {@link #partialFloats} floats
   * (its counters zero) and may be null when {@code splits == 1}. Writes {@code out
   * [rows][heads*hd]}.
   */
  public void decode(
      CUdeviceptr qkv,
      CUdeviceptr out,
      int rows,
      CUdeviceptr seg,
      CUdeviceptr slots,
      CUdeviceptr positions,
      CUdeviceptr kvPool,
      CUdeviceptr pageTable,
      AttentionShape shape,
      CUdeviceptr partial,
      int splits) {
    validate(shape);
    Check.nonNegative("rows", rows);
    Check.positive("splits", splits);
    Check.atMost("splits", splits, "MAX_SPLITS", MAX_SPLITS);
    Check.aligned("qkv", qkv, 4);
    Check.aligned("out", out, 4);
    Check.notNull("slots", slots);
    Check.notNull("positions", positions);
    Check.notNull("pageTable", pageTable);
    Check.aligned("kvPool", kvPool, 16);
    int group = shape.heads() / shape.kvHeads();
    Check.atMost("(heads / kvHeads) * headDim", (long) group * shape.headDim(),
        "MAX_GROUP_WIDTH", MAX_GROUP_WIDTH);
    if (splits > 1) {
      Check.aligned("partial", partial, 4);
      Check.atMost("rows * kvHeads (splits > 1)", (long) rows * shape.kvHeads(),
          "SPLIT_COUNTERS", SPLIT_COUNTERS);
    }
    int shared = decodeSharedBytes(group, shape.headDim());
    Check.atMost("decode shared memory bytes", shared, "device opt-in limit", maxSharedBytes);
    if (rows == 0) {
      return;
    }
    ctx.launch(
        decodeKernel(group, shape.headDim()), rows, shape.kvHeads(), splits, 128, shared,
        qkv, out, rows, seg, slots, positions, kvPool, pageTable, shape.heads(), shape.kvHeads(),
        shape.headDim(), shape.window(), shape.pageTokens(), shape.tableStride(),
        shape.tableBase(), shape.ringPages(), shape.pageStride(), partial, splits);
  }

  /**
   * Floats of the {@code partial} scratch that {@link #decode} needs: {@link #SPLIT_COUNTERS}
   * int counters, which must be zero before the first launch (allocate it zeroed; every launch
   * leaves them zero), then the splits' partial outputs.
   */
  public static long partialFloats(int rows, int heads, int headDim, int splits) {
    return SPLIT_COUNTERS + (long) rows * heads * splits * (headDim + 2);
  }

  /**
   * A static split count: enough (row, kv head, split) blocks for four per SM, but no more splits
   * than {@code maxContext} has 32-key tiles; between 1 and {@link #MAX_SPLITS}. The kernel
   * rounds each row's chunk up to whole 32-key tiles, so at short context only the splits that
   * cover the span do work (the rest only mark themselves done; the combine skips them).
   */
  public static int splitsFor(int rows, int kvHeads, int multiprocessors, int maxContext) {
    long blocks = Math.max(1L, (long) rows * kvHeads);
    if (blocks > SPLIT_COUNTERS) {
      return 1;
    }
    long wanted = (4L * multiprocessors + blocks - 1) / blocks;
    long byContext = Math.max(1, (maxContext + DECODE_TILE - 1) / DECODE_TILE);
    return (int) Math.max(1, Math.min(MAX_SPLITS, Math.min(wanted, byContext)));
  }

  /**
   * Causal prefill attention: rows are consecutive positions {@code firstPosition..} of {@code
   * slot}, whose keys {@link #ropeStore} already stored; windowed when {@code shape.window() >
   * 0}. 64-query x 64-key tiles in shared memory, fp32 math. Writes {@code out [rows][heads*hd]}.
   */
  public void prefill(
      CUdeviceptr qkv,
      CUdeviceptr out,
      int rows,
      int slot,
      int firstPosition,
      CUdeviceptr kvPool,
      CUdeviceptr pageTable,
      AttentionShape shape) {
    validate(shape);
    Check.nonNegative("rows", rows);
    Check.nonNegative("slot", slot);
    Check.nonNegative("firstPosition", firstPosition);
    Check.aligned("qkv", qkv, 4);
    Check.aligned("out", out, 4);
    Check.notNull("pageTable", pageTable);
    Check.aligned("kvPool", kvPool, 16);
    int shared = prefillSharedBytes(shape.headDim());
    Check.atMost("prefill shared memory bytes", shared, "device opt-in limit", maxSharedBytes);
    if (rows == 0) {
      return;
    }
    int tiles = (rows + PREFILL_TILE - 1) / PREFILL_TILE;
    ctx.launch(
        "attn_prefill", tiles, shape.heads(), 1, 256, shared,
        qkv, out, rows, slot, firstPosition, kvPool, pageTable, shape.heads(), shape.kvHeads(),
        shape.headDim(), shape.window(), shape.pageTokens(), shape.tableStride(),
        shape.tableBase(), shape.ringPages(), shape.pageStride());
  }

  /** Dynamic shared memory of {@code attn_decode} (mirrors its layout). */
  static int decodeSharedBytes(int group, int headDim) {
    int floats = group * headDim + group * DECODE_TILE + 3 * group;
    int floatBytes = (floats * 4 + 15) & ~15;
    return floatBytes + DECODE_TILE * (headDim + 8) * 2 + DECODE_TILE * headDim * 2;
  }

  /** Dynamic shared memory of {@code attn_prefill} (mirrors its layout). */
  static int prefillSharedBytes(int headDim) {
    int floats = 2 * PREFILL_TILE * headDim + PREFILL_TILE * 65 + 3 * PREFILL_TILE;
    return floats * 4 + PREFILL_TILE * (headDim + 8) * 2 + PREFILL_TILE * headDim * 2;
  }

  /** Checks the shape's invariants the kernels rely on. */
  static void validate(AttentionShape shape) {
    if (shape == null) {
      throw new IllegalArgumentException("shape must not be null");
    }
    Check.positive("shape.heads", shape.heads());
    Check.positive("shape.kvHeads", shape.kvHeads());
    if (shape.heads() % shape.kvHeads() != 0) {
      throw new IllegalArgumentException(
          "shape.heads ("
              + shape.heads()
              + ") must be a multiple of shape.kvHeads ("
              + shape.kvHeads()
              + ")");
    }
    Check.positive("shape.headDim", shape.headDim());
    Check.multiple("shape.headDim", shape.headDim(), 8);
    Check.atMost("shape.headDim", shape.headDim(), "MAX_HEAD_DIM", MAX_HEAD_DIM);
    Check.nonNegative("shape.window", shape.window());
    Check.positive("shape.pageTokens", shape.pageTokens());
    Check.positive("shape.tableStride", shape.tableStride());
    Check.nonNegative("shape.tableBase", shape.tableBase());
    Check.nonNegative("shape.ringPages", shape.ringPages());
    Check.multiple("shape.pageStride", shape.pageStride(), 8);
    long pageElements = 2L * shape.pageTokens() * shape.kvHeads() * shape.headDim();
    Check.atLeast("shape.pageStride", shape.pageStride(), "2 * pageTokens * kvHeads * headDim",
        pageElements);
  }
}
