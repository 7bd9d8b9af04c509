package dev.gearbox.runtime.model;

/**
 * A {@link LanguageModel} that can pick next tokens where its logits are, so a decode step moves
 * token ids, not a vocabulary-sized row per sequence, between the accelerator and the host.
 *
 * <p>Only plain softmax sampling is asked of it (greedy, or a temperature over the whole
 * vocabulary); requests with top-k or top-p take the logits path and the host {@code Sampler}.
 */
public interface DeviceSampling {

  /**
   * One decode step for {@code count} sequences, as {@link LanguageModel#decode}, that samples on
   * the device instead of returning logits.
   *
   * @param temperatures per row: {@code <= 0} for greedy (argmax, lowest id on ties), else the
   *     softmax temperature
   * @param seeds per row: the request's seed; with the sequence's length as the counter, the same
   *     seed reproduces the same tokens on the same device backend
   * @param next receives the sampled token of each row
   */
  void decodeSample(
      SequenceState[] sequences,
      int[] tokens,
      int count,
      float[] temperatures,
      long[] seeds,
      int[] next);
}
