package dev.gearbox.runtime.model;

import java.util.List;
import java.util.Map;

/**
 * One decoder layer: the mixers it offers (in checkpoint order), its main mixer, and the shared
 * norm + MLP.
 *
 * @param mixers mixer name to config, in checkpoint order
 * @param mixerWeights mixer name to the weight-name prefix of that mixer's tensors
 * @param mainMixer the mixer used by the default placement
 * @param blockPrefix weight-name prefix of the layer's norms and MLP
 * @param intermediateSize hidden width of the gated SiLU MLP
 * @param normEps RMSNorm epsilon of the layer's two norms
 */
public record LayerConfig(
    Map<String, MixerConfig> mixers,
    Map<String, String> mixerWeights,
    String mainMixer,
    String blockPrefix,
    int intermediateSize,
    double normEps) {

  /** Mixer names in checkpoint order. */
  public List<String> mixerNames() {
    return List.copyOf(mixers.keySet());
  }
}
