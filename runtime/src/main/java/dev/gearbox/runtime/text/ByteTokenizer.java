package dev.gearbox.runtime.text;

import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Tokenizer for checkpoints without a {@code tokenizer.json}: each UTF-8 byte is its own token (ids
 * 0..255); ids from 256 up to the model's vocabulary size are treated as special tokens.
 */
public final class ByteTokenizer implements Tokenizer {
  private static final byte[][] SINGLE_BYTES = new byte[256][];

  static {
    for (int b = 0; b < 256; b++) {
      SINGLE_BYTES[b] = new byte[] {(byte) b};
    }
  }

  private final int vocabSize;
  private final int bosId;
  private final Set<Integer> eosIds;

  /**
   * @param vocabSize the model's vocabulary size, at least 256
   * @param specials BOS/EOS ids from the checkpoint's config files (may be {@link
   *     SpecialTokens#NONE})
   */
  public ByteTokenizer(int vocabSize, SpecialTokens specials) {
    if (vocabSize < 256) {
      throw new IllegalArgumentException(
          "a byte tokenizer needs a vocabulary of at least 256 ids, got " + vocabSize);
    }
    this.vocabSize = vocabSize;
    this.bosId = specials.bosId();
    this.eosIds = specials.eosIds();
  }

  @Override
  public int[] encode(String text, boolean addSpecialTokens) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    boolean bos = addSpecialTokens && bosId >= 0;
    int[] ids = new int[bytes.length + (bos ? 1 : 0)];
    int k = 0;
    if (bos) {
      ids[k++] = bosId;
    }
    for (byte b : bytes) {
      ids[k++] = b & 0xFF;
    }
    return ids;
  }

  @Override
  public String decode(int[] ids, boolean skipSpecialTokens) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(ids.length);
    for (int id : ids) {
      if (isSpecial(id)) {
        if (!skipSpecialTokens) {
          out.writeBytes(specialTokenText(id).getBytes(StandardCharsets.UTF_8));
        }
        continue;
      }
      out.write(tokenBytes(id)[0]);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Override
  public int vocabSize() {
    return vocabSize;
  }

  @Override
  public int bosId() {
    return bosId;
  }

  @Override
  public Set<Integer> eosIds() {
    return eosIds;
  }

  @Override
  public boolean isSpecial(int id) {
    return id >= 256 && id < vocabSize;
  }

  @Override
  public byte[] tokenBytes(int id) {
    if (id < 0 || id >= vocabSize) {
      throw new IllegalArgumentException(
          "token id " + id + " is not in the vocabulary (size " + vocabSize + ")");
    }
    return id < 256 ? SINGLE_BYTES[id] : specialTokenText(id).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public String specialTokenText(int id) {
    return isSpecial(id) ? "<|special_" + id + "|>" : null;
  }
}
