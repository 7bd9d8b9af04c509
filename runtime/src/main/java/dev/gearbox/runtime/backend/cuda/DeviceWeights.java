package dev.gearbox.runtime.backend.cuda;

import dev.gearbox.runtime.checkpoint.TensorStore;
import java.util.function.DoubleUnaryOperator;
import jcuda.driver.CUdeviceptr;

/**
 * Puts a checkpoint's tensors on the GPU once: linear weights as bf16 (rounded to nearest even on
 * the host), small parameters as fp32, several tensors fused into one allocation where that saves
 * launches. In random mode (benchmarks) every tensor is filled on the device instead, so no host
 * memory is touched whatever the model size.
 */
final class DeviceWeights {
  /** One checkpoint tensor: its name and the shape it must have. */
  record Part(String name, long... shape) {
    long count() {
      long n = 1;
      for (long s : shape) {
        n *= s;
      }
      return n;
    }
  }

  private final CudaContext ctx;
  private final DenseKernels dense;
  private final TensorStore store;
  private long seed;
  private long bytes;

  private DeviceWeights(CudaContext ctx, DenseKernels dense, TensorStore store, long seed) {
    this.ctx = ctx;
    this.dense = dense;
    this.store = store;
    this.seed = seed;
  }

  static DeviceWeights load(CudaContext ctx, DenseKernels dense, TensorStore store) {
    return new DeviceWeights(ctx, dense, store, 0);
  }

  static DeviceWeights random(CudaContext ctx, DenseKernels dense, long seed) {
    return new DeviceWeights(ctx, dense, null, seed);
  }

  boolean isRandom() {
    return store == null;
  }

  boolean has(String name) {
    return store != null && store.contains(name);
  }

  /** Bytes allocated for weights so far. */
  long bytes() {
    return bytes;
  }

  /**
   * A bf16 matrix [outAlloc][inAlloc]: the parts ([out_i][in] each) stacked row-wise, every row
   * zero-padded from {@code in} to {@code inAlloc} and the rows past the parts zero. Random mode
   * fills all of it with U(-1/sqrt(in), 1/sqrt(in)).
   */
  CUdeviceptr bf16(int in, int inAlloc, int outAlloc, Part... parts) {
    long count = (long) outAlloc * inAlloc;
    bytes += count * ModelBytes.BF16;
    if (isRandom()) {
      // Filled on the stream; a memset on the legacy stream could land after the fill.
      CUdeviceptr target = ctx.alloc(count * ModelBytes.BF16);
      dense.fillUniformBf16(target, count, seed++, (float) (1.0 / Math.sqrt(in)));
      return target;
    }
    CUdeviceptr target = ctx.allocZeroed(count * ModelBytes.BF16);
    long row = 0;
    for (Part part : parts) {
      float[] values = store.floats(part.name(), part.shape());
      int rows = (int) (values.length / in);
      if (inAlloc == in) {
        upload(target, row * inAlloc, values, 0, values.length);
      } else {
        for (int r = 0; r < rows; r++) {
          upload(target, (row + r) * inAlloc, values, (long) r * in, in);
        }
      }
      row += rows;
    }
    if (row > outAlloc) {
      throw new IllegalStateException("fused matrix overflows: " + row + " > " + outAlloc + " rows");
    }
    return target;
  }

  /** A bf16 matrix [out][in] from one tensor. */
  CUdeviceptr bf16(String name, int in, int out) {
    return bf16(in, in, out, new Part(name, out, in));
  }

  /**
   * An fp32 vector of {@code alloc} floats: the parts concatenated, zero-padded. Random mode fills
   * {@code offset + U(-scale, scale)}.
   */
  CUdeviceptr f32(float scale, float offset, long alloc, Part... parts) {
    return f32(null, scale, offset, alloc, parts);
  }

  /** Like {@link #f32(float, float, long, Part...)}, each loaded value passed through {@code fn}. */
  CUdeviceptr f32(DoubleUnaryOperator fn, float scale, float offset, long alloc, Part... parts) {
    bytes += alloc * ModelBytes.F32;
    if (isRandom()) {
      CUdeviceptr target = ctx.alloc(alloc * ModelBytes.F32);
      dense.fillUniformF32(target, alloc, seed++, scale, offset);
      return target;
    }
    CUdeviceptr target = ctx.allocZeroed(alloc * ModelBytes.F32);
    long at = 0;
    for (Part part : parts) {
      float[] values = store.floats(part.name(), part.shape());
      if (fn != null) {
        for (int i = 0; i < values.length; i++) {
          values[i] = (float) fn.applyAsDouble(values[i]);
        }
      }
      ctx.upload(target.withByteOffset(at * ModelBytes.F32), values);
      at += values.length;
    }
    if (at > alloc) {
      throw new IllegalStateException("fused vector overflows: " + at + " > " + alloc + " floats");
    }
    return target;
  }

  /** An fp32 vector of {@code n} floats from one tensor of shape {@code [n]}. */
  CUdeviceptr vector(String name, int n, float scale, float offset) {
    return f32(scale, offset, n, new Part(name, n));
  }

  /** Zeros, counted as weights (e.g. a bias the kernel needs where the checkpoint has none). */
  CUdeviceptr zeros(long floats) {
    bytes += floats * ModelBytes.F32;
    return ctx.allocZeroed(floats * ModelBytes.F32);
  }

  /** Values computed on the host from the config (RoPE frequencies): small, also in random mode. */
  CUdeviceptr host(float[] values) {
    CUdeviceptr target = ctx.alloc((long) values.length * ModelBytes.F32);
    bytes += (long) values.length * ModelBytes.F32;
    ctx.upload(target, values);
    return target;
  }

  private void upload(CUdeviceptr target, long elementOffset, float[] values, long from, long n) {
    // Convert in slices so a large tensor does not need a second full-size host array.
    final int slice = 1 << 22;
    short[] buffer = new short[(int) Math.min(slice, n)];
    for (long done = 0; done < n; done += slice) {
      int len = (int) Math.min(slice, n - done);
      if (buffer.length != len) {
        buffer = new short[len];
      }
      for (int i = 0; i < len; i++) {
        buffer[i] = Bf16.round(values[(int) (from + done + i)]);
      }
      ctx.upload(target.withByteOffset((elementOffset + done) * ModelBytes.BF16), buffer);
    }
  }
}
