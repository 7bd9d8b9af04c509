package dev.gearbox.runtime.backend.cpu;

import dev.gearbox.runtime.model.MixerConfig;
import dev.gearbox.runtime.placement.LayerState;

/**
 * Kimi Delta Attention, recurrent form (fla {@code fused_recurrent_kda} after {@code
 * fused_kda_gate}): the delta rule of GDN with a per-channel decay.
 *
 * <p>Per head h, state S [headDim x headDim]: {@code S = diag(exp(g)) S; u = beta * (v - S^T k); S
 * += k u^T; o = S^T (q / sqrt(d))}, with q, k, v each through their own causal conv + SiLU, q and k
 * L2-normalized, {@code g = -exp(A_log[h]) * softplus(f_b(f_a(x)) + dt_bias)}, {@code beta =
 * sigmoid(beta_proj(x))}; the output is RMS-normalized per head and gated by {@code g_b(g_a(x))}.
 */
final class KimiDeltaMixer implements CpuMixer {
  private static final int Q = FIRST_SLOT;
  private static final int K = FIRST_SLOT + 1;
  private static final int V = FIRST_SLOT + 2;
  private static final int LOW = FIRST_SLOT + 3;
  private static final int DECAY = FIRST_SLOT + 4;
  private static final int GATE = FIRST_SLOT + 5;
  private static final int BETA = FIRST_SLOT + 6;
  private static final int CORE = FIRST_SLOT + 7;
  private static final int KU = FIRST_SLOT + 8;

  private final MixerConfig.KimiDelta config;
  private final int proj;
  private final Linear qProj;
  private final Linear kProj;
  private final Linear vProj;
  private final Linear fA;
  private final Linear fB;
  private final Linear gA;
  private final Linear gB;
  private final Linear betaProj;
  private final Linear oProj;
  private final float[] qConv;
  private final float[] kConv;
  private final float[] vConv;
  private final float[] aLog;
  private final float[] dtBias;
  private final float[] normWeight;
  private final WorkerPool pool;
  private final Scratch scratch;

  KimiDeltaMixer(
      MixerConfig.KimiDelta config,
      int hidden,
      String prefix,
      Weights weights,
      WorkerPool pool,
      Scratch scratch) {
    this.config = config;
    int hd = config.headDim();
    this.proj = config.heads() * hd;
    this.qProj = weights.linear(prefix + "q_proj", hidden, proj, false);
    this.kProj = weights.linear(prefix + "k_proj", hidden, proj, false);
    this.vProj = weights.linear(prefix + "v_proj", hidden, proj, false);
    this.fA = weights.linear(prefix + "f_a_proj", hidden, hd, false);
    this.fB = weights.linear(prefix + "f_b_proj", hd, proj, false);
    this.gA = weights.linear(prefix + "g_a_proj", hidden, hd, false);
    this.gB = weights.linear(prefix + "g_b_proj", hd, proj, false);
    this.betaProj = weights.linear(prefix + "beta_proj", hidden, config.heads(), false);
    this.oProj = weights.linear(prefix + "o_proj", proj, hidden, false);
    this.qConv = weights.conv(prefix + "q_conv.weight", proj, config.convKernel());
    this.kConv = weights.conv(prefix + "k_conv.weight", proj, config.convKernel());
    this.vConv = weights.conv(prefix + "v_conv.weight", proj, config.convKernel());
    this.aLog = weights.vector(prefix + "A_log", config.heads());
    this.dtBias = weights.vector(prefix + "dt_bias", proj);
    this.normWeight = weights.vector(prefix + "norm.weight", hd);
    this.pool = pool;
    this.scratch = scratch;
  }

  private int recurrentFloats() {
    return config.heads() * config.headDim() * config.headDim();
  }

  private int convFloats() {
    return 3 * proj * (config.convKernel() - 1);
  }

  @Override
  public LayerState layout() {
    return new LayerState(
        config.kind(), 0, 0, (long) (recurrentFloats() + convFloats()) * Float.BYTES);
  }

