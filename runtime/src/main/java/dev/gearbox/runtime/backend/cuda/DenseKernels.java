package dev.gearbox.runtime.backend.cuda;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import jcuda.driver.CUdeviceptr;

/**
 * Launchers of the dense kernels ({@code dense.cu}): embedding lookup, RMSNorm, linear layers,
 * SiLU gating, residual add, argmax and sampling, random fills, f32-to-bf16 conversion and a
 * memory-bandwidth probe. Every method queues work on the context's stream and returns at once;
 * arguments that can be checked on the host are, with an {@link IllegalArgumentException} that
 * names the argument and what was expected.
 *
 * <p>Layouts: linear weights bf16 {@code [out][in]} row-major; activations f32 {@code
 * [rows][width]}; {@code seg} a device int array {@code [1 + maxRows]} (count, then ascending row
 * indices) or null for all rows.
 */
public final class DenseKernels {
  /** Rows up to which {@link #linear} runs the bandwidth-bound GEMV (one pass over the weights). */
  public static final int GEMV_MAX_ROWS = 8;

  /**
   * GEMV kernel families ({@code dense_gemv_<variant>r<rows>}): plain x, RMSNorm on load, SiLU
   * gating on load.
   */
  private static final List<String> GEMV_VARIANTS = List.of("", "norm_", "silu_");

  /** Every kernel these launchers start, as named in {@code dense.cu}. */
  static final List<String> KERNELS = kernels();

  private static List<String> kernels() {
    List<String> names = new ArrayList<>(List.of("dense_embed", "dense_rms_norm"));
    for (String variant : GEMV_VARIANTS) {
      for (int rows = 1; rows <= GEMV_MAX_ROWS; rows++) {
        names.add(gemvKernel(variant, rows));
      }
    }
    names.addAll(
        List.of(
            "dense_gemm",
            "dense_gemm_large",
            "dense_gemm_init",
            "dense_silu_mul",
            "dense_add",
            "dense_argmax",
            "dense_sample",
            "dense_fill_uniform_bf16",
            "dense_fill_uniform_f32",
            "dense_convert_f32_bf16",
            "dense_read_probe"));
    return List.copyOf(names);
  }

  private static final int GEMM_TILE = 64;
  private static final int GEMM_K = 32;
  private static final int GEMM_LARGE_TILE = 128;
  private static final int GEMV_WARPS = 8;

  private final CudaContext ctx;
  private final int multiprocessors;

  public DenseKernels(CudaContext ctx) {
    this.ctx = ctx;
    this.multiprocessors = ctx.multiprocessors();
    // sample's per-(row, slice) bests and per-row completion counters (zero between launches).
    this.samplePartBest = ctx.alloc(4L * MAX_SAMPLE_ROWS * SAMPLE_PARTS);
    this.samplePartIdx = ctx.alloc(4L * MAX_SAMPLE_ROWS * SAMPLE_PARTS);
    this.sampleDone = ctx.allocZeroed(4L * MAX_SAMPLE_ROWS);
  }

  /** Rows one {@link #sample} call may take. */
  public static final int MAX_SAMPLE_ROWS = 8192;

  /** Vocabulary slices (blocks per row) of {@link #sample}, at most. */
  static final int SAMPLE_PARTS = 32;

  private final CUdeviceptr samplePartBest;
  private final CUdeviceptr samplePartIdx;
  private final CUdeviceptr sampleDone;

  /** {@code out[r][h] = table[tokens[r]][h]} (bf16 table to f32). */
  public void embed(CUdeviceptr table, CUdeviceptr tokens, CUdeviceptr out, int rows, int hidden) {
    Check.nonNegative("rows", rows);
    Check.positive("hidden", hidden);
    Check.notNull("table", table);
    Check.notNull("tokens", tokens);
    Check.notNull("out", out);
    if (rows == 0) {
      return;
    }
    ctx.launch("dense_embed", rows, 1, 1, 256, 0, table, tokens, out, rows, hidden);
  }

