package dev.gearbox.runtime.backend.cuda;

import dev.gearbox.runtime.backend.cuda.DeviceWeights.Part;
import dev.gearbox.runtime.backend.cuda.RecurrentKernels.GdnShape;
import dev.gearbox.runtime.model.MixerConfig;
import jcuda.driver.CUdeviceptr;

/**
 * Gated DeltaNet on the GPU (mirrors the CPU {@code GatedDeltaNetMixer}): q|k|v|z and b|alpha
 * projections, the fused recurrent kernel, output projection added into the residual.
 */
final class GdnLayer extends DeviceMixer {
  private final int qkvzWidth;
  private final int baWidth;
  private final int valueDim;
  private final CUdeviceptr qkvzWeight;
  private final CUdeviceptr baWeight;
  private final CUdeviceptr outWeight;
  private final CUdeviceptr convWeight;
  private final CUdeviceptr dtBias;
  private final CUdeviceptr aLog;
  private final CUdeviceptr normWeight;
  private final CUdeviceptr recurrent;
  private final CUdeviceptr conv;
  private final long recurrentFloats;
  private final long convFloats;
  private final GdnShape shape;

  GdnLayer(
      MixerConfig.GatedDeltaNet config, int hidden, String prefix, DeviceWeights w, Kernels k,
      int slots) {
    super(config, hidden, k);
    if (config.valueHeads() % config.keyHeads() != 0) {
      throw new IllegalArgumentException(
          prefix + ": value_heads " + config.valueHeads() + " is not a multiple of key_heads "
              + config.keyHeads());
    }
    int keyDim = config.keyHeads() * config.keyHeadDim();
    this.valueDim = config.valueHeads() * config.valueHeadDim();
    int convDim = 2 * keyDim + valueDim;
    this.qkvzWidth = stride(prefix + "in_proj_qkvz output", 2L * keyDim + 2L * valueDim);
    this.baWidth = stride(prefix + "in_proj_ba output", 2L * config.valueHeads());
    input(prefix + "out_proj input", valueDim);
    this.qkvzWeight = w.bf16(prefix + "in_proj_qkvz.weight", hidden, qkvzWidth);
    this.baWeight = w.bf16(prefix + "in_proj_ba.weight", hidden, baWidth);
    this.outWeight = w.bf16(prefix + "out_proj.weight", valueDim, hidden);
    int kernel = config.convKernel();
    this.convWeight =
        w.f32(0.5f, 0f, (long) convDim * kernel,
            new Part(prefix + "convolution.weight", convDim, 1, kernel));
    this.dtBias = w.vector(prefix + "dt_bias", config.valueHeads(), 0.5f, 0f);
    this.aLog = w.vector(prefix + "A_log", config.valueHeads(), 0.5f, 0f);
    this.normWeight = w.vector(prefix + "norm.weight", config.valueHeadDim(), 0f, 1f);
    this.recurrentFloats =
        (long) config.valueHeads() * config.keyHeadDim() * config.valueHeadDim();
    this.convFloats = (long) convDim * (kernel - 1);
    this.recurrent = slotState(k.ctx(), slots, recurrentFloats);
    this.conv = slotState(k.ctx(), slots, convFloats);
    this.shape =
        new GdnShape(config.valueHeads(), config.keyHeads(), config.keyHeadDim(),
            config.valueHeadDim(), kernel, (float) config.normEps());
  }

  @Override
  long[] scratchWidths() {
    return new long[] {qkvzWidth, baWidth, valueDim};
  }

  @Override
  void decode(Workspace ws, Input input, int rows, CUdeviceptr seg) {
    run(ws, input, rows, seg, false);
  }

  @Override
  void prefill(Workspace ws, int rows, int slot, int firstPosition) {
    run(ws, Input.normed(ws.xn), rows, null, true);
  }

  private void run(Workspace ws, Input input, int rows, CUdeviceptr seg, boolean sequential) {
    CUdeviceptr qkvz = ws.scratch[0];
    CUdeviceptr ba = ws.scratch[1];
    CUdeviceptr core = ws.scratch[2];
    project(input, qkvzWeight, null, qkvz, qkvzWidth, rows, seg);
    project(input, baWeight, null, ba, baWidth, rows, seg);
    k.recurrent().gdn(qkvz, ba, core, rows, seg, ws.slots(), sequential, convWeight, dtBias, aLog,
        normWeight, recurrent, conv, shape);
    k.dense().linear(core, valueDim, outWeight, null, ws.h, hidden, rows, valueDim, hidden, seg,
        true);
  }

  @Override
  void reset(int slot) {
    zeroSlot(k.ctx(), recurrent, slot, recurrentFloats);
    zeroSlot(k.ctx(), conv, slot, convFloats);
  }
}
