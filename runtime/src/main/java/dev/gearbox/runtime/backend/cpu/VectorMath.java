package dev.gearbox.runtime.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * SIMD dot products through the incubating Vector API; only loaded when the JVM runs with {@code
 * --add-modules jdk.incubator.vector} (see {@link Linear#SIMD}), otherwise the scalar loops run.
 */
final class VectorMath {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

  private VectorMath() {}

  static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
    FloatVector acc = FloatVector.zero(SPECIES);
    int i = 0;
    int bound = SPECIES.loopBound(n);
    for (; i < bound; i += SPECIES.length()) {
      acc =
          FloatVector.fromArray(SPECIES, a, aOff + i)
              .fma(FloatVector.fromArray(SPECIES, b, bOff + i), acc);
    }
    float sum = acc.reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      sum += a[aOff + i] * b[bOff + i];
    }
    return sum;
  }

  /**
   * Four dot products of one weight row with four consecutive input rows (stride {@code n}),
   * written to {@code y[yIndex + k * yStride] } plus {@code bias}: each weight load serves four
   * rows.
   */
  static void dot4(
      float[] w,
      int wOff,
      float[] x,
      int xOff,
      int n,
      float[] y,
      int yIndex,
      int yStride,
      float bias) {
    FloatVector a0 = FloatVector.zero(SPECIES);
    FloatVector a1 = FloatVector.zero(SPECIES);
    FloatVector a2 = FloatVector.zero(SPECIES);
    FloatVector a3 = FloatVector.zero(SPECIES);
    int i = 0;
    int bound = SPECIES.loopBound(n);
    for (; i < bound; i += SPECIES.length()) {
      FloatVector wv = FloatVector.fromArray(SPECIES, w, wOff + i);
      a0 = wv.fma(FloatVector.fromArray(SPECIES, x, xOff + i), a0);
      a1 = wv.fma(FloatVector.fromArray(SPECIES, x, xOff + n + i), a1);
      a2 = wv.fma(FloatVector.fromArray(SPECIES, x, xOff + 2 * n + i), a2);
      a3 = wv.fma(FloatVector.fromArray(SPECIES, x, xOff + 3 * n + i), a3);
    }
    float s0 = a0.reduceLanes(VectorOperators.ADD);
    float s1 = a1.reduceLanes(VectorOperators.ADD);
    float s2 = a2.reduceLanes(VectorOperators.ADD);
    float s3 = a3.reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      float wi = w[wOff + i];
      s0 += wi * x[xOff + i];
      s1 += wi * x[xOff + n + i];
      s2 += wi * x[xOff + 2 * n + i];
      s3 += wi * x[xOff + 3 * n + i];
    }
    y[yIndex] = s0 + bias;
    y[yIndex + yStride] = s1 + bias;
    y[yIndex + 2 * yStride] = s2 + bias;
    y[yIndex + 3 * yStride] = s3 + bias;
  }

  /** {@code y[yOff..+n] += a * x[xOff..+n]}. */
  static void axpy(float[] y, int yOff, float a, float[] x, int xOff, int n) {
    int i = 0;
    int bound = SPECIES.loopBound(n);
    for (; i < bound; i += SPECIES.length()) {
      FloatVector.fromArray(SPECIES, x, xOff + i)
          .fma(FloatVector.broadcast(SPECIES, a), FloatVector.fromArray(SPECIES, y, yOff + i))
          .intoArray(y, yOff + i);
    }
    for (; i < n; i++) {
      y[yOff + i] += a * x[xOff + i];
    }
  }

  /** {@code x[off..+n] *= factor}. */
  static void scale(float[] x, int off, float factor, int n) {
    int i = 0;
    int bound = SPECIES.loopBound(n);
    for (; i < bound; i += SPECIES.length()) {
      FloatVector.fromArray(SPECIES, x, off + i).mul(factor).intoArray(x, off + i);
    }
    for (; i < n; i++) {
      x[off + i] *= factor;
    }
  }

  /**
   * One Mamba channel: {@code h[n] = exp(delta a[n]) h[n] + deltaU b[n]}, returns {@code sum_n h[n]
   * c[n]}.
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
    FloatVector acc = FloatVector.zero(SPECIES);
    int i = 0;
    int bound = SPECIES.loopBound(n);
    for (; i < bound; i += SPECIES.length()) {
      FloatVector decay =
          FloatVector.fromArray(SPECIES, a, hOff + i).mul(delta).lanewise(VectorOperators.EXP);
      FloatVector next =
          decay
              .mul(FloatVector.fromArray(SPECIES, h, hOff + i))
              .add(FloatVector.fromArray(SPECIES, b, bOff + i).mul(deltaU));
      next.intoArray(h, hOff + i);
      acc = next.fma(FloatVector.fromArray(SPECIES, c, cOff + i), acc);
    }
    float sum = acc.reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      float next = (float) Math.exp(delta * a[hOff + i]) * h[hOff + i] + deltaU * b[bOff + i];
      h[hOff + i] = next;
      sum += next * c[cOff + i];
    }
    return sum;
  }
}
