package dev.gearbox.runtime.backend.cpu;

/** Element-wise math shared by the CPU mixers, written to match the PyTorch reference's float32. */
final class Ops {
  private Ops() {}

  /** RMSNorm of {@code n} values: {@code x / sqrt(mean(x^2) + eps) * weight}. */
  static void rmsNorm(
      float[] x, int xOff, float[] weight, float eps, float[] out, int outOff, int n) {
    float sum = 0;
    for (int i = 0; i < n; i++) {
      float v = x[xOff + i];
      sum += v * v;
    }
    float scale = (float) (1.0 / Math.sqrt(sum / n + eps));
    for (int i = 0; i < n; i++) {
      out[outOff + i] = weight[i] * (x[xOff + i] * scale);
    }
  }

  /** Scales {@code n} values to unit L2 norm (fla's in-kernel l2norm, eps 1e-6 under the root). */
  static void l2Normalize(float[] x, int off, int n) {
    float sum = 0;
    for (int i = 0; i < n; i++) {
      sum += x[off + i] * x[off + i];
    }
    float scale = (float) (1.0 / Math.sqrt(sum + 1e-6));
    for (int i = 0; i < n; i++) {
      x[off + i] *= scale;
    }
  }

  static float silu(float x) {
    return x / (1f + (float) Math.exp(-x));
  }

  static float sigmoid(float x) {
    return 1f / (1f + (float) Math.exp(-x));
  }

  /** PyTorch's softplus with beta 1 and threshold 20. */
  static float softplus(float x) {
    return x > 20f ? x : (float) Math.log1p(Math.exp(x));
  }

  /**
   * One step of a depthwise causal convolution over {@code channels} channels: combines the stored
   * last {@code kernel - 1} inputs with {@code x}, writes SiLU of the result to {@code out}, then
   * shifts {@code x} into the state. State layout: [channel][kernel - 1], oldest first.
   */
  static void causalConvStep(
      float[] x,
      int xOff,
      float[] state,
      int stateOff,
      float[] weight,
      float[] bias,
      int channels,
      int kernel,
      float[] out,
      int outOff) {
    int history = kernel - 1;
    for (int c = 0; c < channels; c++) {
      int s = stateOff + c * history;
      int w = c * kernel;
      float input = x[xOff + c];
      float acc = bias == null ? 0f : bias[c];
      for (int j = 0; j < history; j++) {
        acc += weight[w + j] * state[s + j];
      }
      acc += weight[w + history] * input;
      for (int j = 0; j + 1 < history; j++) {
        state[s + j] = state[s + j + 1];
      }
      if (history > 0) {
        state[s + history - 1] = input;
      }
      out[outOff + c] = silu(acc);
    }
  }

  /** {@code y[yOff..+n] += a * x[xOff..+n]}, SIMD when enabled. */
  static void axpy(float[] y, int yOff, float a, float[] x, int xOff, int n) {
    if (Linear.SIMD) {
      VectorMath.axpy(y, yOff, a, x, xOff, n);
      return;
    }
    for (int i = 0; i < n; i++) {
      y[yOff + i] += a * x[xOff + i];
    }
  }

  /** {@code x[off..+n] *= factor}, SIMD when enabled. */
  static void scale(float[] x, int off, float factor, int n) {
    if (Linear.SIMD) {
      VectorMath.scale(x, off, factor, n);
      return;
    }
    for (int i = 0; i < n; i++) {
      x[off + i] *= factor;
    }
  }

  /**
   * One Mamba channel's selective-scan step over its {@code n} states (see {@link MambaMixer}):
   * {@code h = exp(delta a) h + deltaU b}; returns {@code c . h}.
   */
  static float ssmStep(
      float[] h,
      int hOff,
      float[] a,
      float delta,
      float[] b,
      int bOff,
      float deltaU,
      float[] c,
      int cOff,
      int n) {
    if (Linear.SIMD) {
      return VectorMath.ssmStep(h, hOff, a, delta, b, bOff, deltaU, c, cOff, n);
    }
    float sum = 0;
    for (int i = 0; i < n; i++) {
      float next = (float) Math.exp(delta * a[hOff + i]) * h[hOff + i] + deltaU * b[bOff + i];
      h[hOff + i] = next;
      sum += next * c[cOff + i];
    }
    return sum;
  }
}
