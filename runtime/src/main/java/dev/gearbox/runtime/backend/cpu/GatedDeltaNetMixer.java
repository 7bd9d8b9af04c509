package dev.gearbox.runtime.backend.cpu;

import dev.gearbox.runtime.model.MixerConfig;
import dev.gearbox.runtime.placement.LayerState;

/**
 * Gated DeltaNet, recurrent form (fla {@code fused_recurrent_gated_delta_rule}), with Fast-LLM's
 * flat {@code [Q | K | V | Z]} and {@code [beta | alpha]} projection layouts.
 *
 * <p>Per value head h, with key head h / (valueHeads / keyHeads), state S [keyDim x valueDim]:
 * {@code S *= exp(g); u = beta * (v - S^T k); S += k u^T; o = S^T (q / sqrt(dk))}, where q and k
 * are L2-normalized, {@code g = -exp(A_log) * softplus(alpha + dt_bias)}, {@code beta =
 * sigmoid(b)}. The output is RMS-normalized per head and gated by SiLU(z).
 */
final class GatedDeltaNetMixer implements CpuMixer {
  private static final int QKVZ = FIRST_SLOT;
  private static final int BA = FIRST_SLOT + 1;
  private static final int CORE = FIRST_SLOT + 2;
  private static final int MIXED = FIRST_SLOT + 3;
  private static final int KU = FIRST_SLOT + 4;

  private final MixerConfig.GatedDeltaNet config;
  private final Linear qkvzProj;
  private final Linear baProj;
  private final Linear outProj;
  private final float[] convWeight;
  private final float[] dtBias;
  private final float[] aLog;
  private final float[] normWeight;
  private final int keyDim;
  private final int valueDim;
  private final int convDim;
  private final WorkerPool pool;
  private final Scratch scratch;

  GatedDeltaNetMixer(
      MixerConfig.GatedDeltaNet config,
      int hidden,
      String prefix,
      Weights weights,
      WorkerPool pool,
      Scratch scratch) {
    this.config = config;
    this.keyDim = config.keyHeads() * config.keyHeadDim();
    this.valueDim = config.valueHeads() * config.valueHeadDim();
    this.convDim = 2 * keyDim + valueDim;
    if (config.valueHeads() % config.keyHeads() != 0) {
      throw new IllegalArgumentException(
          prefix
              + ": value_heads "
              + config.valueHeads()
              + " is not a multiple of key_heads "
              + config.keyHeads());
    }
    this.qkvzProj =
        weights.linear(prefix + "in_proj_qkvz", hidden, 2 * keyDim + 2 * valueDim, false);
    this.baProj = weights.linear(prefix + "in_proj_ba", hidden, 2 * config.valueHeads(), false);
    this.outProj = weights.linear(prefix + "out_proj", valueDim, hidden, false);
    this.convWeight = weights.conv(prefix + "convolution.weight", convDim, config.convKernel());
    this.dtBias = weights.vector(prefix + "dt_bias", config.valueHeads());
    this.aLog = weights.vector(prefix + "A_log", config.valueHeads());
    this.normWeight = weights.vector(prefix + "norm.weight", config.valueHeadDim());
    this.pool = pool;
    this.scratch = scratch;
  }

  @Override
  public LayerState layout() {
    return new LayerState(
        config.kind(), 0, 0, (long) (recurrentFloats() + convFloats()) * Float.BYTES);
  }

  private int recurrentFloats() {
    return config.valueHeads() * config.keyHeadDim() * config.valueHeadDim();
  }

  private int convFloats() {
    return convDim * (config.convKernel() - 1);
  }

  @Override
  public long weightBytes() {
    return qkvzProj.weightBytes()
        + baProj.weightBytes()
        + outProj.weightBytes()
        + 4L * (convWeight.length + dtBias.length + aLog.length + normWeight.length);
  }

  @Override
  public MixerState newState() {
    return new RecurrentState(recurrentFloats(), convFloats());
  }

  @Override
  public void forward(float[] x, float[] out, int rows, MixerState[] states, int[] positions) {
    int qkvzDim = 2 * keyDim + 2 * valueDim;
    int valueHeads = config.valueHeads();
    int dk = config.keyHeadDim();
    int dv = config.valueHeadDim();
    int perKey = valueHeads / config.keyHeads();
    float[] qkvz = scratch.get(QKVZ, rows * qkvzDim);
    float[] ba = scratch.get(BA, rows * 2 * valueHeads);
    float[] core = scratch.get(CORE, rows * valueDim);
    float[] mixed = scratch.get(MIXED, convDim);
    float[] ku = scratch.get(KU, dv);
    qkvzProj.apply(pool, x, rows, qkvz);
    baProj.apply(pool, x, rows, ba);
    float queryScale = (float) (1.0 / Math.sqrt(dk));
    float eps = (float) config.normEps();
    for (int r = 0; r < rows; r++) {
      RecurrentState state = (RecurrentState) states[r];
      int row = r * qkvzDim;
      Ops.causalConvStep(
          qkvz, row, state.conv, 0, convWeight, null, convDim, config.convKernel(), mixed, 0);
      for (int kh = 0; kh < config.keyHeads(); kh++) {
        Ops.l2Normalize(mixed, kh * dk, dk);
        Ops.l2Normalize(mixed, keyDim + kh * dk, dk);
      }
      float[] s = state.recurrent;
      for (int h = 0; h < valueHeads; h++) {
        int qOff = (h / perKey) * dk;
        int kOff = keyDim + qOff;
        int vOff = 2 * keyDim + h * dv;
        float beta = Ops.sigmoid(ba[r * 2 * valueHeads + h]);
        float alpha = ba[r * 2 * valueHeads + valueHeads + h];
        float decay = (float) Math.exp(-Math.exp(aLog[h]) * Ops.softplus(alpha + dtBias[h]));
        int sOff = h * dk * dv;
        Ops.scale(s, sOff, decay, dk * dv);
        // u = beta * (v - S^T k)
        java.util.Arrays.fill(ku, 0, dv, 0f);
        for (int i = 0; i < dk; i++) {
          Ops.axpy(ku, 0, mixed[kOff + i], s, sOff + i * dv, dv);
        }
        for (int j = 0; j < dv; j++) {
          ku[j] = beta * (mixed[vOff + j] - ku[j]);
        }
        // S += k u^T, then o = S^T q (with the updated S)
        int oOff = r * valueDim + h * dv;
        java.util.Arrays.fill(core, oOff, oOff + dv, 0f);
        for (int i = 0; i < dk; i++) {
          Ops.axpy(s, sOff + i * dv, mixed[kOff + i], ku, 0, dv);
          Ops.axpy(core, oOff, mixed[qOff + i] * queryScale, s, sOff + i * dv, dv);
        }
        // Gated RMSNorm: norm(o) * weight * silu(z)
        Ops.rmsNorm(core, oOff, normWeight, eps, core, oOff, dv);
        int zOff = row + 2 * keyDim + valueDim + h * dv;
        for (int j = 0; j < dv; j++) {
          core[oOff + j] *= Ops.silu(qkvz[zOff + j]);
        }
      }
    }
    outProj.apply(pool, core, rows, out);
  }
}
