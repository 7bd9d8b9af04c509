package dev.gearbox.runtime.text;

import java.nio.file.Files;
import java.nio.file.Path;

/** Picks and loads the tokenizer of a checkpoint directory. */
public final class Tokenizers {
  private Tokenizers() {}

  /**
   * Loads {@code tokenizer.json} as byte-level BPE when present; otherwise falls back to one token
   * per byte, which needs a vocabulary of at least 256 ids.
   *
   * @throws TokenizerFormatException if the tokenizer files are malformed
   * @throws IllegalArgumentException if there is no tokenizer.json and the vocabulary is too small
   */
  public static Tokenizer load(Path modelDir, int vocabSize) {
    Path json = modelDir.resolve("tokenizer.json");
    if (Files.isRegularFile(json)) {
      // Config token strings are resolved against the loaded vocabulary inside the reader.
      SpecialTokens specials = SpecialTokens.read(modelDir, token -> -1);
      ByteLevelBpeTokenizer tokenizer = ByteLevelBpeTokenizer.load(json, specials);
      if (tokenizer.vocabSize() > vocabSize) {
        throw new TokenizerFormatException(
            json,
            "model.vocab",
            "tokenizer has "
                + tokenizer.vocabSize()
                + " ids but the model's vocab_size is "
                + vocabSize);
      }
      return tokenizer;
    }
    if (vocabSize < 256) {
      throw new IllegalArgumentException(
          modelDir
              + " has no tokenizer.json and the model's vocab_size "
              + vocabSize
              + " is below 256, so bytes cannot be used as tokens");
    }
    return new ByteTokenizer(vocabSize, SpecialTokens.read(modelDir, token -> -1));
  }
}
