package dev.gearbox.runtime.backend.cuda;

import dev.gearbox.runtime.backend.cuda.DeviceWeights.Part;
import dev.gearbox.runtime.backend.cuda.RecurrentKernels.MambaShape;
import dev.gearbox.runtime.model.MixerConfig;
import jcuda.driver.CUdeviceptr;

/**
 * Mamba-1 (Mamba-in-Llama) on the GPU (mirrors the CPU {@code MambaMixer}): in_proj, the dt path
 * (dt_in_proj then dt_proj with its bias; the dt rank is zero-padded to a multiple of 8 for the
 * linear kernels, which leaves the result unchanged), the selective-scan kernel, out_proj added
 * into the residual. As in the reference, dt_proj's bias is added twice.
 */
final class MambaLayer extends DeviceMixer {
  private final int dInner;
  private final int width;
  private final int rank;
  private final CUdeviceptr inWeight;
  private final CUdeviceptr inBias;
  private final CUdeviceptr dtInWeight;
  private final CUdeviceptr dtInBias;
  private final CUdeviceptr dtWeight;
  private final CUdeviceptr dtProjBias;
  private final CUdeviceptr outWeight;
  private final CUdeviceptr outBias;
  private final CUdeviceptr convWeight;
  private final CUdeviceptr convBias;
  private final CUdeviceptr aNeg;
  private final CUdeviceptr d;
  private final CUdeviceptr dtBias;
  private final CUdeviceptr recurrent;
  private final CUdeviceptr conv;
  private final long recurrentFloats;
  private final long convFloats;
  private final MambaShape shape;

  MambaLayer(
      MixerConfig.Mamba config, int hidden, String prefix, DeviceWeights w, Kernels k, int slots) {
    super(config, hidden, k);
    this.dInner = input(prefix + "d_inner", config.dInner());
    int dState = config.dState();
    int dXb = config.dXb() > 0 ? config.dXb() : hidden;
    if (dInner % dState != 0 || dXb % dState != 0 || (dInner / dState) % (dXb / dState) != 0) {
      throw new IllegalArgumentException(
          prefix + ": d_inner " + dInner + " and d_xb " + dXb + " must be multiples of d_state "
              + dState + " with d_inner/d_xb integral");
    }
    this.width = stride(prefix + "in_proj output", 2L * dXb + 2L * dInner);
    int dtRank = config.dtRank();
    this.rank = ModelBytes.paddedDtRank(dtRank);
    int convChannels = config.repeatKvBeforeConv() ? dInner : dXb;
    boolean bias = config.linearBias();
    this.inWeight = w.bf16(prefix + "in_proj.weight", hidden, width);
    this.inBias = bias ? w.vector(prefix + "in_proj.bias", width, 0.02f, 0f) : null;
    this.dtInWeight =
        w.bf16(hidden, hidden, rank, new Part(prefix + "dt_in_proj.weight", dtRank, hidden));
    this.dtInBias =
        bias ? w.f32(0.02f, 0f, rank, new Part(prefix + "dt_in_proj.bias", dtRank)) : null;
    this.dtWeight =
        w.bf16(dtRank, rank, dInner, new Part(prefix + "dt_proj.weight", dInner, dtRank));
    this.dtProjBias =
        config.dtProjBias() ? w.vector(prefix + "dt_proj.bias", dInner, 0.5f, -3f) : null;
    this.outWeight = w.bf16(prefix + "out_proj.weight", dInner, hidden);
    this.outBias = bias ? w.vector(prefix + "out_proj.bias", hidden, 0.02f, 0f) : null;
    int kernel = config.dConv();
    this.convWeight =
        w.f32(0.5f, 0f, (long) convChannels * kernel,
            new Part(prefix + "conv1d.weight", convChannels, 1, kernel));
    this.convBias =
        config.convBias() ? w.vector(prefix + "conv1d.bias", convChannels, 0.1f, 0f) : null;
    // The kernel takes A = -exp(A_log); random mode draws A in [-1.5, -0.5] directly.
    this.aNeg =
        w.f32(v -> -Math.exp(v), 0.5f, -1f, (long) dInner * dState,
            new Part(prefix + "A_log", dInner, dState));
    this.d = w.vector(prefix + "D", dInner, 0.5f, 1f);
    this.dtBias =
        config.dtProjBias()
            ? w.vector(prefix + "dt_proj.bias", dInner, 0.5f, -3f)
            : w.zeros(dInner);
    this.recurrentFloats = (long) dInner * dState;
    this.convFloats = (long) convChannels * (kernel - 1);
    this.recurrent = slotState(k.ctx(), slots, recurrentFloats);
    this.conv = slotState(k.ctx(), slots, convFloats);
    this.shape = new MambaShape(dInner, dState, dXb, kernel, config.repeatKvBeforeConv());
  }

  @Override
  long[] scratchWidths() {
    // zxbc, dt (low rank), dt, y
    return new long[] {width, rank, dInner, dInner};
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
    DenseKernels dense = k.dense();
    project(input, inWeight, inBias, s[0], width, rows, seg);
    project(input, dtInWeight, dtInBias, s[1], rank, rows, seg);
    dense.linear(s[1], rank, dtWeight, dtProjBias, s[2], dInner, rows, rank, dInner, seg, false);
    k.recurrent().mamba(s[0], s[2], s[3], rows, seg, ws.slots(), sequential, convWeight, convBias,
        aNeg, d, dtBias, recurrent, conv, shape);
    dense.linear(s[3], dInner, outWeight, outBias, ws.h, hidden, rows, dInner, hidden, seg, true);
  }

  @Override
  void reset(int slot) {
    zeroSlot(k.ctx(), recurrent, slot, recurrentFloats);
    zeroSlot(k.ctx(), conv, slot, convFloats);
  }
}
