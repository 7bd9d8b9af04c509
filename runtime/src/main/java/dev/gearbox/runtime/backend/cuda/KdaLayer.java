package dev.gearbox.runtime.backend.cuda;

import dev.gearbox.runtime.backend.cuda.DeviceWeights.Part;
import dev.gearbox.runtime.backend.cuda.RecurrentKernels.KdaShape;
import dev.gearbox.runtime.model.MixerConfig;
import jcuda.driver.CUdeviceptr;

/**
 * Kimi Delta Attention on the GPU (mirrors the CPU {@code KimiDeltaMixer}): q, k, v projections,
 * the low-rank decay and gate (f_a|g_a fused into one projection), beta, the fused recurrent
 * kernel, output projection added into the residual.
 */
final class KdaLayer extends DeviceMixer {
  private final int proj;
  private final int hd;
  private final int heads;
  private final CUdeviceptr qWeight;
  private final CUdeviceptr kWeight;
  private final CUdeviceptr vWeight;
  private final CUdeviceptr lowWeight;
  private final CUdeviceptr fbWeight;
  private final CUdeviceptr gbWeight;
  private final CUdeviceptr betaWeight;
  private final CUdeviceptr oWeight;
  private final CUdeviceptr qConv;
  private final CUdeviceptr kConv;
  private final CUdeviceptr vConv;
  private final CUdeviceptr aLog;
  private final CUdeviceptr dtBias;
  private final CUdeviceptr normWeight;
  private final CUdeviceptr recurrent;
  private final CUdeviceptr conv;
  private final long recurrentFloats;
  private final long convFloats;
  private final KdaShape shape;

  KdaLayer(
      MixerConfig.KimiDelta config, int hidden, String prefix, DeviceWeights w, Kernels k,
      int slots) {
    super(config, hidden, k);
    this.hd = input(prefix + "head_dim", config.headDim());
    this.heads = stride(prefix + "beta_proj output", config.heads());
    this.proj = heads * hd;
    this.qWeight = w.bf16(prefix + "q_proj.weight", hidden, proj);
    this.kWeight = w.bf16(prefix + "k_proj.weight", hidden, proj);
    this.vWeight = w.bf16(prefix + "v_proj.weight", hidden, proj);
    this.lowWeight =
        w.bf16(hidden, hidden, 2 * hd,
            new Part(prefix + "f_a_proj.weight", hd, hidden),
            new Part(prefix + "g_a_proj.weight", hd, hidden));
    this.fbWeight = w.bf16(prefix + "f_b_proj.weight", hd, proj);
    this.gbWeight = w.bf16(prefix + "g_b_proj.weight", hd, proj);
    this.betaWeight = w.bf16(prefix + "beta_proj.weight", hidden, heads);
    this.oWeight = w.bf16(prefix + "o_proj.weight", proj, hidden);
    int kernel = config.convKernel();
    this.qConv = w.f32(0.5f, 0f, (long) proj * kernel, new Part(prefix + "q_conv.weight", proj, 1, kernel));
    this.kConv = w.f32(0.5f, 0f, (long) proj * kernel, new Part(prefix + "k_conv.weight", proj, 1, kernel));
    this.vConv = w.f32(0.5f, 0f, (long) proj * kernel, new Part(prefix + "v_conv.weight", proj, 1, kernel));
    this.aLog = w.vector(prefix + "A_log", heads, 0.5f, 0f);
    this.dtBias = w.vector(prefix + "dt_bias", proj, 0.5f, 0f);
    this.normWeight = w.vector(prefix + "norm.weight", hd, 0f, 1f);
    this.recurrentFloats = (long) heads * hd * hd;
    this.convFloats = 3L * proj * (kernel - 1);
    this.recurrent = slotState(k.ctx(), slots, recurrentFloats);
    this.conv = slotState(k.ctx(), slots, convFloats);
    this.shape =
        new KdaShape(heads, hd, kernel, (float) config.normEps(), config.sigmoidOutputGate());
  }

  @Override
  long[] scratchWidths() {
    // q, k, v, low (f_a | g_a), decay, gate, beta, core
    return new long[] {proj, proj, proj, 2L * hd, proj, proj, heads, proj};
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
    CUdeviceptr[] s = ws.scratch;
    DenseKernels d = k.dense();
    project(input, qWeight, null, s[0], proj, rows, seg);
    project(input, kWeight, null, s[1], proj, rows, seg);
    project(input, vWeight, null, s[2], proj, rows, seg);
    project(input, lowWeight, null, s[3], 2 * hd, rows, seg);
    d.linear(s[3], 2 * hd, fbWeight, null, s[4], proj, rows, hd, proj, seg, false);
    d.linear(s[3].withByteOffset(4L * hd), 2 * hd, gbWeight, null, s[5], proj, rows, hd, proj,
        seg, false);
    project(input, betaWeight, null, s[6], heads, rows, seg);
    k.recurrent().kda(s[0], s[1], s[2], s[4], s[5], s[6], s[7], rows, seg, ws.slots(),
        sequential, qConv, kConv, vConv, aLog, dtBias, normWeight, recurrent, conv, shape);
    d.linear(s[7], proj, oWeight, null, ws.h, hidden, rows, proj, hidden, seg, true);
  }

  @Override
  void reset(int slot) {
    zeroSlot(k.ctx(), recurrent, slot, recurrentFloats);
    zeroSlot(k.ctx(), conv, slot, convFloats);
  }
}
