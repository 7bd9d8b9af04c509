package dev.gearbox.runtime.backend.cuda.check;

import static dev.gearbox.runtime.backend.cuda.check.DeviceArrays.bf16;
import static dev.gearbox.runtime.backend.cuda.check.DeviceArrays.downloadShorts;
import static dev.gearbox.runtime.backend.cuda.check.DeviceArrays.f32;
import static dev.gearbox.runtime.backend.cuda.check.DeviceArrays.roundBf16;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;

import dev.gearbox.runtime.backend.cuda.AttentionKernels;
import dev.gearbox.runtime.backend.cuda.AttentionKernels.AttentionShape;
import dev.gearbox.runtime.backend.cuda.CudaContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * Device check of {@link AttentionKernels}: RoPE + paged store, split-K decode (GQA, seg subsets,
 * several split counts, sliding window over a ring of pages) and tiled prefill, each against a
 * plain-Java reference that reads keys by position (not through the page mapping). Prints {@code
 * PASS|FAIL <case> relErr=.. maxAbs=..}; exits 1 on any failure.
 */
public final class AttentionKernelsCheck {
  private static final short BF16_NAN = (short) 0x7fc0;

  private final CudaContext ctx;
  private final AttentionKernels attention;
  private final SplittableRandom random = new SplittableRandom(7);
  private final int[] failures = {0};

  private AttentionKernelsCheck(CudaContext ctx) {
    this.ctx = ctx;
    this.attention = new AttentionKernels(ctx);
  }

  public static void main(String[] args) {
    try (CudaContext ctx = CudaContext.open(0)) {
      System.out.println("device " + ctx.name());
      AttentionKernelsCheck check = new AttentionKernelsCheck(ctx);
      check.run();
      if (check.failures[0] > 0) {
        System.out.println(check.failures[0] + " FAILED");
        System.exit(1);
      }
      System.out.println("all PASS");
    }
  }

  private void run() {
    AttentionShape gqa = shape(8, 2, 128, 0, 16, 0);
    AttentionShape windowed = shape(4, 4, 64, 40, 16, 4);
    AttentionShape wide = shape(4, 1, 256, 0, 16, 0);
    ropeStore(shape(4, 2, 64, 0, 16, 0), true, false);
    ropeStore(shape(4, 2, 64, 0, 16, 0), true, true);
    ropeStore(shape(8, 2, 128, 40, 16, 4), false, false);
    int[] fullPositions = {300, 0, 37, 64};
    int[] windowPositions = {200, 39, 41, 5};
    for (int splits : new int[] {1, 3, 8}) {
      decode(gqa, fullPositions, splits, false);
      decode(windowed, windowPositions, splits, false);
    }
    decode(gqa, fullPositions, 4, true);
    decode(windowed, windowPositions, 1, true);
    decode(wide, new int[] {500, 17}, 5, false);
    decode(gqa, fullPositions, AttentionKernels.splitsFor(4, 2, ctx.multiprocessors(), 512), false);
    // Many splits: chunks rounded up to whole tiles leave trailing splits empty (skipped by the
    // combine); long spans walk many double-buffered tiles per block.
    decode(gqa, fullPositions, 64, false);
    decode(gqa, new int[] {4000, 1, 33, 700}, AttentionKernels.MAX_SPLITS, false);
    decode(gqa, new int[] {4000, 1, 33, 700}, 37, true);
    decode(windowed, windowPositions, 37, false);
    decode(wide, new int[] {2500, 17},
        AttentionKernels.splitsFor(2, 1, ctx.multiprocessors(), 131072), false);
    decode(shape(32, 8, 128, 0, 16, 0), new int[] {1999},
        AttentionKernels.splitsFor(1, 8, ctx.multiprocessors(), 131072), false);
    prefill(gqa, 100, 20);
    prefill(gqa, 64, 0);
    prefill(shape(4, 4, 64, 40, 16, 9), 100, 20);
    prefill(shape(4, 4, 64, 40, 16, 9), 7, 60);
    prefill(wide, 70, 3);
  }

  private static AttentionShape shape(
      int heads, int kvHeads, int headDim, int window, int pageTokens, int ringPages) {
    int tableStride = 320; // 5120 positions of 16-token pages: the long-span decode cases reach 4000
    int tableBase = 3;
    long pageStride = 2L * pageTokens * kvHeads * headDim + 8;
    return new AttentionShape(
        heads, kvHeads, headDim, window, pageTokens, tableStride, tableBase, ringPages,
        pageStride);
  }