  /**
   * Per row {@code out = x / sqrt(mean(x^2) + eps) * weight}; {@code out} may be {@code x} (then
   * one block per row), else it must not overlap {@code x} (few rows then spread each row's
   * columns over several blocks).
   */
  public void rmsNorm(
      CUdeviceptr x, CUdeviceptr weight, CUdeviceptr out, int rows, int n, float eps) {
    Check.nonNegative("rows", rows);
    Check.positive("n", n);
    Check.notNull("x", x);
    Check.notNull("weight", weight);
    Check.notNull("out", out);
    if (rows == 0) {
      return;
    }
    boolean inPlace = Address.of(x) == Address.of(out);
    int parts = inPlace ? 1 : rmsNormParts(rows, n, multiprocessors);
    ctx.launch("dense_rms_norm", rows, parts, 1, 256, 0, x, weight, out, rows, n, eps);
  }

  /**
   * Blocks per row of an out-of-place RMSNorm: rows under 16 get up to two blocks per SM in all,
   * each writing at least 256 columns (one per thread).
   */
  public static int rmsNormParts(int rows, int n, int multiprocessors) {
    if (rows >= 16) {
      return 1;
    }
    long byColumns = Math.max(1, n / 256);
    long bySms = Math.max(1, 2L * multiprocessors / rows);
    return (int) Math.min(byColumns, bySms);
  }

  /**
   * {@code y[r] (= or +=) W x[r] (+ bias)} for the rows of {@code seg} (all {@code rows} when
   * null). Up to {@link #GEMV_MAX_ROWS} rows: a GEMV that reads each weight once with 16-byte
   * loads; more: a bf16 tensor-core GEMM with fp32 accumulation (x rounded to bf16 on load).
   * Strides are in floats and multiples of 4, {@code in % 8 == 0}, pointers 16-byte aligned;
   * {@code y} must not overlap {@code x}.
   */
  public void linear(
      CUdeviceptr x,
      int xStride,
      CUdeviceptr weight,
      CUdeviceptr bias,
      CUdeviceptr y,
      int yStride,
      int rows,
      int in,
      int out,
      CUdeviceptr seg,
      boolean accumulate) {
    checkLinear(x, xStride, weight, bias, y, yStride, rows, in, out);
    if (rows == 0) {
      return;
    }
    int acc = accumulate ? 1 : 0;
    if (rows <= GEMV_MAX_ROWS) {
      gemv("", x, xStride, weight, bias, y, yStride, rows, in, out, seg, acc);
    } else {
      if (useLargeGemm(rows, out, multiprocessors)) {
        int gridX = (out + GEMM_LARGE_TILE - 1) / GEMM_LARGE_TILE;
        int gridY = (rows + GEMM_LARGE_TILE - 1) / GEMM_LARGE_TILE;
        ctx.launch(
            "dense_gemm_large", gridX, gridY, 1, 256, 0,
            x, xStride, weight, bias, y, yStride, rows, in, out, seg, acc, in);
        return;
      }
      int gridX = (out + GEMM_TILE - 1) / GEMM_TILE;
      int gridY = (rows + GEMM_TILE - 1) / GEMM_TILE;
      int splits = gemmSplit(gridX * gridY, in, multiprocessors);
      int kChunk = ((in + splits - 1) / splits + GEMM_K - 1) / GEMM_K * GEMM_K;
      if (splits > 1) {
        ctx.launch("dense_gemm_init", rows, 1, 1, 256, 0, bias, y, yStride, rows, out, seg, acc);
      }
      ctx.launch(
          "dense_gemm", gridX, gridY, splits, 128, 0,
          x, xStride, weight, bias, y, yStride, rows, in, out, seg, acc, kChunk);
    }
  }

