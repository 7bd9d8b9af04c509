package dev.gearbox.runtime.model;

import dev.gearbox.runtime.placement.MixerKind;

/** The configuration of one sequence mixer at one layer, parsed from a checkpoint's config. */
public sealed interface MixerConfig
    permits MixerConfig.Attention,
        MixerConfig.GatedDeltaNet,
        MixerConfig.KimiDelta,
        MixerConfig.Mamba {

  /** The mixer family. */
  MixerKind kind();

  /**
   * Causal softmax attention with grouped KV heads and rotary positions.
   *
   * @param window sliding window in tokens (a query sees the last {@code window} keys, itself
   *     included), 0 for full attention
   * @param qkvBias q/k/v projections carry a bias (Qwen2)
   * @param outBias the output projection carries a bias
   * @param qkNorm per-head RMSNorm of queries and keys before RoPE (Qwen3)
   */
  record Attention(
      int heads,
      int kvHeads,
      int headDim,
      Rope rope,
      int window,
      boolean qkvBias,
      boolean outBias,
      boolean qkNorm,
      double normEps)
      implements MixerConfig {
    @Override
    public MixerKind kind() {
      return window > 0 ? MixerKind.SLIDING_WINDOW : MixerKind.FULL_ATTENTION;
    }
  }

  /** Gated DeltaNet (Fast-LLM layout: packed {@code in_proj_qkvz}, {@code in_proj_ba}). */
  record GatedDeltaNet(
      int valueHeads,
      int keyHeads,
      int keyHeadDim,
      int valueHeadDim,
      int convKernel,
      double normEps)
      implements MixerConfig {
    @Override
    public MixerKind kind() {
      return MixerKind.GATED_DELTANET;
    }
  }

  /** Kimi Delta Attention: per-channel decay, low-rank gate projections. */
  record KimiDelta(
      int heads, int headDim, int convKernel, double normEps, boolean sigmoidOutputGate)
      implements MixerConfig {
    @Override
    public MixerKind kind() {
      return MixerKind.KIMI_DELTA;
    }
  }

  /**
   * Mamba-1 in the Mamba-in-Llama variant ({@code d_xb} grouped x/B, optional repeat before conv).
   */
  record Mamba(
      int dInner,
      int dState,
      int dXb,
      int dtRank,
      int dConv,
      boolean convBias,
      boolean dtProjBias,
      boolean linearBias,
      boolean repeatKvBeforeConv)
      implements MixerConfig {
    @Override
    public MixerKind kind() {
      return MixerKind.MAMBA;
    }
  }
}