  /** Host model of a paged pool: keys/values by (slot, position), pages shuffled per slot. */
  private final class Pool {
    final AttentionShape shape;
    final int slots;
    final int kvDim;
    final int pages;
    final int[] pageTable;
    final short[] pool;
    final float[][] keys;
    final float[][] values;

    Pool(AttentionShape shape, int slots, int maxPositions) {
      this.shape = shape;
      this.slots = slots;
      this.kvDim = shape.kvHeads() * shape.headDim();
      int perSlot =
          shape.ringPages() > 0
              ? shape.ringPages()
              : (maxPositions + shape.pageTokens() - 1) / shape.pageTokens();
      if (shape.tableBase() + perSlot > shape.tableStride()) {
        throw new IllegalStateException("page table too narrow for the test");
      }
      this.pages = slots * perSlot + 3;
      List<Integer> order = new ArrayList<>();
      for (int p = 0; p < pages; p++) {
        order.add(p);
      }
      Collections.shuffle(order, new java.util.Random(11));
      pageTable = new int[slots * shape.tableStride()];
      Arrays.fill(pageTable, -1);
      int next = 0;
      for (int s = 0; s < slots; s++) {
        for (int lp = 0; lp < perSlot; lp++) {
          pageTable[s * shape.tableStride() + shape.tableBase() + lp] = order.get(next++);
        }
      }
      pool = new short[(int) (pages * shape.pageStride())];
      Arrays.fill(pool, BF16_NAN);
      keys = new float[slots][];
      values = new float[slots][];
    }

    /** Element offset of K[position][0][0] of a slot, as the spec defines it. */
    long offset(int slot, int position) {
      int lp = position / shape.pageTokens();
      if (shape.ringPages() > 0) {
        lp %= shape.ringPages();
      }
      int page = pageTable[slot * shape.tableStride() + shape.tableBase() + lp];
      return page * shape.pageStride() + (long) (position % shape.pageTokens()) * kvDim;
    }

    /** Random keys and values for positions [0, length) of a slot, written in order. */
    void fill(int slot, int length) {
      keys[slot] = new float[length * kvDim];
      values[slot] = new float[length * kvDim];
      for (int i = 0; i < length * kvDim; i++) {
        keys[slot][i] = roundBf16((float) (random.nextDouble() * 2 - 1));
        values[slot][i] = roundBf16((float) (random.nextDouble() * 2 - 1));
      }
      long v = (long) shape.pageTokens() * kvDim;
      for (int p = 0; p < length; p++) {
        long at = offset(slot, p);
        for (int i = 0; i < kvDim; i++) {
          pool[(int) (at + i)] = bf16(keys[slot][p * kvDim + i]);
          pool[(int) (at + v + i)] = bf16(values[slot][p * kvDim + i]);
        }
      }
    }

    CUdeviceptr uploadPool() {
      CUdeviceptr p = ctx.alloc((long) pool.length * 2);
      ctx.upload(p, pool);
      return p;
    }

    /** Softmax attention of q (one head, f32 [hd]) over the slot's keys [first, position]. */
    void attend(float[] q, int qOff, int head, int slot, int position, double[] out, int outOff) {
      int hd = shape.headDim();
      int kvHead = head / (shape.heads() / shape.kvHeads());
      int first = shape.window() > 0 ? Math.max(0, position - shape.window() + 1) : 0;
      double scale = 1.0 / Math.sqrt(hd);
      double[] score = new double[position - first + 1];
      double max = Double.NEGATIVE_INFINITY;
      for (int p = first; p <= position; p++) {
        double s = 0;
        for (int d = 0; d < hd; d++) {
          s += (double) q[qOff + d] * keys[slot][p * kvDim + kvHead * hd + d];
        }
        score[p - first] = s * scale;
        max = Math.max(max, score[p - first]);
      }
      double sum = 0;
      for (int i = 0; i < score.length; i++) {
        score[i] = Math.exp(score[i] - max);
        sum += score[i];
      }
      for (int d = 0; d < hd; d++) {
        double o = 0;
        for (int p = first; p <= position; p++) {
          o += score[p - first] * values[slot][p * kvDim + kvHead * hd + d];
        }
        out[outOff + d] = o / sum;
      }
    }
  }

  private float[] uniform(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return v;
  }

  private CUdeviceptr upload(float[] v) {
    return DeviceArrays.upload(ctx, v);
  }

  private CUdeviceptr upload(int[] v) {
    return DeviceArrays.upload(ctx, v);
  }

  private static String describe(AttentionShape s) {
    return String.format(
        "h=%d kv=%d hd=%d window=%d ring=%d", s.heads(), s.kvHeads(), s.headDim(), s.window(),
        s.ringPages());
  }

