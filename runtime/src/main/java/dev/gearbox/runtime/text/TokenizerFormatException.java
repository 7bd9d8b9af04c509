package dev.gearbox.runtime.text;

import java.nio.file.Path;

/**
 * A tokenizer or chat-template file that cannot be used, naming the file and the field at fault.
 */
public final class TokenizerFormatException extends RuntimeException {
  private final Path file;
  private final String field;

  public TokenizerFormatException(Path file, String field, String problem) {
    super(file + ": field '" + field + "': " + problem);
    this.file = file;
    this.field = field;
  }

  public TokenizerFormatException(Path file, String field, String problem, Throwable cause) {
    super(file + ": field '" + field + "': " + problem, cause);
    this.file = file;
    this.field = field;
  }

  /** The file that was being read. */
  public Path file() {
    return file;
  }

  /** JSON path of the offending field, e.g. {@code model.merges[12]}. */
  public String field() {
    return field;
  }
}
