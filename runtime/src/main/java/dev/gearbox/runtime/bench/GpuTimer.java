package dev.gearbox.runtime.bench;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;

import dev.gearbox.runtime.backend.cuda.CudaContext;
import dev.gearbox.runtime.backend.cuda.DenseKernels;
import java.util.Arrays;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;

/**
 * Times work on a context's stream with a pair of CUDA events, and measures the device's read
 * bandwidth (the roofline the decode numbers are compared against).
 */
final class GpuTimer implements AutoCloseable {
  private final CudaContext ctx;
  private final CUevent start = new CUevent();
  private final CUevent stop = new CUevent();

  GpuTimer(CudaContext ctx) {
    this.ctx = ctx;
    ctx.makeCurrent();
    cuEventCreate(start, CUevent_flags.CU_EVENT_DEFAULT);
    cuEventCreate(stop, CUevent_flags.CU_EVENT_DEFAULT);
  }

  /** Records the start event on the context's stream. */
  void start() {
    ctx.makeCurrent();
    cuEventRecord(start, ctx.stream());
  }

  /** Records the stop event, waits for it, and returns the milliseconds since {@link #start()}. */
  double stopMillis() {
    ctx.makeCurrent();
    cuEventRecord(stop, ctx.stream());
    cuEventSynchronize(stop);
    float[] ms = new float[1];
    cuEventElapsedTime(ms, start, stop);
    return ms[0];
  }

  /**
   * Read bandwidth in GB/s (1e9 bytes): {@link DenseKernels#readProbe} over {@code bytes} (a
   * multiple of 16, >= 4 GiB so that the 50 MB L2 does not matter), one warm-up, median of {@code
   * repeats}. Frees its buffer before returning.
   */
  static double probeGbPerSecond(CudaContext ctx, long bytes, int repeats) {
    DenseKernels dense = new DenseKernels(ctx);
    CUdeviceptr buffer = ctx.alloc(bytes);
    long sinkBytes = 1 << 20;
    CUdeviceptr sink = ctx.allocZeroed(sinkBytes);
    try (GpuTimer timer = new GpuTimer(ctx)) {
      dense.fillUniformBf16(buffer, bytes / 2, 7, 1f);
      dense.readProbe(buffer, bytes, sink);
      double[] rates = new double[repeats];
      for (int i = 0; i < repeats; i++) {
        timer.start();
        dense.readProbe(buffer, bytes, sink);
        rates[i] = bytes / (timer.stopMillis() * 1e6);
      }
      return median(rates);
    } finally {
      ctx.free(sink, sinkBytes);
      ctx.free(buffer, bytes);
    }
  }

  /** Median of {@code values} (mean of the middle two for an even count). */
  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  @Override
  public void close() {
    ctx.makeCurrent();
    cuEventDestroy(start);
    cuEventDestroy(stop);
  }
}
