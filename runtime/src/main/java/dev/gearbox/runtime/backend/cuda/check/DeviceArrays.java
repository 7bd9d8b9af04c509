package dev.gearbox.runtime.backend.cuda.check;

import dev.gearbox.runtime.backend.cuda.Bf16;
import dev.gearbox.runtime.backend.cuda.CudaContext;
import jcuda.driver.CUdeviceptr;

/** Host-side helpers of the kernel checks: bf16 rounding, device arrays, PASS/FAIL comparison. */
final class DeviceArrays {
  private DeviceArrays() {}

  static short bf16(float f) {
    return Bf16.round(f);
  }

  static float f32(short h) {
    return Bf16.toFloat(h);
  }

  static float roundBf16(float f) {
    return f32(bf16(f));
  }

  static CUdeviceptr upload(CudaContext ctx, float[] values) {
    CUdeviceptr p = ctx.alloc((long) values.length * 4);
    ctx.upload(p, values);
    return p;
  }

  static CUdeviceptr upload(CudaContext ctx, int[] values) {
    CUdeviceptr p = ctx.alloc((long) values.length * 4);
    ctx.upload(p, values);
    return p;
  }

  static CUdeviceptr uploadBf16(CudaContext ctx, float[] values) {
    short[] h = new short[values.length];
    for (int i = 0; i < h.length; i++) {
      h[i] = bf16(values[i]);
    }
    CUdeviceptr p = ctx.alloc((long) h.length * 2);
    ctx.upload(p, h);
    return p;
  }

  static float[] download(CudaContext ctx, CUdeviceptr p, int n) {
    ctx.synchronize();
    float[] v = new float[n];
    ctx.download(v, p, n);
    return v;
  }

  static short[] downloadShorts(CudaContext ctx, CUdeviceptr p, int n) {
    ctx.synchronize();
    short[] v = new short[n];
    ctx.download(v, p, n);
    return v;
  }

  /** Frees every allocation made since the check started (keeps device memory flat). */
  static void freeAll(CudaContext ctx, CUdeviceptr... pointers) {
    for (CUdeviceptr p : pointers) {
      if (p != null) {
        ctx.free(p, 0);
      }
    }
  }

  /**
   * Compares {@code gpu} with {@code ref} where {@code ref} is not NaN; where {@code ref} is NaN
   * (must be untouched) {@code gpu} must be NaN too. Returns true on pass and prints the line.
   */
  static boolean report(String name, float[] gpu, double[] ref, double tolerance, int[] failures) {
    double diff = 0;
    double norm = 0;
    double maxAbs = 0;
    int bad = 0;
    for (int i = 0; i < ref.length; i++) {
      if (Double.isNaN(ref[i])) {
        if (!Float.isNaN(gpu[i])) {
          bad++;
        }
        continue;
      }
      if (!Float.isFinite(gpu[i])) {
        bad++;
        continue;
      }
      double d = gpu[i] - ref[i];
      diff += d * d;
      norm += ref[i] * ref[i];
      maxAbs = Math.max(maxAbs, Math.abs(d));
    }
    double rel = norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
    boolean pass = bad == 0 && rel < tolerance;
    System.out.printf(
        "%s %s relErr=%.3e maxAbs=%.3e%s%n",
        pass ? "PASS" : "FAIL", name, rel, maxAbs, bad == 0 ? "" : " badElements=" + bad);
    if (!pass) {
      failures[0]++;
    }
    return pass;
  }
}
