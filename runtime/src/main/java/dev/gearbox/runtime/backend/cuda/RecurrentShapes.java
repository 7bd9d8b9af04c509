package dev.gearbox.runtime.backend.cuda;

import dev.gearbox.runtime.backend.cuda.RecurrentKernels.GdnShape;
import dev.gearbox.runtime.backend.cuda.RecurrentKernels.KdaShape;
import dev.gearbox.runtime.backend.cuda.RecurrentKernels.MambaShape;

/**
 * Host-side checks of the recurrent mixers' shapes against what {@code recurrent.cu} supports,
 * each failure naming the field and the limit.
 */
final class RecurrentShapes {
  private RecurrentShapes() {}

  /** Host-side checks of a GDN shape against what the kernels support. */
  static void validate(GdnShape shape) {
    Check.positive("valueHeads", shape.valueHeads());
    Check.positive("keyHeads", shape.keyHeads());
    if (shape.valueHeads() % shape.keyHeads() != 0) {
      throw new IllegalArgumentException(
          "valueHeads "
              + shape.valueHeads()
              + " is not a multiple of keyHeads "
              + shape.keyHeads());
    }
    validateDeltaState(shape.keyHeadDim(), shape.valueHeadDim(), "keyHeadDim", "valueHeadDim");
    validateConvKernel(shape.convKernel(), "convKernel");
  }

  /** Host-side checks of a KDA shape against what the kernels support. */
  static void validate(KdaShape shape) {
    Check.positive("heads", shape.heads());
    validateDeltaState(shape.headDim(), shape.headDim(), "headDim", "headDim");
    validateConvKernel(shape.convKernel(), "convKernel");
  }

  /** Host-side checks of a Mamba shape against what the kernels support. */
  static void validate(MambaShape shape) {
    Check.positive("dInner", shape.dInner());
    Check.positive("dXb", shape.dXb());
    int dState = shape.dState();
    if (dState <= 0 || dState > 256 || Integer.bitCount(dState) != 1) {
      throw new IllegalArgumentException("dState " + dState + " must be a power of two <= 256");
    }
    if (shape.dInner() % dState != 0
        || shape.dXb() % dState != 0
        || (shape.dInner() / dState) % (shape.dXb() / dState) != 0) {
      throw new IllegalArgumentException(
          "dInner "
              + shape.dInner()
              + " and dXb "
              + shape.dXb()
              + " must be multiples of dState "
              + dState
              + " with dInner/dXb integral");
    }
    validateConvKernel(shape.dConv(), "dConv");
  }

  private static void validateDeltaState(int dk, int dv, String dkName, String dvName) {
    if (dk <= 0 || dk > RecurrentKernels.MAX_HEAD_DIM) {
      throw new IllegalArgumentException(dkName + " " + dk + " must be in 1.." + RecurrentKernels.MAX_HEAD_DIM);
    }
    if (dv <= 0 || dv > RecurrentKernels.MAX_HEAD_DIM) {
      throw new IllegalArgumentException(dvName + " " + dv + " must be in 1.." + RecurrentKernels.MAX_HEAD_DIM);
    }
    int threads = RecurrentKernels.deltaThreads(dk, RecurrentKernels.deltaColumns(dv));
    if (threads > RecurrentKernels.DELTA_THREADS) {
      throw new IllegalArgumentException(
          dkName
              + " x "
              + dvName
              + " = "
              + dk
              + " x "
              + dv
              + " is not supported: a block would need "
              + threads
              + " threads (at most "
              + RecurrentKernels.DELTA_THREADS
              + "; value dims that are multiples of "
              + RecurrentKernels.DELTA_COLUMNS
              + " always fit)");
    }
  }

  private static void validateConvKernel(int kernel, String name) {
    if (kernel < 1 || kernel > RecurrentKernels.MAX_CONV_KERNEL) {
      throw new IllegalArgumentException(name + " " + kernel + " must be in 1.." + RecurrentKernels.MAX_CONV_KERNEL);
    }
  }
}
