package dev.gearbox.runtime.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemsetD8Async;

import dev.gearbox.runtime.model.MixerConfig;
import dev.gearbox.runtime.placement.LayerState;
import jcuda.driver.CUdeviceptr;

/**
 * One mixer of one layer on the GPU: owns its weights (and, for recurrent mixers, the state of
 * every slot) and issues the projection and kernel launches for a set of rows. Reads the normed
 * input from {@link Workspace#xn} and adds its output projection into the residual {@link
 * Workspace#h} (rows of its segment only).
 */
abstract class DeviceMixer {
  /** The launchers every mixer uses. */
  record Kernels(
      CudaContext ctx, DenseKernels dense, AttentionKernels attention, RecurrentKernels recurrent) {}

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

  /** Decode: the rows listed in {@code seg} (device), each its own slot and position. */
  abstract void decode(Workspace ws, int rows, CUdeviceptr seg);

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