  /**
   * {@link #linear} of the RMS-normed rows: {@code y[r] (= or +=) W (x[r] / sqrt(mean(x[r]^2) +
   * eps) * normWeight) (+ bias)}, the norm applied as x is loaded ({@code x} itself is not
   * changed). Only for up to {@link #GEMV_MAX_ROWS} rows (decode); more rows take {@link
   * #rmsNorm} then {@link #linear}. {@code normWeight} f32 {@code [in]}, 16-byte aligned.
   */
  public void linearNorm(
      CUdeviceptr x,
      int xStride,
      CUdeviceptr normWeight,
      float eps,
      CUdeviceptr weight,
      CUdeviceptr bias,
      CUdeviceptr y,
      int yStride,
      int rows,
      int in,
      int out,
      CUdeviceptr seg,
      boolean accumulate) {
    checkLinear(x, xStride, weight, bias, y, yStride, rows, in, out);
    Check.atMost("rows", rows, "GEMV_MAX_ROWS", GEMV_MAX_ROWS);
    Check.aligned("normWeight", normWeight, 16);
    if (rows == 0) {
      return;
    }
    gemv("norm_", x, xStride, weight, bias, y, yStride, rows, in, out, seg, accumulate ? 1 : 0,
        normWeight, eps);
  }

  /**
   * {@link #linear} of the SiLU-gated rows: {@code y[r] (= or +=) W (silu(gateUp[r][0..inter)) *
   * gateUp[r][inter..2 inter)) (+ bias)}, the gating applied as x is loaded (what {@link
   * #siluMul} then {@link #linear} compute, without the intermediate buffer). Only for up to
   * {@link #GEMV_MAX_ROWS} rows; {@code xStride >= 2 * inter}, {@code inter % 8 == 0}.
   */
  public void linearSiluMul(
      CUdeviceptr gateUp,
      int xStride,
      CUdeviceptr weight,
      CUdeviceptr bias,
      CUdeviceptr y,
      int yStride,
      int rows,
      int inter,
      int out,
      CUdeviceptr seg,
      boolean accumulate) {
    checkLinear(gateUp, xStride, weight, bias, y, yStride, rows, inter, out);
    Check.atLeast("xStride", xStride, "2 * inter", 2L * inter);
    Check.atMost("rows", rows, "GEMV_MAX_ROWS", GEMV_MAX_ROWS);
    if (rows == 0) {
      return;
    }
    gemv("silu_", gateUp, xStride, weight, bias, y, yStride, rows, inter, out, seg,
        accumulate ? 1 : 0);
  }

  /** Launches GEMV family {@code variant} (rows 1..8); {@code extra} follow the common args. */
  private void gemv(
      String variant,
      CUdeviceptr x,
      int xStride,
      CUdeviceptr weight,
      CUdeviceptr bias,
      CUdeviceptr y,
      int yStride,
      int rows,
      int in,
      int out,
      CUdeviceptr seg,
      int acc,
      Object... extra) {
    int perWarp = gemvOutputsPerWarp(rows);
    int ksplit = gemvSplit((out + perWarp - 1) / perWarp, in, multiprocessors);
    int perBlock = GEMV_WARPS / ksplit * perWarp;
    int grid = (out + perBlock - 1) / perBlock;
    Object[] common = {x, xStride, weight, bias, y, yStride, rows, in, out, seg, acc, ksplit};
    Object[] args = Arrays.copyOf(common, common.length + extra.length);
    System.arraycopy(extra, 0, args, common.length, extra.length);
    ctx.launch(gemvKernel(variant, rows), grid, 1, 1, 32 * GEMV_WARPS, 0, args);
  }

  /** 128x128 tiles when there are enough of them to give every SM one; else 64x64 tiles. */
  static boolean useLargeGemm(int rows, int out, int multiprocessors) {
    long tiles =
        (long) ((rows + GEMM_LARGE_TILE - 1) / GEMM_LARGE_TILE)
            * ((out + GEMM_LARGE_TILE - 1) / GEMM_LARGE_TILE);
    return rows >= GEMM_LARGE_TILE && tiles >= multiprocessors;
  }

