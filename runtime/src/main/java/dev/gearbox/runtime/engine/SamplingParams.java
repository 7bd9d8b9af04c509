package dev.gearbox.runtime.engine;

/**
 * How one request turns logits into tokens: greedy when {@code temperature} is 0, otherwise
 * temperature sampling restricted by top-k and top-p, from a random stream seeded per request.
 *
 * @param temperature 0 for greedy, otherwise the softmax temperature (finite, at most 100)
 * @param topK keep only the k most likely tokens; 0 keeps all
 * @param topP keep the smallest set of most likely tokens whose mass reaches topP, in (0, 1]
 * @param seed seed of the request's random stream; the same seed reproduces the same tokens
 */
public record SamplingParams(float temperature, int topK, float topP, long seed) {

  /** Largest temperature accepted; beyond it every distribution is practically uniform. */
  public static final float MAX_TEMPERATURE = 100f;

  public SamplingParams {
    if (!(temperature >= 0f && temperature <= MAX_TEMPERATURE)) {
      throw new InvalidRequestException(
          "sampling.temperature must be in [0, " + MAX_TEMPERATURE + "], got " + temperature);
    }
    if (topK < 0) {
      throw new InvalidRequestException("sampling.top_k must be >= 0 (0 disables), got " + topK);
    }
    if (!(topP > 0f && topP <= 1f)) {
      throw new InvalidRequestException("sampling.top_p must be in (0, 1], got " + topP);
    }
  }

  /** Greedy decoding: always the most likely token. */
  public static SamplingParams greedy() {
    return new SamplingParams(0f, 0, 1f, 0L);
  }

  /** True when sampling reduces to argmax. */
  public boolean isGreedy() {
    return temperature == 0f || topK == 1;
  }
}
