package dev.gearbox.runtime.placement;

/**
 * Per-sequence decode state of one layer's mixer, in bytes.
 *
 * <p>FA keeps {@code bytesPerToken} for every token; SWA the same but only for the last {@code
 * window} tokens; GDN/KDA/Mamba keep {@code fixedBytes} (recurrent state plus conv window)
 * independent of context length.
 *
 * @param kind the mixer family
 * @param bytesPerToken KV bytes one token adds (2 * kvHeads * headDim * bytesPerElement)
 * @param window sliding window in tokens, 0 when unbounded
 * @param fixedBytes bytes that do not depend on context length
 */
public record LayerState(MixerKind kind, long bytesPerToken, int window, long fixedBytes) {

  /** Bytes this layer holds for one sequence after {@code contextLength} tokens. */
  public long bytesAt(long contextLength) {
    long kvTokens = window > 0 ? Math.min(contextLength, window) : contextLength;
    return bytesPerToken * kvTokens + fixedBytes;
  }
}
