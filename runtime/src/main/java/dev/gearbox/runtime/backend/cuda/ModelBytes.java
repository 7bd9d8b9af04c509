package dev.gearbox.runtime.backend.cuda;

import dev.gearbox.runtime.model.LayerConfig;
import dev.gearbox.runtime.model.MixerConfig;
import dev.gearbox.runtime.model.ModelConfig;
import dev.gearbox.runtime.placement.LayerState;
import dev.gearbox.runtime.placement.Placement;

/**
 * Sizes of what the GPU model keeps and moves: weights as laid out on the device (bf16 linears,
 * fp32 small parameters, padded where the kernels need it), KV bytes per token (bf16) and
 * recurrent state per sequence (fp32). Pure arithmetic on the config, so it is testable without a
 * GPU and is the single source for {@link CudaLanguageModel#bytesPerStep}.
 */
final class ModelBytes {
  static final int BF16 = 2;
  static final int F32 = 4;

  private ModelBytes() {}

  /** Rank of Mamba's dt projection as stored on the device: rounded up to a multiple of 8. */
  static int paddedDtRank(int dtRank) {
    return (dtRank + 7) / 8 * 8;
  }

  /** Device bytes of one mixer's weights. */
  static long mixerWeights(MixerConfig mixer, int hidden) {
    return switch (mixer) {
      case MixerConfig.Attention a -> {
        long qDim = (long) a.heads() * a.headDim();
        long kvDim = (long) a.kvHeads() * a.headDim();
        long bytes = BF16 * (hidden * (qDim + 2 * kvDim) + qDim * hidden);
        bytes += a.qkvBias() ? F32 * (qDim + 2 * kvDim) : 0;
        bytes += a.outBias() ? (long) F32 * hidden : 0;
        bytes += a.qkNorm() ? 2L * F32 * a.headDim() : 0;
        yield bytes + (long) F32 * (a.headDim() / 2);
      }
      case MixerConfig.GatedDeltaNet g -> {
        long keyDim = (long) g.keyHeads() * g.keyHeadDim();
        long valueDim = (long) g.valueHeads() * g.valueHeadDim();
        long convDim = 2 * keyDim + valueDim;
        long bytes =
            BF16 * (hidden * (2 * keyDim + 2 * valueDim) + hidden * 2L * g.valueHeads()
                + valueDim * hidden);
        yield bytes + F32 * (convDim * g.convKernel() + 2L * g.valueHeads() + g.valueHeadDim());
      }
      case MixerConfig.KimiDelta k -> {
        long hd = k.headDim();
        long proj = k.heads() * hd;
        long bytes =
            BF16 * (3 * hidden * proj + 2 * hidden * hd + 2 * hd * proj + (long) hidden * k.heads()
                + proj * hidden);
        yield bytes + F32 * (3 * proj * k.convKernel() + k.heads() + proj + hd);
      }
      case MixerConfig.Mamba m -> {
        long dXb = m.dXb() > 0 ? m.dXb() : hidden;
        long dInner = m.dInner();
        long rank = paddedDtRank(m.dtRank());
        long width = 2 * dXb + 2 * dInner;
        long convChannels = m.repeatKvBeforeConv() ? dInner : dXb;
        long bytes = BF16 * (hidden * width + hidden * rank + rank * dInner + dInner * hidden);
        long small = convChannels * m.dConv() + (m.convBias() ? convChannels : 0);
        small += dInner * m.dState() + dInner + dInner; // aNeg, D, dtBias (zeros when none)
        small += m.linearBias() ? width + rank + hidden : 0;
        small += m.dtProjBias() ? dInner : 0;
        yield bytes + F32 * small;
      }
    };
  }

  /** Device bytes of a layer's shared part: two norms and the MLP. */
  static long sharedLayerWeights(LayerConfig layer, int hidden) {
    long inter = layer.intermediateSize();
    return 2L * F32 * hidden + BF16 * (hidden * 2 * inter + inter * hidden);
  }

  /** Device bytes of the LM head (the embedding table when tied) and the final norm. */
  static long headWeights(ModelConfig config) {
    return (long) BF16 * config.vocabSize() * config.hiddenSize()
        + (long) F32 * config.hiddenSize();
  }

