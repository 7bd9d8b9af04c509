package dev.gearbox.runtime.backend.cuda.check;

import static dev.gearbox.runtime.backend.cuda.check.DeviceArrays.bf16;
import static dev.gearbox.runtime.backend.cuda.check.DeviceArrays.download;
import static dev.gearbox.runtime.backend.cuda.check.DeviceArrays.downloadShorts;
import static dev.gearbox.runtime.backend.cuda.check.DeviceArrays.f32;
import static dev.gearbox.runtime.backend.cuda.check.DeviceArrays.freeAll;
import static dev.gearbox.runtime.backend.cuda.check.DeviceArrays.roundBf16;
import static dev.gearbox.runtime.backend.cuda.check.DeviceArrays.upload;
import static dev.gearbox.runtime.backend.cuda.check.DeviceArrays.uploadBf16;
import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;

import dev.gearbox.runtime.backend.cuda.CudaContext;
import dev.gearbox.runtime.backend.cuda.DenseKernels;
import java.util.Arrays;
import java.util.SplittableRandom;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;

/**
 * Device check of {@link DenseKernels}: runs every kernel on random inputs on GPU 0, compares with
 * a plain-Java reference and prints {@code PASS|FAIL <case> relErr=.. maxAbs=..} per case, then
 * bandwidth figures (INFO lines). Exits 1 when any case fails. Outputs are poisoned with NaN
 * first; rows outside a segment must keep their previous contents.
 */
public final class DenseKernelsCheck {
  static final float NAN = Float.NaN;

  private final CudaContext ctx;
  private final DenseKernels dense;
  private final SplittableRandom random = new SplittableRandom(42);
  private int failures;

  private DenseKernelsCheck(CudaContext ctx) {
    this.ctx = ctx;
    this.dense = new DenseKernels(ctx);
  }

  public static void main(String[] args) {
    try (CudaContext ctx = CudaContext.open(0)) {
      System.out.println("device " + ctx.name() + ", " + ctx.multiprocessors() + " SMs");
      DenseKernelsCheck check = new DenseKernelsCheck(ctx);
      check.run();
      if (check.failures > 0) {
        System.out.println(check.failures + " FAILED");
        System.exit(1);
      }
      System.out.println("all PASS");
    }
  }

  private void run() {
    embed();
    rmsNorm();
    int[][] shapes = {{256, 96}, {264, 75}, {4096, 1024}, {512, 5000}};
    for (int[] shape : shapes) {
      for (int rows : new int[] {1, 3, 8, 9, 33, 64}) {
        if ((long) shape[0] * shape[1] * rows > 64L * 4096 * 1024 && rows > 9) {
          continue;
        }
        linear(rows, shape[0], shape[1], false, false, false);
      }
    }
    for (int rows : new int[] {1, 3, 8, 9, 33, 70}) {
      linear(rows, 264, 75, true, true, false);
      linear(rows, 264, 75, true, false, true);
      linear(rows, 4096, 1024, false, true, true);
    }
    // 128x128-tile GEMM (384 rows x 5632 outputs = 132 tiles), K edge (136 % 32 != 0).
    linear(384, 136, 5632, false, false, false);
    linear(384, 136, 5632, true, true, true);
    linearEmptySegment();
    for (int rows : new int[] {1, 2, 3, 5, 7, 8}) {
      linearFused(NORM, rows, 264, 75, false, false, false);
      linearFused(NORM, rows, 4096, 1024, true, true, true);
      linearFused(NORM, rows, 512, 5000, false, false, true);
      linearFused(SILU, rows, 264, 75, true, false, false);
      linearFused(SILU, rows, 4096, 1024, false, true, true);
      linearFused(SILU, rows, 1376, 512, false, true, false);
    }
    siluMul();
    add();
    argmax();
    sample();
    fills();
    convert();
    readProbe();
    bandwidth();
  }

  // ------------------------------------------------------------------------------------------
  // Host helpers (the shared ones are in DeviceArrays).