  private void ropeStore(AttentionShape shape, boolean norm, boolean segmented) {
    int hd = shape.headDim();
    int half = hd / 2;
    int heads = shape.heads();
    int kvHeads = shape.kvHeads();
    int rowWidth = (heads + 2 * kvHeads) * hd;
    int rows = 3;
    int[] slots = {1, 0, 1};
    int[] positions = {5, 17, 40};
    Pool model = new Pool(shape, 2, 64);
    float[] qkv = uniform(rows * rowWidth);
    float[] invFreq = new float[half];
    for (int i = 0; i < half; i++) {
      invFreq[i] = (float) (1.0 / Math.pow(10000, 2.0 * i / hd));
    }
    float[] qNorm = norm ? uniform(hd) : null;
    float[] kNorm = norm ? uniform(hd) : null;
    int[] seg = segmented ? new int[] {2, 0, 2, 0} : null;
    float eps = 1e-6f;

    double[] refQkv = new double[qkv.length];
    for (int i = 0; i < qkv.length; i++) {
      refQkv[i] = qkv[i];
    }
    double[] refPool = new double[model.pool.length];
    Arrays.fill(refPool, Double.NaN);
    for (int r = 0; r < rows; r++) {
      if (segmented && r == 1) {
        continue;
      }
      long at = model.offset(slots[r], positions[r]);
      long v = (long) shape.pageTokens() * model.kvDim;
      for (int h = 0; h < heads + 2 * kvHeads; h++) {
        int off = r * rowWidth + h * hd;
        float[] x = Arrays.copyOfRange(qkv, off, off + hd);
        if (h >= heads + kvHeads) {
          for (int i = 0; i < hd; i++) {
            refPool[(int) (at + v + (h - heads - kvHeads) * hd + i)] = roundBf16(x[i]);
          }
          continue;
        }
        float[] w = h < heads ? qNorm : kNorm;
        if (w != null) {
          float sum = 0;
          for (float value : x) {
            sum += value * value;
          }
          float scale = (float) (1.0 / Math.sqrt(sum / hd + eps));
          for (int i = 0; i < hd; i++) {
            x[i] = w[i] * (x[i] * scale);
          }
        }
        for (int i = 0; i < half; i++) {
          float angle = positions[r] * invFreq[i];
          float cos = (float) Math.cos(angle);
          float sin = (float) Math.sin(angle);
          float x1 = x[i];
          float x2 = x[half + i];
          x[i] = x1 * cos - x2 * sin;
          x[half + i] = x2 * cos + x1 * sin;
        }
        for (int i = 0; i < hd; i++) {
          if (h < heads) {
            refQkv[off + i] = x[i];
          } else {
            refPool[(int) (at + (h - heads) * hd + i)] = roundBf16(x[i]);
          }
        }
      }
    }
    CUdeviceptr dQkv = upload(qkv);
    CUdeviceptr dSeg = seg == null ? null : upload(seg);
    CUdeviceptr dSlots = upload(slots);
    CUdeviceptr dPositions = upload(positions);
    CUdeviceptr dInv = upload(invFreq);
    CUdeviceptr dqn = qNorm == null ? null : upload(qNorm);
    CUdeviceptr dkn = kNorm == null ? null : upload(kNorm);
    CUdeviceptr dPool = model.uploadPool();
    CUdeviceptr dTable = upload(model.pageTable);
    attention.ropeStore(dQkv, rows, dSeg, dSlots, dPositions, dInv, dqn, dkn, eps, dPool, dTable,
        shape);
    String name = "ropeStore " + describe(shape) + (norm ? " qkNorm" : "")
        + (segmented ? " seg" : "");
    DeviceArrays.report(name + " q", DeviceArrays.download(ctx, dQkv, qkv.length),
        refQkv, 1e-4, failures);
    short[] pool = downloadShorts(ctx, dPool, model.pool.length);
    float[] gpuPool = new float[pool.length];
    for (int i = 0; i < pool.length; i++) {
      gpuPool[i] = f32(pool[i]);
    }
    DeviceArrays.report(name + " kv pages", gpuPool, refPool, 2e-2, failures);
    DeviceArrays.freeAll(ctx, dQkv, dSeg, dSlots, dPositions, dInv, dqn, dkn, dPool, dTable);
  }

