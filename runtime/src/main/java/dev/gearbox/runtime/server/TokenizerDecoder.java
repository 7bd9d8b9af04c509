package dev.gearbox.runtime.server;

import dev.gearbox.runtime.engine.TokenDecoder;
import dev.gearbox.runtime.text.Detokenizer;
import dev.gearbox.runtime.text.Tokenizer;

/** Plugs the checkpoint's {@link Tokenizer} into the engine for text prompts, deltas and stops. */
public final class TokenizerDecoder implements TokenDecoder {
  private final Tokenizer tokenizer;

  public TokenizerDecoder(Tokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  @Override
  public String decode(int tokenId) {
    return tokenizer.decode(new int[] {tokenId});
  }

  /** Prompts get the checkpoint's BOS, as HF's {@code tokenizer(text)} would add it. */
  @Override
  public int[] encode(String text) {
    return tokenizer.encode(text, true);
  }

  /** Streams through a {@link Detokenizer} so multi-byte characters split over tokens arrive whole. */
  @Override
  public TextStream newStream() {
    Detokenizer detokenizer = tokenizer.newDetokenizer(true);
    return new TextStream() {
      @Override
      public String accept(int tokenId) {
        return detokenizer.accept(tokenId);
      }

      @Override
      public String finish() {
        return detokenizer.finish();
      }
    };
  }
}