  /**
   * K splits of the GEMM (1..16): when the output tiles alone cannot keep four blocks on every
   * SM streaming weights (few rows), each tile's K range is cut so that they can, but no split
   * covers fewer than 256 of {@code in}. Split sums meet through atomic adds.
   */
  static int gemmSplit(int tiles, int in, int multiprocessors) {
    long wanted = (4L * multiprocessors + tiles - 1) / tiles;
    return (int) Math.max(1, Math.min(Math.min(wanted, in / 256), 16));
  }

  /** The GEMV kernel for {@code rows} (1..8) rows. */
  static String gemvKernel(int rows) {
    return gemvKernel("", rows);
  }

  /** The GEMV kernel of family {@code variant} ("", "norm_", ...) for {@code rows} rows. */
  static String gemvKernel(String variant, int rows) {
    return "dense_gemv_" + variant + "r" + rows;
  }

  /** The host-side checks of {@link #linear}. */
  static void checkLinear(
      CUdeviceptr x,
      int xStride,
      CUdeviceptr weight,
      CUdeviceptr bias,
      CUdeviceptr y,
      int yStride,
      int rows,
      int in,
      int out) {
    Check.nonNegative("rows", rows);
    Check.positive("in", in);
    Check.positive("out", out);
    Check.multiple("in", in, 8);
    Check.multiple("xStride", xStride, 4);
    Check.multiple("yStride", yStride, 4);
    Check.atLeast("xStride", xStride, "in", in);
    Check.atLeast("yStride", yStride, "out", out);
    Check.aligned("x", x, 16);
    Check.aligned("weight", weight, 16);
    Check.aligned("y", y, 16);
    if (bias != null) {
      Check.aligned("bias", bias, 4);
    }
  }

  /** Outputs each GEMV warp computes for {@code rows} rows (as instantiated in dense.cu). */
  static int gemvOutputsPerWarp(int rows) {
    return rows == 1 ? 1 : rows <= 4 ? 2 : 4;
  }

  /**
   * Warps sharing the outputs of one GEMV warp task (1, 2, 4 or 8): enough warps to keep every
   * SM streaming when there are few tasks ({@code out} / outputs per warp), while each warp still
   * reads at least two 512-byte stretches per weight row.
   */
  static int gemvSplit(int tasks, int in, int multiprocessors) {
    long targetWarps = 32L * multiprocessors;
    int ksplit = 1;
    while (ksplit < GEMV_WARPS
        && (long) tasks * ksplit < targetWarps
        && in >= 512 * ksplit) {
      ksplit *= 2;
    }
    return ksplit;
  }

  /** {@code out[r][i] = silu(gateUp[r][i]) * gateUp[r][inter + i]}. */
  public void siluMul(CUdeviceptr gateUp, CUdeviceptr out, int rows, int inter) {
    Check.nonNegative("rows", rows);
    Check.positive("inter", inter);
    Check.notNull("gateUp", gateUp);
    Check.notNull("out", out);
    long total = (long) rows * inter;
    if (total == 0) {
      return;
    }
    ctx.launch("dense_silu_mul", gridFor(total), 1, 1, 256, 0, gateUp, out, rows, inter);
  }

  /** {@code y[i] += x[i]} for {@code i < n}. */
  public void add(CUdeviceptr y, CUdeviceptr x, long n) {
    Check.notNull("y", y);
    Check.notNull("x", x);
    if (n < 0) {
      throw new IllegalArgumentException("n must be >= 0, got " + n);
    }
    if (n == 0) {
      return;
    }
    ctx.launch("dense_add", gridFor(n), 1, 1, 256, 0, y, x, n);
  }

  /** Per row the index of the largest logit (lowest index on ties; NaN never wins). */
  public void argmax(CUdeviceptr logits, int rows, int vocab, CUdeviceptr outTokens) {
    Check.nonNegative("rows", rows);
    Check.positive("vocab", vocab);
    Check.notNull("logits", logits);
    Check.notNull("outTokens", outTokens);
    if (rows == 0) {
      return;
    }
    ctx.launch("dense_argmax", rows, 1, 1, 1024, 0, logits, rows, vocab, outTokens);
  }

