package dev.gearbox.runtime.backend.cpu;

import dev.gearbox.runtime.model.MixerConfig;
import dev.gearbox.runtime.placement.LayerState;

/**
 * Causal softmax attention with GQA and RoPE; full or sliding-window (a query sees the last {@code
 * window} keys, itself included — also when decoding from the cache past the window).
 */
final class AttentionMixer implements CpuMixer, WorkerPool.RangeTask {
  private static final int Q = FIRST_SLOT;
  private static final int K = FIRST_SLOT + 1;
  private static final int V = FIRST_SLOT + 2;
  private static final int CTX = FIRST_SLOT + 3;
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

  /** Softmax scores per thread, grown to the longest span seen. */
  private final ThreadLocal<float[][]> scores = ThreadLocal.withInitial(() -> new float[1][0]);

  // The call in progress, read by the worker threads in run().
  private float[] current;
  private float[] currentCtx;
  private MixerState[] currentStates;
  private int[] currentPositions;

  AttentionMixer(
      MixerConfig.Attention config,
      int hidden,
      String prefix,
      Weights weights,
      WorkerPool pool,
      Scratch scratch) {
    this.config = config;
    this.hidden = hidden;
    int qDim = config.heads() * config.headDim();
    int kvDim = config.kvHeads() * config.headDim();
    this.qProj = weights.linear(prefix + "q_proj", hidden, qDim, config.qkvBias());
    this.kProj = weights.linear(prefix + "k_proj", hidden, kvDim, config.qkvBias());
    this.vProj = weights.linear(prefix + "v_proj", hidden, kvDim, config.qkvBias());
    this.oProj = weights.linear(prefix + "o_proj", qDim, hidden, config.outBias());
    this.qNorm =
        config.qkNorm() ? weights.vector(prefix + "q_norm.weight", config.headDim()) : null;
    this.kNorm =
        config.qkNorm() ? weights.vector(prefix + "k_norm.weight", config.headDim()) : null;
    if (config.heads() % config.kvHeads() != 0) {
      throw new IllegalArgumentException(
          prefix
              + ": heads "
              + config.heads()
              + " is not a multiple of KV heads "
              + config.kvHeads());
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
  public long weightBytes() {
    long norms = qNorm == null ? 0 : 8L * qNorm.length;
    return qProj.weightBytes()
        + kProj.weightBytes()
        + vProj.weightBytes()
        + oProj.weightBytes()
        + norms;
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
    current = q;
    currentCtx = ctx;
    currentStates = states;
    currentPositions = positions;
    // A window ring can be overwritten by later rows of the same sequence, so a prefill chunk of a
    // windowed layer attends row by row, right after each row's key is stored.
    boolean interleaved = config.window() > 0 && rows > 1 && states[0] == states[1];
    for (int r = 0; r < rows; r++) {
      KvCache cache = (KvCache) states[r];
      int position = positions[r];
      if (qNorm != null) {
        for (int h = 0; h < heads; h++) {
          Ops.rmsNorm(
              q,
              r * qDim + h * headDim,
              qNorm,
              (float) config.normEps(),
              q,
              r * qDim + h * headDim,
              headDim);
        }
        for (int h = 0; h < kvHeads; h++) {
          Ops.rmsNorm(
              k,
              r * kvDim + h * headDim,
              kNorm,
              (float) config.normEps(),
              k,
              r * kvDim + h * headDim,
              headDim);
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
      if (interleaved) {
        for (int h = 0; h < heads; h++) {
          attend(r, h);
        }
      }
    }
    if (!interleaved) {
      // Every row's keys are in place and no later row can overwrite them: heads run in parallel.
      pool.run(this, rows * heads, Math.max(1, 65536 / (span(positions, rows) * headDim)));
    }
    current = null;
    currentCtx = null;
    currentStates = null;
    currentPositions = null;
    oProj.apply(pool, ctx, rows, out);
  }

  @Override
  public void run(int from, int to) {
    int heads = config.heads();
    for (int i = from; i < to; i++) {
      attend(i / heads, i % heads);
    }
  }

  private int span(int[] positions, int rows) {
    int longest = 1;
    for (int r = 0; r < rows; r++) {
      int first = config.window() > 0 ? Math.max(0, positions[r] - config.window() + 1) : 0;
      longest = Math.max(longest, positions[r] - first + 1);
    }
    return longest;
  }

  /** Softmax attention of row {@code r}, query head {@code h}, over its visible keys. */
  private void attend(int r, int h) {
    int headDim = config.headDim();
    int qDim = config.heads() * headDim;
    int kvDim = config.kvHeads() * headDim;
    KvCache cache = (KvCache) currentStates[r];
    int position = currentPositions[r];
    int first = config.window() > 0 ? Math.max(0, position - config.window() + 1) : 0;
    int span = position - first + 1;
    float[][] holder = scores.get();
    if (holder[0].length < span) {
      holder[0] = new float[Math.max(span, holder[0].length * 2)];
    }
    float[] score = holder[0];
    int qOff = r * qDim + h * headDim;
    int kvOff = (h / (config.heads() / config.kvHeads())) * headDim;
    float max = Float.NEGATIVE_INFINITY;
    for (int t = 0; t < span; t++) {
      int slot = cache.slot(first + t);
      float s =
          Linear.dot(
                  current,
                  qOff,
                  cache.keyBlock(slot),
                  KvCache.offsetInBlock(slot, kvDim) + kvOff,
                  headDim)
              * scale;
      score[t] = s;
      max = Math.max(max, s);
    }
    float sum = 0;
    for (int t = 0; t < span; t++) {
      float e = (float) Math.exp(score[t] - max);
      score[t] = e;
      sum += e;
    }
    float inv = 1f / sum;
    float[] ctx = currentCtx;
    java.util.Arrays.fill(ctx, qOff, qOff + headDim, 0f);
    for (int t = 0; t < span; t++) {
      int slot = cache.slot(first + t);
      float[] block = cache.valueBlock(slot);
      int vOff = KvCache.offsetInBlock(slot, kvDim) + kvOff;
      Ops.axpy(ctx, qOff, score[t] * inv, block, vOff, headDim);
    }
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