  @Override
  public long weightBytes() {
    long linear =
        qProj.weightBytes()
            + kProj.weightBytes()
            + vProj.weightBytes()
            + fA.weightBytes()
            + fB.weightBytes()
            + gA.weightBytes()
            + gB.weightBytes()
            + betaProj.weightBytes()
            + oProj.weightBytes();
    return linear
        + 4L
            * (qConv.length
                + kConv.length
                + vConv.length
                + aLog.length
                + dtBias.length
                + normWeight.length);
  }

  @Override
  public MixerState newState() {
    return new RecurrentState(recurrentFloats(), convFloats());
  }

  @Override
  public void forward(float[] x, float[] out, int rows, MixerState[] states, int[] positions) {
    int heads = config.heads();
    int hd = config.headDim();
    int kernel = config.convKernel();
    float[] q = scratch.get(Q, rows * proj);
    float[] k = scratch.get(K, rows * proj);
    float[] v = scratch.get(V, rows * proj);
    float[] low = scratch.get(LOW, rows * hd);
    float[] decay = scratch.get(DECAY, rows * proj);
    float[] gate = scratch.get(GATE, rows * proj);
    float[] beta = scratch.get(BETA, rows * heads);
    float[] core = scratch.get(CORE, rows * proj);
    float[] ku = scratch.get(KU, hd);
    qProj.apply(pool, x, rows, q);
    kProj.apply(pool, x, rows, k);
    vProj.apply(pool, x, rows, v);
    fA.apply(pool, x, rows, low);
    fB.apply(pool, low, rows, decay);
    gA.apply(pool, x, rows, low);
    gB.apply(pool, low, rows, gate);
    betaProj.apply(pool, x, rows, beta);
    float queryScale = (float) (1.0 / Math.sqrt(hd));
    float eps = (float) config.normEps();
    int convStride = proj * (kernel - 1);
    for (int r = 0; r < rows; r++) {
      RecurrentState state = (RecurrentState) states[r];
      int row = r * proj;
      Ops.causalConvStep(q, row, state.conv, 0, qConv, null, proj, kernel, q, row);
      Ops.causalConvStep(k, row, state.conv, convStride, kConv, null, proj, kernel, k, row);
      Ops.causalConvStep(v, row, state.conv, 2 * convStride, vConv, null, proj, kernel, v, row);
      float[] s = state.recurrent;
      for (int h = 0; h < heads; h++) {
        int off = row + h * hd;
        Ops.l2Normalize(q, off, hd);
        Ops.l2Normalize(k, off, hd);
        float b = Ops.sigmoid(beta[r * heads + h]);
        float a = (float) Math.exp(aLog[h]);
        int sOff = h * hd * hd;
        for (int i = 0; i < hd; i++) {
          float g = -a * Ops.softplus(decay[off + i] + dtBias[h * hd + i]);
          Ops.scale(s, sOff + i * hd, (float) Math.exp(g), hd);
        }
        java.util.Arrays.fill(ku, 0, hd, 0f);
        for (int i = 0; i < hd; i++) {
          Ops.axpy(ku, 0, k[off + i], s, sOff + i * hd, hd);
        }
        for (int j = 0; j < hd; j++) {
          ku[j] = b * (v[off + j] - ku[j]);
        }
        java.util.Arrays.fill(core, off, off + hd, 0f);
        for (int i = 0; i < hd; i++) {
          Ops.axpy(s, sOff + i * hd, k[off + i], ku, 0, hd);
          Ops.axpy(core, off, q[off + i] * queryScale, s, sOff + i * hd, hd);
        }
        Ops.rmsNorm(core, off, normWeight, eps, core, off, hd);
        for (int j = 0; j < hd; j++) {
          float g = gate[off + j];
          core[off + j] *= config.sigmoidOutputGate() ? Ops.sigmoid(g) : Ops.silu(g);
        }
      }
    }
    oProj.apply(pool, core, rows, out);
  }
}
