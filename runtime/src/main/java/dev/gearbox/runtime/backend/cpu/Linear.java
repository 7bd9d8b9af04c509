package dev.gearbox.runtime.backend.cpu;

/**
 * A dense projection {@code y = x W^T + b} with {@code W} stored row-major as [out, in], run over a
 * block of rows so each weight row is read once per call whatever the batch size.
 */
final class Linear implements WorkerPool.RangeTask {
  /**
   * True when the JVM was started with {@code --add-modules jdk.incubator.vector}: dot products
   * then use SIMD through {@link VectorMath}, several times faster than the scalar loops.
   */
  static final boolean SIMD = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

  /** Below this many multiply-adds a call runs on the calling thread only. */
  private static final long PARALLEL_THRESHOLD = 1L << 15;

  final float[] weight;
  final float[] bias;
  final int in;
  final int out;

  private float[] x;
  private int xOffset;
  private float[] y;
  private int rows;

  Linear(float[] weight, float[] bias, int in, int out) {
    if (weight.length != (long) in * out) {
      throw new IllegalArgumentException(
          "weight has " + weight.length + " values, expected " + in + "x" + out);
    }
    this.weight = weight;
    this.bias = bias;
    this.in = in;
    this.out = out;
  }

  /** y[rows, out] = x[rows, in] (starting at {@code xOffset}) times W^T, plus bias. */
  void apply(WorkerPool pool, float[] x, int xOffset, int rows, float[] y) {
    this.x = x;
    this.xOffset = xOffset;
    this.y = y;
    this.rows = rows;
    if ((long) rows * in * out < PARALLEL_THRESHOLD) {
      run(0, out);
    } else {
      pool.run(this, out, Math.max(1, 4096 / Math.max(1, in)));
    }
    this.x = null;
    this.y = null;
  }

  void apply(WorkerPool pool, float[] x, int rows, float[] y) {
    apply(pool, x, 0, rows, y);
  }

  @Override
  public void run(int from, int to) {
    float[] w = weight;
    float[] xs = x;
    float[] ys = y;
    int n = in;
    for (int o = from; o < to; o++) {
      int wo = o * n;
      float b = bias == null ? 0f : bias[o];
      int r = 0;
      // Four rows at a time share each weight load: prefill chunks and decode batches.
      if (SIMD) {
        for (; r + 3 < rows; r += 4) {
          VectorMath.dot4(w, wo, xs, xOffset + r * n, n, ys, r * out + o, out, b);
        }
      }
      for (; r + 3 < rows; r += 4) {
        int x0 = xOffset + r * n;
        int x1 = x0 + n;
        int x2 = x1 + n;
        int x3 = x2 + n;
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        for (int i = 0; i < n; i++) {
          float wi = w[wo + i];
          s0 += wi * xs[x0 + i];
          s1 += wi * xs[x1 + i];
          s2 += wi * xs[x2 + i];
          s3 += wi * xs[x3 + i];
        }
        ys[r * out + o] = s0 + b;
        ys[(r + 1) * out + o] = s1 + b;
        ys[(r + 2) * out + o] = s2 + b;
        ys[(r + 3) * out + o] = s3 + b;
      }
      for (; r < rows; r++) {
        ys[r * out + o] = dot(w, wo, xs, xOffset + r * n, n) + b;
      }
    }
  }

  /** Bytes of weights (and bias) this projection reads per call. */
  long weightBytes() {
    return 4L * (weight.length + (bias == null ? 0 : bias.length));
  }

  /** Dot product with four independent accumulators so the JIT can pipeline the adds. */
  static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
    if (SIMD) {
      return VectorMath.dot(a, aOff, b, bOff, n);
    }
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    int i = 0;
    for (; i + 3 < n; i += 4) {
      s0 += a[aOff + i] * b[bOff + i];
      s1 += a[aOff + i + 1] * b[bOff + i + 1];
      s2 += a[aOff + i + 2] * b[bOff + i + 2];
      s3 += a[aOff + i + 3] * b[bOff + i + 3];
    }
    for (; i < n; i++) {
      s0 += a[aOff + i] * b[bOff + i];
    }
    return (s0 + s1) + (s2 + s3);
  }
}
