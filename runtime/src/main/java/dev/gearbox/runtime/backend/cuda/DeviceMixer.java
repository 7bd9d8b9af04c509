package dev.gearbox.runtime.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemsetD8Async;

import dev.gearbox.runtime.model.MixerConfig;
import dev.gearbox.runtime.placement.LayerState;
import jcuda.driver.CUdeviceptr;

/**
 * One mixer of one layer on the GPU: owns its weights (and, for recurrent mixers, the state of
 * every slot) and issues the projection and kernel launches for a set of rows. Reads the normed
 * input (prefill: {@link Workspace#xn}; decode: an {@link Input}, possibly the residual normed on
 * load) and adds its output projection into the residual {@link Workspace#h} (rows of its
 * segment only, after every read of the input).
 */
abstract class DeviceMixer {
  /** The launchers every mixer uses. */
  record Kernels(
      CudaContext ctx, DenseKernels dense, AttentionKernels attention, RecurrentKernels recurrent) {}

  /**
   * A mixer's input rows: {@code x} as is ({@code norm == null}: already normed, {@link
   * Workspace#xn}), or {@code x} (the residual) RMS-normed with {@code norm} and {@code eps} as
   * the first projections load it (decode with up to {@link DenseKernels#GEMV_MAX_ROWS} rows).
   */
  record Input(CUdeviceptr x, CUdeviceptr norm, float eps) {
    /** Rows already normed. */
    static Input normed(CUdeviceptr x) {
      return new Input(x, null, 0f);
    }
  }

  final MixerConfig config;
  final int hidden;
  final Kernels k;

  DeviceMixer(MixerConfig config, int hidden, Kernels k) {
    this.config = config;
    this.hidden = hidden;
    this.k = k;
  }

  /** The decode state a sequence keeps for this mixer. */
  final LayerState layout() {
    return ModelBytes.layout(config, hidden);
  }

  /** Device bytes of this mixer's weights. */
  final long weightBytes() {
    return ModelBytes.mixerWeights(config, hidden);
  }

  /** Floats per row this mixer needs in each scratch buffer, in buffer order. */
  abstract long[] scratchWidths();

  /**
   * Decode: the rows listed in {@code seg} (device), each its own slot and position, reading
   * {@code input} (hidden wide).
   */
  abstract void decode(Workspace ws, Input input, int rows, CUdeviceptr seg);

  /** {@code y = W norm(input) (+ bias)} for the rows of {@code seg}; y rows {@code out} wide. */
  final void project(Input input, CUdeviceptr weight, CUdeviceptr bias, CUdeviceptr y, int out,
      int rows, CUdeviceptr seg) {
    if (input.norm() == null) {
      k.dense().linear(input.x(), hidden, weight, bias, y, out, rows, hidden, out, seg, false);
    } else {
      k.dense().linearNorm(input.x(), hidden, input.norm(), input.eps(), weight, bias, y, out,
          rows, hidden, out, seg, false);
    }
  }

  /** Prefill: rows 0..rows-1 are consecutive positions from {@code firstPosition} of {@code slot}. */
  abstract void prefill(Workspace ws, int rows, int slot, int firstPosition);

  /** Clears the recurrent state of {@code slot} for a new sequence (no-op for attention). */
  void reset(int slot) {}

  /** Checks a width the dense kernels take as a row stride. */
  static int stride(String what, long floats) {
    if (floats % 4 != 0) {
      throw new IllegalArgumentException(
          what + " is " + floats + " floats wide; the CUDA kernels need a multiple of 4");
    }
    return (int) floats;
  }

  /** Checks a width the dense kernels take as a projection input. */
  static int input(String what, long floats) {
    if (floats % 8 != 0) {
      throw new IllegalArgumentException(
          what + " is " + floats + " wide; the CUDA linear kernels need a multiple of 8");
    }
    return (int) floats;
  }

  /** Per-slot fp32 state of {@code floats} floats for every slot, zeroed. */
  static CUdeviceptr slotState(CudaContext ctx, int slots, long floats) {
    return ctx.allocZeroed(4L * slots * Math.max(1, floats));
  }

  /** Zeroes one slot's part of a per-slot state buffer, in stream order. */
  static void zeroSlot(CudaContext ctx, CUdeviceptr state, int slot, long floats) {
    if (floats > 0) {
      cuMemsetD8Async(state.withByteOffset(4L * slot * floats), (byte) 0, 4L * floats, ctx.stream());
    }
  }
}
