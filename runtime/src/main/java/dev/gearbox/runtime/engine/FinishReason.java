package dev.gearbox.runtime.engine;

/** Why a generation ended normally. */
public enum FinishReason {
  /** A stop token (or the model's EOS) was sampled. */
  STOP_TOKEN,
  /** The decoded text reached a stop string. */
  STOP_STRING,
  /** {@code maxTokens} tokens were generated. */
  LENGTH
}
