package dev.gearbox.runtime.model;

import java.util.List;

/**
 * What other modules need to know about a checkpoint without running it: sizes, token ids and the
 * per-layer mixer menu.
 *
 * @param modelType {@code model_type} from config.json
 * @param hiddenSize width of the residual stream
 * @param vocabSize rows of the embedding and of the LM head
 * @param maxPositions {@code max_position_embeddings}
 * @param layers per-layer mixers, norms and MLP
 * @param finalNormEps epsilon of the final RMSNorm
 * @param tieWordEmbeddings the LM head reuses the embedding matrix
 * @param bosTokenId beginning-of-sequence id, -1 when unknown
 * @param eosTokenIds end-of-sequence ids (config.json and generation_config.json), maybe empty
 */
public record ModelConfig(
    String modelType,
    int hiddenSize,
    int vocabSize,
    int maxPositions,
    List<LayerConfig> layers,
    double finalNormEps,
    boolean tieWordEmbeddings,
    int bosTokenId,
    List<Integer> eosTokenIds) {

  public ModelConfig {
    layers = List.copyOf(layers);
    eosTokenIds = List.copyOf(eosTokenIds);
  }

  /** Number of decoder layers. */
  public int numLayers() {
    return layers.size();
  }

  /** KV heads of the first attention mixer found (the value the KV-memory planner uses), or 0. */
  public int kvHeads() {
    for (LayerConfig layer : layers) {
      for (MixerConfig mixer : layer.mixers().values()) {
        if (mixer instanceof MixerConfig.Attention attention) {
          return attention.kvHeads();
        }
      }
    }
    return 0;
  }

  /** Head size of the first attention mixer found, or 0. */
  public int headDim() {
    for (LayerConfig layer : layers) {
      for (MixerConfig mixer : layer.mixers().values()) {
        if (mixer instanceof MixerConfig.Attention attention) {
          return attention.headDim();
        }
      }
    }
    return 0;
  }
}