  private void decode(AttentionShape shape, int[] positions, int splits, boolean segmented) {
    int hd = shape.headDim();
    int heads = shape.heads();
    int rowWidth = (heads + 2 * shape.kvHeads()) * hd;
    int rows = positions.length;
    int longest = Arrays.stream(positions).max().orElse(0) + 1;
    Pool model = new Pool(shape, rows, longest);
    int[] slots = new int[rows];
    for (int r = 0; r < rows; r++) {
      slots[r] = rows - 1 - r;
      model.fill(slots[r], positions[r] + 1);
    }
    float[] qkv = uniform(rows * rowWidth);
    int[] seg = segmented ? new int[] {2, 0, 2, 0, 0} : null;
    double[] ref = new double[rows * heads * hd];
    Arrays.fill(ref, Double.NaN);
    for (int r = 0; r < rows; r++) {
      if (segmented && r != 0 && r != 2) {
        continue;
      }
      for (int h = 0; h < heads; h++) {
        model.attend(qkv, r * rowWidth + h * hd, h, slots[r], positions[r], ref,
            (r * heads + h) * hd);
      }
    }
    float[] poison = new float[ref.length];
    Arrays.fill(poison, Float.NaN);
    CUdeviceptr dQkv = upload(qkv);
    CUdeviceptr dOut = upload(poison);
    CUdeviceptr dSeg = seg == null ? null : upload(seg);
    CUdeviceptr dSlots = upload(slots);
    CUdeviceptr dPositions = upload(positions);
    CUdeviceptr dPool = model.uploadPool();
    CUdeviceptr dTable = upload(model.pageTable);
    CUdeviceptr partial =
        splits > 1
            ? ctx.allocZeroed(4 * AttentionKernels.partialFloats(rows, heads, hd, splits))
            : null;
    attention.decode(dQkv, dOut, rows, dSeg, dSlots, dPositions, dPool, dTable, shape, partial,
        splits);
    if (partial != null) {
      // The last block of each (row, kv head) must leave its completion counter at zero: a second
      // launch over the same scratch gives the same result.
      float[] first = DeviceArrays.download(ctx, dOut, ref.length);
      cuMemcpyHtoD(dOut, Pointer.to(poison), 4L * poison.length);
      attention.decode(dQkv, dOut, rows, dSeg, dSlots, dPositions, dPool, dTable, shape,
          partial, splits);
      float[] second = DeviceArrays.download(ctx, dOut, ref.length);
      int[] counters = new int[AttentionKernels.SPLIT_COUNTERS];
      cuMemcpyDtoH(Pointer.to(counters), partial, 4L * counters.length);
      boolean same = Arrays.equals(first, second);
      boolean zero = Arrays.stream(counters).allMatch(c -> c == 0);
      String what = "decode relaunch splits=" + splits + " " + describe(shape);
      System.out.println((same && zero ? "PASS " : "FAIL ") + what + " sameOutput=" + same
          + " countersZero=" + zero);
      if (!(same && zero)) {
        failures[0]++;
      }
    }
    String name = "decode " + describe(shape) + " positions=" + Arrays.toString(positions)
        + " splits=" + splits + (segmented ? " seg" : "");
    DeviceArrays.report(name, DeviceArrays.download(ctx, dOut, ref.length), ref, 1e-4,
        failures);
    DeviceArrays.freeAll(ctx, dQkv, dOut, dSeg, dSlots, dPositions, dPool, dTable, partial);
  }

  private void prefill(AttentionShape shape, int rows, int firstPosition) {
    int hd = shape.headDim();
    int heads = shape.heads();
    int rowWidth = (heads + 2 * shape.kvHeads()) * hd;
    int slot = 1;
    Pool model = new Pool(shape, 2, firstPosition + rows);
    model.fill(0, 10);
    model.fill(slot, firstPosition + rows);
    float[] qkv = uniform(rows * rowWidth);
    double[] ref = new double[rows * heads * hd];
    for (int r = 0; r < rows; r++) {
      for (int h = 0; h < heads; h++) {
        model.attend(qkv, r * rowWidth + h * hd, h, slot, firstPosition + r, ref,
            (r * heads + h) * hd);
      }
    }
    float[] poison = new float[ref.length];
    Arrays.fill(poison, Float.NaN);
    CUdeviceptr dQkv = upload(qkv);
    CUdeviceptr dOut = upload(poison);
    CUdeviceptr dPool = model.uploadPool();
    CUdeviceptr dTable = upload(model.pageTable);
    attention.prefill(dQkv, dOut, rows, slot, firstPosition, dPool, dTable, shape);
    String name = "prefill " + describe(shape) + " rows=" + rows + " first=" + firstPosition;
    DeviceArrays.report(name, DeviceArrays.download(ctx, dOut, ref.length), ref, 1e-4,
        failures);
    DeviceArrays.freeAll(ctx, dQkv, dOut, dPool, dTable);
  }
}
