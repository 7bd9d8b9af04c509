package dev.gearbox.runtime.engine;

/**
 * Turns token ids into text and prompt text into ids; the hook where the tokenizer plugs in.
 * Needed for stop strings, text deltas and prompts given as text.
 */
public interface TokenDecoder {

  /** The text of one token as it appears when appended to the output. */
  String decode(int tokenId);

  /** Token ids of a prompt given as text. */
  int[] encode(String text);
}