  float[] uniform(int n, float scale) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
    }
    return v;
  }

  private void report(String name, float[] gpu, double[] ref, double tolerance) {
    int[] count = {0};
    DeviceArrays.report(name, gpu, ref, tolerance, count);
    failures += count[0];
  }

  private void verdict(String name, boolean pass, String detail) {
    System.out.println((pass ? "PASS " : "FAIL ") + name + " " + detail);
    if (!pass) {
      failures++;
    }
  }

  private static float[] nan(int n) {
    float[] v = new float[n];
    Arrays.fill(v, NAN);
    return v;
  }

  // ------------------------------------------------------------------------------------------

  private void embed() {
    int vocab = 100;
    int hidden = 264;
    int rows = 5;
    float[] table = uniform(vocab * hidden, 1f);
    int[] tokens = {3, 99, 0, 3, 57};
    CUdeviceptr t = uploadBf16(ctx, table);
    CUdeviceptr tok = upload(ctx, tokens);
    CUdeviceptr out = upload(ctx, nan(rows * hidden));
    dense.embed(t, tok, out, rows, hidden);
    double[] ref = new double[rows * hidden];
    for (int r = 0; r < rows; r++) {
      for (int h = 0; h < hidden; h++) {
        ref[r * hidden + h] = roundBf16(table[tokens[r] * hidden + h]);
      }
    }
    report("embed rows=5 hidden=264", download(ctx, out, rows * hidden), ref, 1e-6);
    freeAll(ctx, t, tok, out);
  }

  private void rmsNorm() {
    // 3 x 1000: 3 blocks per row; 1 x 5120: 20 blocks; 20 rows: one block per row.
    rmsNorm(3, 1000);
    rmsNorm(1, 5120);
    rmsNorm(9, 4104);
    rmsNorm(20, 1000);
  }

  private void rmsNorm(int rows, int n) {
    float[] x = uniform(rows * n, 3f);
    float[] w = uniform(n, 1f);
    double[] ref = new double[rows * n];
    for (int r = 0; r < rows; r++) {
      double sum = 0;
      for (int i = 0; i < n; i++) {
        sum += (double) x[r * n + i] * x[r * n + i];
      }
      double scale = 1.0 / Math.sqrt(sum / n + 1e-6);
      for (int i = 0; i < n; i++) {
        ref[r * n + i] = w[i] * (x[r * n + i] * scale);
      }
    }
    CUdeviceptr dx = upload(ctx, x);
    CUdeviceptr dw = upload(ctx, w);
    CUdeviceptr out = upload(ctx, nan(rows * n));
    dense.rmsNorm(dx, dw, out, rows, n, 1e-6f);
    String shape = " rows=" + rows + " n=" + n;
    report("rmsNorm" + shape + " blocksPerRow=" + DenseKernels.rmsNormParts(rows, n,
        ctx.multiprocessors()), download(ctx, out, rows * n), ref, 1e-4);
    dense.rmsNorm(dx, dw, dx, rows, n, 1e-6f);
    report("rmsNorm in-place" + shape, download(ctx, dx, rows * n), ref, 1e-4);
    freeAll(ctx, dx, dw, out);
  }

  /** Every other row of {@code rows}, starting at row 1 when there is more than one. */
  private static int[] segmentOf(int rows) {
    int count = rows == 1 ? 1 : rows / 2;
    int[] seg = new int[1 + rows];
    seg[0] = count;
    for (int i = 0; i < count; i++) {
      seg[1 + i] = rows == 1 ? 0 : 1 + 2 * i;
    }
    return seg;
  }

  private void linear(
      int rows, int in, int out, boolean withBias, boolean accumulate, boolean segmented) {
    int xStride = in + 4;
    int yStride = ((out + 3) / 4) * 4 + 4;
    float[] x = uniform(rows * xStride, 1f);
    float[] w = uniform(out * in, 1f / (float) Math.sqrt(in));
    float[] bias = withBias ? uniform(out, 0.5f) : null;
    float[] y0 = accumulate ? uniform(rows * yStride, 1f) : nan(rows * yStride);
    int[] seg = segmented ? segmentOf(rows) : null;
    boolean[] selected = new boolean[rows];
    if (seg == null) {
      Arrays.fill(selected, true);
    } else {
      for (int i = 0; i < seg[0]; i++) {
        selected[seg[1 + i]] = true;
      }
    }
    boolean gemm = rows > DenseKernels.GEMV_MAX_ROWS;
    double[] ref = new double[rows * yStride];
    for (int r = 0; r < rows; r++) {
      for (int o = 0; o < yStride; o++) {
        int at = r * yStride + o;
        if (!selected[r] || o >= out) {
          ref[at] = y0[at];
          continue;
        }
        double s = 0;
        for (int k = 0; k < in; k++) {
          float xv = x[r * xStride + k];
          s += (double) roundBf16(w[o * in + k]) * (gemm ? roundBf16(xv) : xv);
        }
        if (bias != null) {
          s += bias[o];
        }
        ref[at] = accumulate ? y0[at] + s : s;
      }
    }
    CUdeviceptr dx = upload(ctx, x);
    CUdeviceptr dw = uploadBf16(ctx, w);
    CUdeviceptr db = bias == null ? null : upload(ctx, bias);
    CUdeviceptr dy = upload(ctx, y0);
    CUdeviceptr ds = seg == null ? null : upload(ctx, seg);
    dense.linear(dx, xStride, dw, db, dy, yStride, rows, in, out, ds, accumulate);
    String name =
        String.format(
            "linear %s rows=%d in=%d out=%d%s%s%s",
            gemm ? "gemm" : "gemv", rows, in, out, withBias ? " bias" : "",
            accumulate ? " accumulate" : "", segmented ? " seg" : "");
    report(name, download(ctx, dy, rows * yStride), ref, 2e-2);
    freeAll(ctx, dx, dw, db, dy, ds);
  }

  private static final int NORM = 1;
  private static final int SILU = 2;

  /**
   * A fused-prologue GEMV ({@code mode} NORM: {@link DenseKernels#linearNorm}; SILU: {@link
   * DenseKernels#linearSiluMul}, x rows gate | up) against plain Java: the reference forms each
   * row's input in double, then multiplies by the bf16-rounded weights. x must come back
   * unchanged (the residual stays un-normed).
   */
  private void linearFused(
      int mode, int rows, int in, int out, boolean withBias, boolean accumulate,
      boolean segmented) {
    int xStride = (mode == SILU ? 2 * in : in) + 4;
    int yStride = ((out + 3) / 4) * 4 + 4;
    float[] x = uniform(rows * xStride, 3f);
    float[] nw = uniform(in, 1f);
    float eps = 1e-5f;
    float[] w = uniform(out * in, 1f / (float) Math.sqrt(in));
    float[] bias = withBias ? uniform(out, 0.5f) : null;
    float[] y0 = accumulate ? uniform(rows * yStride, 1f) : nan(rows * yStride);
    int[] seg = segmented ? segmentOf(rows) : null;
    boolean[] selected = new boolean[rows];
    for (int i = 0; i < (seg == null ? rows : seg[0]); i++) {
      selected[seg == null ? i : seg[1 + i]] = true;
    }
    double[] ref = new double[rows * yStride];
    double[] xIn = new double[in];
    for (int r = 0; r < rows; r++) {
      double sum = 0;
      for (int k = 0; k < in; k++) {
        sum += (double) x[r * xStride + k] * x[r * xStride + k];
      }
      double scale = 1.0 / Math.sqrt(sum / in + eps);
      for (int k = 0; k < in; k++) {
        double g = x[r * xStride + k];
        xIn[k] =
            mode == NORM
                ? nw[k] * (g * scale)
                : g / (1 + Math.exp(-g)) * x[r * xStride + in + k];
      }
      for (int o = 0; o < yStride; o++) {
        int at = r * yStride + o;
        if (!selected[r] || o >= out) {
          ref[at] = y0[at];
          continue;
        }
        double s = 0;
        for (int k = 0; k < in; k++) {
          s += (double) roundBf16(w[o * in + k]) * xIn[k];
        }
        if (bias != null) {
          s += bias[o];
        }
        ref[at] = accumulate ? y0[at] + s : s;
      }
    }
    CUdeviceptr dx = upload(ctx, x);
    CUdeviceptr dn = upload(ctx, nw);
    CUdeviceptr dw = uploadBf16(ctx, w);
    CUdeviceptr db = bias == null ? null : upload(ctx, bias);
    CUdeviceptr dy = upload(ctx, y0);
    CUdeviceptr ds = seg == null ? null : upload(ctx, seg);
    if (mode == NORM) {
      dense.linearNorm(dx, xStride, dn, eps, dw, db, dy, yStride, rows, in, out, ds, accumulate);
    } else {
      dense.linearSiluMul(dx, xStride, dw, db, dy, yStride, rows, in, out, ds, accumulate);
    }
    String name =
        String.format(
            "%s rows=%d in=%d out=%d%s%s%s", mode == NORM ? "linearNorm" : "linearSiluMul",
            rows, in, out,
            withBias ? " bias" : "", accumulate ? " accumulate" : "", segmented ? " seg" : "");
    report(name, download(ctx, dy, rows * yStride), ref, 2e-2);
    double[] xRef = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      xRef[i] = x[i];
    }
    report(name + " leaves x unchanged", download(ctx, dx, x.length), xRef, 1e-7);
    freeAll(ctx, dx, dn, dw, db, dy, ds);
  }

  private void linearEmptySegment() {
    int rows = 12;
    int in = 64;
    int out = 32;
    CUdeviceptr dx = upload(ctx, uniform(rows * in, 1f));
    CUdeviceptr dw = uploadBf16(ctx, uniform(out * in, 1f));
    CUdeviceptr dy = upload(ctx, nan(rows * out));
    CUdeviceptr ds = upload(ctx, new int[1 + rows]);
    double[] ref = new double[rows * out];
    Arrays.fill(ref, Double.NaN);
    dense.linear(dx, in, dw, null, dy, out, rows, in, out, ds, false);
    dense.linear(dx, in, dw, null, dy, out, 4, in, out, ds, false);
    CUdeviceptr dn = upload(ctx, uniform(in, 1f));
    dense.linearNorm(dx, in, dn, 1e-5f, dw, null, dy, out, 4, in, out, ds, false);
    dense.linearSiluMul(dx, in, dw, null, dy, out, 4, in / 2, out, ds, false);
    report("linear empty seg writes nothing", download(ctx, dy, rows * out), ref, 1);
    freeAll(ctx, dx, dw, dy, ds, dn);
  }

  private void siluMul() {
    int rows = 3;
    int inter = 500;
    float[] gu = uniform(rows * 2 * inter, 6f);
    double[] ref = new double[rows * inter];
    for (int r = 0; r < rows; r++) {
      for (int i = 0; i < inter; i++) {
        double g = gu[r * 2 * inter + i];
        ref[r * inter + i] = g / (1 + Math.exp(-g)) * gu[r * 2 * inter + inter + i];
      }
    }
    CUdeviceptr dg = upload(ctx, gu);
    CUdeviceptr out = upload(ctx, nan(rows * inter));
    dense.siluMul(dg, out, rows, inter);
    report("siluMul rows=3 inter=500", download(ctx, out, rows * inter), ref, 1e-5);
    freeAll(ctx, dg, out);
  }

  private void add() {
    int n = 10_001;
    float[] y = uniform(n, 1f);
    float[] x = uniform(n, 1f);
    double[] ref = new double[n];
    for (int i = 0; i < n; i++) {
      ref[i] = y[i] + x[i];
    }
    CUdeviceptr dy = upload(ctx, y);
    CUdeviceptr dx = upload(ctx, x);
    dense.add(dy, dx, n);
    report("add n=10001", download(ctx, dy, n), ref, 1e-6);
    freeAll(ctx, dy, dx);
  }

  private void argmax() {
    int rows = 3;
    int vocab = 152_000;
    float[] logits = uniform(rows * vocab, 10f);
    logits[100] = 50f; // row 0: tie between 100 and 90000, lowest wins
    logits[90_000] = 50f;
    logits[vocab + 151_999] = 60f; // row 1: last element, with NaNs around
    logits[vocab + 5] = NAN;
    logits[vocab + 151_998] = NAN;
    int expected2 = 0;
    for (int i = 1; i < vocab; i++) {
      if (logits[2 * vocab + i] > logits[2 * vocab + expected2]) {
        expected2 = i;
      }
    }
    int[] expected = {100, 151_999, expected2};
    CUdeviceptr dl = upload(ctx, logits);
    CUdeviceptr dt = upload(ctx, new int[] {-1, -1, -1});
    dense.argmax(dl, rows, vocab, dt);
    ctx.synchronize();
    int[] got = new int[rows];
    ctx.download(got, dt, rows);
    verdict("argmax rows=3 vocab=152000 ties+NaN", Arrays.equals(got, expected),
        "got=" + Arrays.toString(got) + " expected=" + Arrays.toString(expected));
    freeAll(ctx, dl, dt);
  }

  /** Philox4x32-10 first output word, as in dense.cu. */
  static int philox(int c0, int c1, int c2, int c3, int k0, int k1) {
    for (int round = 0; round < 10; round++) {
      long p0 = 0xD2511F53L * (c0 & 0xffffffffL);
      long p1 = 0xCD9E8D57L * (c2 & 0xffffffffL);
      int hi0 = (int) (p0 >>> 32);
      int lo0 = (int) p0;
      int hi1 = (int) (p1 >>> 32);
      int lo1 = (int) p1;
      c0 = hi1 ^ c1 ^ k0;
      c1 = lo1;
      c2 = hi0 ^ c3 ^ k1;
      c3 = lo0;
      k0 += 0x9E3779B9;
      k1 += 0xBB67AE85;
    }
    return c0;
  }

  private void sample() {
    // Exactness against a host replay: the chosen token's host Gumbel score is the host maximum.
    int rows = 4;
    int vocab = 50_000;
    float[] logits = uniform(rows * vocab, 4f);
    float[] temperature = {0f, 0.7f, 1f, 1.5f};
    long[] seeds = {1L, 0x123456789abcdefL, -7L, 99L};
    int[] counters = {0, 5, 17, 123456};
    int[] got = runSample(logits, rows, vocab, temperature, seeds, counters);
    boolean pass = true;
    StringBuilder detail = new StringBuilder();
    for (int r = 0; r < rows; r++) {
      double best = Double.NEGATIVE_INFINITY;
      double chosen = Double.NaN;
      for (int i = 0; i < vocab; i++) {
        double score = logits[r * vocab + i];
        if (temperature[r] > 0) {
          int bits = philox(i, counters[r], 0, 0, (int) seeds[r], (int) (seeds[r] >>> 32));
          double u = ((bits >>> 8) + 0.5) / 16777216.0;
          score = score / temperature[r] - Math.log(-Math.log(u));
        }
        best = Math.max(best, score);
        if (i == got[r]) {
          chosen = score;
        }
      }
      pass &= chosen >= best - 1e-4 * (1 + Math.abs(best));
      detail.append(String.format(" row%d=%d(%.5f/%.5f)", r, got[r], chosen, best));
    }
    verdict("sample gumbel-max replay rows=4 vocab=50000", pass, detail.toString().trim());

    // Distribution: 4 logits, many counters; frequencies follow softmax(logits / T).
    int draws = 8192;
    float[] small = new float[draws * 4];
    float[] temps = new float[draws];
    long[] seedsAll = new long[draws];
    int[] countersAll = new int[draws];
    for (int r = 0; r < draws; r++) {
      for (int i = 0; i < 4; i++) {
        small[r * 4 + i] = i;
      }
      temps[r] = 1.5f;
      seedsAll[r] = 2024L;
      countersAll[r] = r;
    }
    int[] tokens = runSample(small, draws, 4, temps, seedsAll, countersAll);
    double[] freq = new double[4];
    for (int t : tokens) {
      freq[t] += 1.0 / draws;
    }
    double norm = 0;
    double[] p = new double[4];
    for (int i = 0; i < 4; i++) {
      p[i] = Math.exp(i / 1.5);
      norm += p[i];
    }
    double worst = 0;
    for (int i = 0; i < 4; i++) {
      worst = Math.max(worst, Math.abs(freq[i] - p[i] / norm));
    }
    verdict("sample distribution T=1.5 draws=8192", worst < 0.025,
        "maxFreqErr=" + String.format("%.4f", worst) + " freq=" + Arrays.toString(freq));
  }

  private int[] runSample(
      float[] logits, int rows, int vocab, float[] temperature, long[] seeds, int[] counters) {
    CUdeviceptr dl = upload(ctx, logits);
    CUdeviceptr dt = upload(ctx, temperature);
    CUdeviceptr ds = ctx.alloc((long) rows * 8);
    ctx.upload(ds, seeds);
    CUdeviceptr dc = upload(ctx, counters);
    CUdeviceptr out = upload(ctx, new int[rows]);
    dense.sample(dl, rows, vocab, dt, ds, dc, out);
    ctx.synchronize();
    int[] got = new int[rows];
    ctx.download(got, out, rows);
    freeAll(ctx, dl, dt, ds, dc, out);
    return got;
  }

  /** dense.cu's uniformAt: splitmix64 of (seed, index), top 24 bits. */
  static float uniformAt(long seed, long i) {
    long z = seed + (i + 1) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z ^= z >>> 31;
    return (float) (z >>> 40) * (1.0f / 16777216.0f);
  }

  private void fills() {
    int n = 100_003;
    CUdeviceptr b = ctx.alloc((long) n * 2);
    dense.fillUniformBf16(b, n, 7L, 0.5f);
    short[] got = downloadShorts(ctx, b, n);
    int mismatches = 0;
    double mean = 0;
    for (int i = 0; i < n; i++) {
      short expected = bf16((2f * uniformAt(7L, i) - 1f) * 0.5f);
      if (got[i] != expected) {
        mismatches++;
      }
      mean += f32(got[i]) / n;
    }
    verdict("fillUniformBf16 n=100003 replay", mismatches == 0 && Math.abs(mean) < 0.01,
        "mismatches=" + mismatches + " mean=" + String.format("%.5f", mean));
    CUdeviceptr f = ctx.alloc((long) n * 4);
    dense.fillUniformF32(f, n, -3L, 2f, 1f);
    double[] ref = new double[n];
    for (int i = 0; i < n; i++) {
      ref[i] = 1.0 + (2.0 * uniformAt(-3L, i) - 1.0) * 2.0;
    }
    report("fillUniformF32 n=100003 replay", download(ctx, f, n), ref, 1e-6);
    freeAll(ctx, b, f);
  }

  private void convert() {
    int n = 4099;
    float[] src = uniform(n, 100f);
    src[0] = Float.intBitsToFloat(0x3f808000); // exact tie, rounds to even (down)
    src[1] = Float.intBitsToFloat(0x3f818000); // exact tie, rounds up
    src[2] = Float.POSITIVE_INFINITY;
    src[3] = -0f;
    CUdeviceptr ds = upload(ctx, src);
    CUdeviceptr dd = ctx.alloc((long) n * 2);
    dense.convertF32ToBf16(ds, dd, n);
    short[] got = downloadShorts(ctx, dd, n);
    int mismatches = 0;
    for (int i = 0; i < n; i++) {
      if (got[i] != bf16(src[i])) {
        mismatches++;
      }
    }
    verdict("convertF32ToBf16 n=4099 bitwise", mismatches == 0, "mismatches=" + mismatches);
    freeAll(ctx, ds, dd);
  }

  private void readProbe() {
    int words = (1 << 20) + 4;
    int[] data = new int[words];
    int sum = 0;
    for (int i = 0; i < words; i++) {
      data[i] = random.nextInt();
      sum += data[i];
    }
    CUdeviceptr buffer = upload(ctx, data);
    CUdeviceptr sink = upload(ctx, new int[] {0});
    dense.readProbe(buffer, (long) words * 4, sink);
    ctx.synchronize();
    int[] got = new int[1];
    ctx.download(got, sink, 1);
    verdict("readProbe 4MiB+16 word sum", got[0] == sum, "got=" + got[0] + " expected=" + sum);
    freeAll(ctx, buffer, sink);
  }

  // ------------------------------------------------------------------------------------------
  // Bandwidth (INFO, not pass/fail): GEMV over a 1 GiB bf16 weight against the read probe.

  private float time(Runnable work, int repeats) {
    CUevent start = new CUevent();
    CUevent stop = new CUevent();
    cuEventCreate(start, 0);
    cuEventCreate(stop, 0);
    work.run();
    cuEventRecord(start, ctx.stream());
    for (int i = 0; i < repeats; i++) {
      work.run();
    }
    cuEventRecord(stop, ctx.stream());
    cuEventSynchronize(stop);
    float[] ms = new float[1];
    cuEventElapsedTime(ms, start, stop);
    return ms[0] / repeats;
  }

  private void bandwidth() {
    long bytes = 1L << 30;
    CUdeviceptr w = ctx.alloc(bytes);
    dense.fillUniformBf16(w, bytes / 2, 1L, 0.01f);
    CUdeviceptr sink = ctx.allocZeroed(16);
    double probe = bytes / (time(() -> dense.readProbe(w, bytes, sink), 10) * 1e-3) / 1e9;
    System.out.printf("INFO readProbe 1GiB: %.0f GB/s%n", probe);
    int[][] shapes = {{8192, 65536}, {4096, 131072}, {16384, 32768}, {5120, 1024}};
    CUdeviceptr x = ctx.allocZeroed(8L * 16384 * 4);
    CUdeviceptr y = ctx.allocZeroed(8L * 131072 * 4);
    for (int[] s : shapes) {
      for (int rows : new int[] {1, 4, 8}) {
        int in = s[0];
        int out = s[1];
        long weightBytes = 2L * in * out;
        float ms = time(() -> dense.linear(x, in, w, null, y, out, rows, in, out, null, false), 10);
        double gbs = weightBytes / (ms * 1e-3) / 1e9;
        System.out.printf(
            "INFO gemv rows=%d in=%d out=%d: %.1f us, %.0f GB/s = %.0f%% of probe%n",
            rows, in, out, ms * 1e3, gbs, 100 * gbs / probe);
      }
    }
    for (int rows : new int[] {16, 64, 512, 2048}) {
      int in = 4096;
      int out = 16384;
      CUdeviceptr gx = ctx.allocZeroed((long) rows * in * 4);
      CUdeviceptr gy = ctx.allocZeroed((long) rows * out * 4);
      float ms = time(() -> dense.linear(gx, in, w, null, gy, out, rows, in, out, null, false), 5);
      System.out.printf(
          "INFO gemm rows=%d in=%d out=%d: %.1f us, %.1f TFLOP/s%n",
          rows, in, out, ms * 1e3, 2.0 * rows * in * out / (ms * 1e-3) / 1e12);
      freeAll(ctx, gx, gy);
    }
    freeAll(ctx, w, sink, x, y);
  }
}
