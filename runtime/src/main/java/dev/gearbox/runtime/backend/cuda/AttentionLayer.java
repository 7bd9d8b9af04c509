package dev.gearbox.runtime.backend.cuda;

import dev.gearbox.runtime.backend.cuda.AttentionKernels.AttentionShape;
import dev.gearbox.runtime.backend.cuda.DeviceWeights.Part;
import dev.gearbox.runtime.model.MixerConfig;
import jcuda.driver.CUdeviceptr;

/**
 * Attention on the GPU (mirrors the CPU {@code AttentionMixer}): one fused q|k|v projection,
 * optional q/k RMSNorm + RoPE + KV store into the paged pool, paged attention, output projection
 * added into the residual.
 */
final class AttentionLayer extends DeviceMixer {
  private final MixerConfig.Attention attention;
  private final int qDim;
  private final int qkvWidth;
  private final CUdeviceptr qkvWeight;
  private final CUdeviceptr qkvBias;
  private final CUdeviceptr oWeight;
  private final CUdeviceptr oBias;
  private final CUdeviceptr qNorm;
  private final CUdeviceptr kNorm;
  private final CUdeviceptr invFreq;
  private final int maxContext;
  private CUdeviceptr kvPool;
  private CUdeviceptr pageTable;
  private AttentionShape shape;

  AttentionLayer(
      MixerConfig.Attention config, int hidden, String prefix, DeviceWeights w, Kernels k,
      int maxContext) {
    super(config, hidden, k);
    this.attention = config;
    this.maxContext = maxContext;
    int hd = config.headDim();
    if (config.heads() % config.kvHeads() != 0) {
      throw new IllegalArgumentException(
          prefix + ": heads " + config.heads() + " is not a multiple of KV heads "
              + config.kvHeads());
    }
    this.qDim = stride(prefix + "q_proj output", (long) config.heads() * hd);
    int kvDim = config.kvHeads() * hd;
    this.qkvWidth = stride(prefix + "q|k|v output", qDim + 2L * kvDim);
    input(prefix + "o_proj input", qDim);
    this.qkvWeight =
        w.bf16(hidden, hidden, qkvWidth,
            new Part(prefix + "q_proj.weight", qDim, hidden),
            new Part(prefix + "k_proj.weight", kvDim, hidden),
            new Part(prefix + "v_proj.weight", kvDim, hidden));
    this.qkvBias =
        config.qkvBias()
            ? w.f32(0.02f, 0f, qkvWidth,
                new Part(prefix + "q_proj.bias", qDim),
                new Part(prefix + "k_proj.bias", kvDim),
                new Part(prefix + "v_proj.bias", kvDim))
            : null;
    this.oWeight = w.bf16(prefix + "o_proj.weight", qDim, hidden);
    this.oBias = config.outBias() ? w.vector(prefix + "o_proj.bias", hidden, 0.02f, 0f) : null;
    this.qNorm = config.qkNorm() ? w.vector(prefix + "q_norm.weight", hd, 0f, 1f) : null;
    this.kNorm = config.qkNorm() ? w.vector(prefix + "k_norm.weight", hd, 0f, 1f) : null;
    this.invFreq = w.host(config.rope().inverseFrequencies(hd));
  }

  MixerConfig.Attention attention() {
    return attention;
  }

  /** KV elements (bf16) of one page of this layer. */
  long pageElements(int pageTokens) {
    return 2L * pageTokens * attention.kvHeads() * attention.headDim();
  }

  /** Points this layer at its part of the page table and at the shared pool. */
  void bind(CUdeviceptr kvPool, CUdeviceptr pageTable, int pageTokens, int tableStride,
      int tableBase, int ringPages, long pageStride) {
    this.kvPool = kvPool;
    this.pageTable = pageTable;
    this.shape =
        new AttentionShape(attention.heads(), attention.kvHeads(), attention.headDim(),
            attention.window(), pageTokens, tableStride, tableBase, ringPages, pageStride);
  }

  /** Split-K factor of decode attention for a step of {@code rows} rows (fixed per graph). */
  int splits(int rows) {
    return AttentionKernels.splitsFor(rows, attention.kvHeads(), k.ctx().multiprocessors(),
        maxContext);
  }

  /** Scratch floats decode attention needs at {@code rows} rows. */
  long partialFloats(int rows) {
    return AttentionKernels.partialFloats(rows, attention.heads(), attention.headDim(),
        splits(rows));
  }

  @Override
  long[] scratchWidths() {
    return new long[] {qkvWidth, qDim};
  }

  @Override
  void decode(Workspace ws, Input input, int rows, CUdeviceptr seg) {
    CUdeviceptr qkv = ws.scratch[0];
    CUdeviceptr ctx = ws.scratch[1];
    project(input, qkvWeight, qkvBias, qkv, qkvWidth, rows, seg);
    k.attention().ropeStore(qkv, rows, seg, ws.slots(), ws.positions(), invFreq, qNorm, kNorm,
        (float) attention.normEps(), kvPool, pageTable, shape);
    k.attention().decode(qkv, ctx, rows, seg, ws.slots(), ws.positions(), kvPool, pageTable,
        shape, ws.partial, splits(rows));
    k.dense().linear(ctx, qDim, oWeight, oBias, ws.h, hidden, rows, qDim, hidden, seg, true);
  }

  @Override
  void prefill(Workspace ws, int rows, int slot, int firstPosition) {
    CUdeviceptr qkv = ws.scratch[0];
    CUdeviceptr ctx = ws.scratch[1];
    k.dense().linear(ws.xn, hidden, qkvWeight, qkvBias, qkv, qkvWidth, rows, hidden, qkvWidth,
        null, false);
    k.attention().ropeStore(qkv, rows, null, ws.slots(), ws.positions(), invFreq, qNorm, kNorm,
        (float) attention.normEps(), kvPool, pageTable, shape);
    k.attention().prefill(qkv, ctx, rows, slot, firstPosition, kvPool, pageTable, shape);
    k.dense().linear(ctx, qDim, oWeight, oBias, ws.h, hidden, rows, qDim, hidden, null, true);
  }
}