  /**
   * Device bytes of every weight of the checkpoint as {@link DeviceWeights} lays them out: the
   * embedding, the LM head unless it is the embedding, the final norm, every layer's shared part
   * and all of its mixers.
   */
  static long allWeights(ModelConfig config, boolean headIsEmbedding) {
    int hidden = config.hiddenSize();
    long bytes = (long) BF16 * config.vocabSize() * hidden + headWeights(config);
    if (headIsEmbedding) {
      bytes -= (long) BF16 * config.vocabSize() * hidden;
    }
    for (LayerConfig layer : config.layers()) {
      bytes += sharedLayerWeights(layer, hidden);
      for (MixerConfig mixer : layer.mixers().values()) {
        bytes += mixerWeights(mixer, hidden);
      }
    }
    return bytes;
  }

  /** Recurrent + conv state floats one sequence keeps for {@code mixer} (0 for attention). */
  static long stateFloats(MixerConfig mixer, int hidden) {
    return switch (mixer) {
      case MixerConfig.Attention a -> 0;
      case MixerConfig.GatedDeltaNet g -> {
        long keyDim = (long) g.keyHeads() * g.keyHeadDim();
        long valueDim = (long) g.valueHeads() * g.valueHeadDim();
        yield (long) g.valueHeads() * g.keyHeadDim() * g.valueHeadDim()
            + (2 * keyDim + valueDim) * (g.convKernel() - 1);
      }
      case MixerConfig.KimiDelta k ->
          (long) k.heads() * k.headDim() * k.headDim()
              + 3L * k.heads() * k.headDim() * (k.convKernel() - 1);
      case MixerConfig.Mamba m -> {
        long dXb = m.dXb() > 0 ? m.dXb() : hidden;
        long convChannels = m.repeatKvBeforeConv() ? m.dInner() : dXb;
        yield (long) m.dInner() * m.dState() + convChannels * (m.dConv() - 1);
      }
    };
  }

  /** KV bytes per token (K and V, bf16) of an attention mixer, 0 for the others. */
  static long kvBytesPerToken(MixerConfig mixer) {
    return mixer instanceof MixerConfig.Attention a
        ? 2L * a.kvHeads() * a.headDim() * BF16
        : 0;
  }

  /** The decode state one sequence keeps for {@code mixer} on the GPU. */
  static LayerState layout(MixerConfig mixer, int hidden) {
    int window = mixer instanceof MixerConfig.Attention a ? a.window() : 0;
    return new LayerState(
        mixer.kind(), kvBytesPerToken(mixer), window, F32 * stateFloats(mixer, hidden));
  }

  /**
   * Bytes one decode step of {@code placement} moves at context {@code length}: weights of its
   * mixers, MLPs, norms and LM head; KV read (full attention: length tokens, sliding window:
   * min(length, window)); recurrent state read and written.
   */
  static long perStep(ModelConfig config, Placement placement, int length) {
    return perBatchStep(config, java.util.List.of(placement), length);
  }

  /**
   * Bytes one decode step of a batch moves when row i runs {@code rows.get(i)} at context {@code
   * length}: the weights of every (layer, mixer) some row uses, once (a batch shares them), the
   * shared layers and LM head once, and each row's own KV read and state read and written.
   */
  static long perBatchStep(ModelConfig config, java.util.List<Placement> rows, int length) {
    int hidden = config.hiddenSize();
    long bytes = headWeights(config);
    for (int l = 0; l < config.numLayers(); l++) {
      LayerConfig layer = config.layers().get(l);
      bytes += sharedLayerWeights(layer, hidden);
      java.util.Set<String> used = new java.util.HashSet<>();
      for (Placement placement : rows) {
        String name = placement.mixerNames().get(l);
        MixerConfig mixer = layer.mixers().get(name);
        if (mixer == null) {
          throw new IllegalArgumentException(
              "placement '" + placement.name() + "': layer " + l + " has no mixer '" + name
                  + "'; it has " + layer.mixerNames());
        }
        if (used.add(name)) {
          bytes += mixerWeights(mixer, hidden);
        }
        if (mixer instanceof MixerConfig.Attention a) {
          long tokens = a.window() > 0 ? Math.min(length, a.window()) : length;
          bytes += tokens * kvBytesPerToken(mixer);
        } else {
          bytes += 2L * F32 * stateFloats(mixer, hidden);
        }
      }
    }
    return bytes;
  }
}
