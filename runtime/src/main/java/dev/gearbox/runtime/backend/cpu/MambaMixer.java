package dev.gearbox.runtime.backend.cpu;

import dev.gearbox.runtime.model.MixerConfig;
import dev.gearbox.runtime.placement.LayerState;

/**
 * Mamba-1 in the Mamba-in-Llama variant used by Apriel2: x and B come in {@code d_xb} channels
 * (grouped like GQA) and are repeated to {@code d_inner}; C and z are full width.
 *
 * <p>Per channel c and state index n: {@code h = exp(dt A) h + dt B u; y = C . h + D u; y *=
 * silu(z)}, with u the SiLU of a causal conv, {@code dt = softplus(dt_proj(dt_in_proj(x)) +
 * dt_bias)}. The reference adds {@code dt_proj.bias} twice (once inside the linear layer, once as
 * the scan's {@code delta_bias}), in prefill and decode alike; we do the same to match it.
 */
final class MambaMixer implements CpuMixer {
  private static final int ZXBC = FIRST_SLOT;
  private static final int DT_LOW = FIRST_SLOT + 1;
  private static final int DT = FIRST_SLOT + 2;
  private static final int REPEATED = FIRST_SLOT + 3;
  private static final int U = FIRST_SLOT + 4;
  private static final int Y = FIRST_SLOT + 5;

  private final MixerConfig.Mamba config;
  private final int dInner;
  private final int dState;
  private final int dXb;
  private final int repeatGroup;
  private final int convChannels;
  private final Linear inProj;
  private final Linear dtInProj;
  private final Linear dtProj;
  private final Linear outProj;
  private final float[] convWeight;
  private final float[] convBias;
  private final float[] a;
  private final float[] d;
  private final float[] dtBias;
  private final WorkerPool pool;
  private final Scratch scratch;

  MambaMixer(
      MixerConfig.Mamba config,
      int hidden,
      String prefix,
      Weights weights,
      WorkerPool pool,
      Scratch scratch) {
    this.config = config;
    this.dInner = config.dInner();
    this.dState = config.dState();
    this.dXb = config.dXb() > 0 ? config.dXb() : hidden;
    if (dInner % dState != 0 || dXb % dState != 0 || (dInner / dState) % (dXb / dState) != 0) {
      throw new IllegalArgumentException(
          prefix
              + ": d_inner "
              + dInner
              + " and d_xb "
              + dXb
              + " must be multiples of d_state "
              + dState
              + " with d_inner/d_xb integral");
    }
    this.repeatGroup = (dInner / dState) / (dXb / dState);
    this.convChannels = config.repeatKvBeforeConv() ? dInner : dXb;
    boolean bias = config.linearBias();
    this.inProj = weights.linear(prefix + "in_proj", hidden, 2 * dXb + 2 * dInner, bias);
    this.dtInProj = weights.linear(prefix + "dt_in_proj", hidden, config.dtRank(), bias);
    this.dtProj = weights.linear(prefix + "dt_proj", config.dtRank(), dInner, config.dtProjBias());
    this.outProj = weights.linear(prefix + "out_proj", dInner, hidden, bias);
    this.convWeight = weights.conv(prefix + "conv1d.weight", convChannels, config.dConv());
    this.convBias = config.convBias() ? weights.vector(prefix + "conv1d.bias", convChannels) : null;
    float[] aLog = weights.matrix(prefix + "A_log", dInner, dState);
    this.a = new float[aLog.length];
    for (int i = 0; i < aLog.length; i++) {
      a[i] = (float) -Math.exp(aLog[i]);
    }
    this.d = weights.vector(prefix + "D", dInner);
    this.dtBias = config.dtProjBias() ? dtProj.bias : new float[dInner];
    this.pool = pool;
    this.scratch = scratch;
  }

  private int convFloats() {
    return convChannels * (config.dConv() - 1);
  }

  @Override
  public LayerState layout() {
    return new LayerState(
        config.kind(), 0, 0, (long) (dInner * dState + convFloats()) * Float.BYTES);
  }

  @Override
  public long weightBytes() {
    return inProj.weightBytes()
        + dtInProj.weightBytes()
        + dtProj.weightBytes()
        + outProj.weightBytes()
        + 4L * (convWeight.length + (convBias == null ? 0 : convBias.length) + a.length + d.length);
  }

  @Override
  public MixerState newState() {
    return new RecurrentState(dInner * dState, convFloats());
  }

  /** The x/B channel (in d_xb space) that repeated channel {@code c} reads. */
  private int sourceChannel(int c) {
    return ((c / dState) / repeatGroup) * dState + c % dState;
  }

  @Override
  public void forward(float[] x, float[] out, int rows, MixerState[] states, int[] positions) {
    int width = 2 * dXb + 2 * dInner;
    float[] zxbc = scratch.get(ZXBC, rows * width);
    float[] dtLow = scratch.get(DT_LOW, rows * config.dtRank());
    float[] dt = scratch.get(DT, rows * dInner);
    float[] repeated = scratch.get(REPEATED, dInner);
    float[] u = scratch.get(U, dInner);
    float[] y = scratch.get(Y, rows * dInner);
    inProj.apply(pool, x, rows, zxbc);
    dtInProj.apply(pool, x, rows, dtLow);
    dtProj.apply(pool, dtLow, rows, dt);
    for (int r = 0; r < rows; r++) {
      RecurrentState state = (RecurrentState) states[r];
      int row = r * width;
      int xOff = row + dInner;
      int bOff = xOff + dXb;
      int cOff = bOff + dXb;
      if (config.repeatKvBeforeConv()) {
        for (int c = 0; c < dInner; c++) {
          repeated[c] = zxbc[xOff + sourceChannel(c)];
        }
        Ops.causalConvStep(
            repeated, 0, state.conv, 0, convWeight, convBias, dInner, config.dConv(), u, 0);
      } else {
        Ops.causalConvStep(
            zxbc, xOff, state.conv, 0, convWeight, convBias, dXb, config.dConv(), repeated, 0);
        for (int c = 0; c < dInner; c++) {
          u[c] = repeated[sourceChannel(c)];
        }
      }
      float[] h = state.recurrent;
      for (int c = 0; c < dInner; c++) {
        float delta = Ops.softplus(dt[r * dInner + c] + dtBias[c]);
        float uc = u[c];
        int head = c / dState;
        int bBase = bOff + (head / repeatGroup) * dState;
        int cBase = cOff + head * dState;
        int hOff = c * dState;
        float acc = Ops.ssmStep(h, hOff, a, delta, zxbc, bBase, delta * uc, zxbc, cBase, dState);
        acc += d[c] * uc;
        y[r * dInner + c] = acc * Ops.silu(zxbc[row + c]);
      }
    }
    outProj.apply(pool, y, rows, out);
  }
}
