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

  /**
   * A decoder for one request's output, fed every generated token in order. Byte-level
   * tokenizers override this so that a character split over several tokens is emitted whole;
   * the default decodes each token on its own.
   */
  default TextStream newStream() {
    return this::decode;
  }

  /** One request's incremental decoder. */
  interface TextStream {
    /** The text completed by one more token (may be empty while a character is incomplete). */
    String accept(int tokenId);

    /** Text still held back when the generation ends (an incomplete character, as U+FFFD). */
    default String finish() {
      return "";
    }
  }
}
