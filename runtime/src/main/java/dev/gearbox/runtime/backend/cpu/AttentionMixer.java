package dev.gearbox.runtime.backend.cpu;

import dev.gearbox.runtime.model.MixerConfig;
import dev.gearbox.runtime.placement.LayerState;

/**
 * Causal softmax attention with GQA and RoPE; full or sliding-window (a query sees the last
 * {@code window} keys, itself included — also when decoding from the cache past the window).
 */
final class AttentionMixer implements CpuMixer {
  private static final int Q = FIRST_SLOT;
  private static final int K = FIRST_SLOT + 1;
  private static final int V = FIRST_SLOT + 2;
  private static final int CTX = FIRST_SLOT + 3;
  private static final int SCORES = FIRST_SLOT + 4;
  private static final int ROPE = FIRST_SLOT + 5;

  private final MixerConfig.Attention config;
  private final int hidden;
  private final Linear qProj;
  private final Linear kProj;
  private final Linear vProj;
  private final Linear oProj;
  private final float[] qNorm;
  private final float[] kNorm;
  private final float[] invFreq;
  private final float scale;
  private final WorkerPool pool;
  private final Scratch scratch;

  AttentionMixer(MixerConfig.Attention config, int hidden, String prefix, Weights weights, WorkerPool pool, Scratch scratch) {
    this.config = config;
    this.hidden = hidden;
    int qDim = config.heads() * config.headDim();
    int kvDim = config.kvHeads() * config.headDim();
    this.qProj = weights.linear(prefix + "q_proj", hidden, qDim, config.qkvBias());
    this.kProj = weights.linear(prefix + "k_proj", hidden, kvDim, config.qkvBias());
    this.vProj = weights.linear(prefix + "v_proj", hidden, kvDim, config.qkvBias());
    this.oProj = weights.linear(prefix + "o_proj", qDim, hidden, config.outBias());
    this.qNorm = config.qkNorm() ? weights.vector(prefix + "q_norm.weight", config.headDim()) : null;
    this.kNorm = config.qkNorm() ? weights.vector(prefix + "k_norm.weight", config.headDim()) : null;
    if (config.heads() % config.kvHeads() != 0) {
      throw new IllegalArgumentException(
          prefix + ": heads " + config.heads() + " is not a multiple of KV heads " + config.kvHeads());
    }
    this.invFreq = config.rope().inverseFrequencies(config.headDim());
    this.scale = (float) (1.0 / Math.sqrt(config.headDim()));
    this.pool = pool;
    this.scratch = scratch;
  }

  @Override
  public LayerState layout() {
    long perToken = 2L * config.kvHeads() * config.headDim() * Float.BYTES;
    return new LayerState(config.kind(), perToken, config.window(), 0);
  }

  @Override
  public MixerState newState() {
    return new KvCache(config.kvHeads() * config.headDim(), config.window());
  }

  @Override
  public void forward(float[] x, float[] out, int rows, MixerState[] states, int[] positions) {
    int headDim = config.headDim();
    int heads = config.heads();
    int kvHeads = config.kvHeads();
    int qDim = heads * headDim;
    int kvDim = kvHeads * headDim;
    float[] q = scratch.get(Q, rows * qDim);
    float[] k = scratch.get(K, rows * kvDim);
    float[] v = scratch.get(V, rows * kvDim);
    float[] ctx = scratch.get(CTX, rows * qDim);
    float[] rope = scratch.get(ROPE, headDim);
    qProj.apply(pool, x, rows, q);
    kProj.apply(pool, x, rows, k);
    vProj.apply(pool, x, rows, v);
    int group = heads / kvHeads;
    for (int r = 0; r < rows; r++) {
      KvCache cache = (KvCache) states[r];
      int position = positions[r];
      if (qNorm != null) {
        for (int h = 0; h < heads; h++) {
          Ops.rmsNorm(q, r * qDim + h * headDim, qNorm, (float) config.normEps(), q, r * qDim + h * headDim, headDim);
        }
        for (int h = 0; h < kvHeads; h++) {
          Ops.rmsNorm(k, r * kvDim + h * headDim, kNorm, (float) config.normEps(), k, r * kvDim + h * headDim, headDim);
        }
      }
      ropeTable(position, rope);
      for (int h = 0; h < heads; h++) {
        rotate(q, r * qDim + h * headDim, rope, headDim / 2);
      }
      for (int h = 0; h < kvHeads; h++) {
        rotate(k, r * kvDim + h * headDim, rope, headDim / 2);
      }
      cache.put(position, k, r * kvDim, v, r * kvDim);
      int first = config.window() > 0 ? Math.max(0, position - config.window() + 1) : 0;
      int span = position - first + 1;
      float[] scores = scratch.get(SCORES, span);
      for (int h = 0; h < heads; h++) {
        int qOff = r * qDim + h * headDim;
        int kvOff = (h / group) * headDim;
        float max = Float.NEGATIVE_INFINITY;
        for (int t = 0; t < span; t++) {
          int slot = cache.slot(first + t);
          float s = Linear.dot(q, qOff, cache.keyBlock(slot), KvCache.offsetInBlock(slot, kvDim) + kvOff, headDim) * scale;
          scores[t] = s;
          max = Math.max(max, s);
        }
        float sum = 0;
        for (int t = 0; t < span; t++) {
          float e = (float) Math.exp(scores[t] - max);
          scores[t] = e;
          sum += e;
        }
        float inv = 1f / sum;
        int cOff = r * qDim + h * headDim;
        java.util.Arrays.fill(ctx, cOff, cOff + headDim, 0f);
        for (int t = 0; t < span; t++) {
          int slot = cache.slot(first + t);
          float[] block = cache.valueBlock(slot);
          int vOff = KvCache.offsetInBlock(slot, kvDim) + kvOff;
          float p = scores[t] * inv;
          for (int d = 0; d < headDim; d++) {
            ctx[cOff + d] += p * block[vOff + d];
          }
        }
      }
    }
    oProj.apply(pool, ctx, rows, out);
  }

  /** cos in [0, half), sin in [half, headDim) for one position, in float like the reference. */
  private void ropeTable(int position, float[] table) {
    int half = invFreq.length;
    for (int i = 0; i < half; i++) {
      float angle = position * invFreq[i];
      table[i] = (float) Math.cos(angle);
      table[half + i] = (float) Math.sin(angle);
    }
  }

  /** Rotate-half RoPE: (x1, x2) -> (x1 cos - x2 sin, x2 cos + x1 sin). */
  private static void rotate(float[] x, int off, float[] table, int half) {
    for (int i = 0; i < half; i++) {
      float cos = table[i];
      float sin = table[half + i];
      float x1 = x[off + i];
      float x2 = x[off + half + i];
      x[off + i] = x1 * cos - x2 * sin;
      x[off + half + i] = x2 * cos + x1 * sin;
    }
  }
}