  /**
   * Per row: argmax when {@code temperature[r] <= 0}, else Gumbel-max over {@code
   * logits/temperature} with noise from Philox4x32-10 keyed by {@code seeds[r]} (int64) at
   * counter ({@code i, counters[r]}): an exact draw from the softmax.
   */
  public void sample(
      CUdeviceptr logits,
      int rows,
      int vocab,
      CUdeviceptr temperature,
      CUdeviceptr seeds,
      CUdeviceptr counters,
      CUdeviceptr outTokens) {
    Check.nonNegative("rows", rows);
    Check.positive("vocab", vocab);
    Check.notNull("logits", logits);
    Check.notNull("temperature", temperature);
    Check.notNull("seeds", seeds);
    Check.aligned("seeds", seeds, 8);
    Check.notNull("counters", counters);
    Check.notNull("outTokens", outTokens);
    if (rows == 0) {
      return;
    }
    Check.atMost("rows", rows, "MAX_SAMPLE_ROWS", MAX_SAMPLE_ROWS);
    // Slices of at least 2048 entries: enough blocks to stream a 150k vocabulary at once.
    int parts = (int) Math.max(1, Math.min(SAMPLE_PARTS, (vocab + 2047L) / 2048));
    ctx.launch(
        "dense_sample", rows, parts, 1, 256, 0,
        logits, rows, vocab, temperature, seeds, counters, outTokens, samplePartBest,
        samplePartIdx, sampleDone, parts);
  }

  /** Fills {@code count} bf16 values with U(-scale, scale), a pure function of (seed, index). */
  public void fillUniformBf16(CUdeviceptr target, long count, long seed, float scale) {
    Check.notNull("target", target);
    Check.nonNegative("count", count);
    if (count == 0) {
      return;
    }
    ctx.launch("dense_fill_uniform_bf16", gridFor(count), 1, 1, 256, 0, target, count, seed, scale);
  }

  /** Fills {@code count} f32 values with {@code offset + U(-scale, scale)}, deterministic. */
  public void fillUniformF32(CUdeviceptr target, long count, long seed, float scale, float offset) {
    Check.notNull("target", target);
    Check.nonNegative("count", count);
    if (count == 0) {
      return;
    }
    ctx.launch(
        "dense_fill_uniform_f32", gridFor(count), 1, 1, 256, 0, target, count, seed, scale, offset);
  }

  /** {@code dst[i] = bf16(src[i])}, round to nearest even. */
  public void convertF32ToBf16(CUdeviceptr src, CUdeviceptr dst, long count) {
    Check.notNull("src", src);
    Check.notNull("dst", dst);
    Check.nonNegative("count", count);
    if (count == 0) {
      return;
    }
    ctx.launch("dense_convert_f32_bf16", gridFor(count), 1, 1, 256, 0, src, dst, count);
  }

  /**
   * Reads {@code bytes} (a multiple of 16, buffer 16-byte aligned) with 16-byte loads and adds
   * the wrapping sum of its 32-bit words to the unsigned int at {@code sink}.
   */
  public void readProbe(CUdeviceptr buffer, long bytes, CUdeviceptr sink) {
    Check.notNull("buffer", buffer);
    Check.notNull("sink", sink);
    Check.aligned("buffer", buffer, 16);
    Check.aligned("sink", sink, 4);
    Check.nonNegative("bytes", bytes);
    if (bytes % 16 != 0) {
      throw new IllegalArgumentException("bytes must be a multiple of 16, got " + bytes);
    }
    if (bytes == 0) {
      return;
    }
    long chunks = bytes / 16;
    int grid = (int) Math.min(4L * multiprocessors, (chunks + 511) / 512);
    ctx.launch("dense_read_probe", grid, 1, 1, 512, 0, buffer, chunks, sink);
  }

  /** Grid for a grid-stride loop of 256-thread blocks over {@code n} elements. */
  private int gridFor(long n) {
    return (int) Math.max(1, Math.min((n + 255) / 256, 32L * multiprocessors));
  }
}
