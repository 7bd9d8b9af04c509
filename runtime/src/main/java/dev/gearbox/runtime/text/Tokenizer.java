package dev.gearbox.runtime.text;

import java.util.Set;

/** Turns text into token ids and back, for one checkpoint's vocabulary. */
public interface Tokenizer {

  /**
   * Encodes text; with {@code addSpecialTokens} the checkpoint's post-processing (usually a BOS
   * token) is applied. Special tokens written inline in the text are always recognised.
   */
  int[] encode(String text, boolean addSpecialTokens);

  /** Decodes ids to text, skipping special tokens. */
  default String decode(int[] ids) {
    return decode(ids, true);
  }

  /** Decodes ids to text; invalid UTF-8 becomes U+FFFD as in the HF library. */
  String decode(int[] ids, boolean skipSpecialTokens);

  /** Number of ids this tokenizer can produce (highest id + 1). */
  int vocabSize();

  /** The beginning-of-sequence id, or -1 when the checkpoint defines none. */
  int bosId();

  /** Every id that ends generation (may be empty). */
  Set<Integer> eosIds();

  /** Whether the id is a special (control) token that decoding skips by default. */
  boolean isSpecial(int id);

  /**
   * The bytes the token contributes to decoded text (UTF-8, possibly part of one character); for
   * special tokens the bytes of their literal text.
   *
   * @throws IllegalArgumentException if the id is outside the vocabulary
   */
  byte[] tokenBytes(int id);

  /**
   * The literal text of a special token (e.g. {@code <|eot_id|>}), or null if the id is not one.
   */
  String specialTokenText(int id);

  /** A fresh streaming decoder over this tokenizer. */
  default Detokenizer newDetokenizer(boolean skipSpecialTokens) {
    return new Detokenizer(this, skipSpecialTokens);
  }
}
