package dev.gearbox.runtime.text;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Streaming decoder for one generated sequence: feed token ids one at a time and get back only
 * whole characters; bytes of a character split across tokens are held until it is complete.
 */
public final class Detokenizer {
  private final Tokenizer tokenizer;
  private final boolean skipSpecialTokens;
  private final CharsetDecoder utf8 =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPLACE)
          .onUnmappableCharacter(CodingErrorAction.REPLACE);
  // Pending bytes are at most one incomplete character (<= 3 bytes) plus one token's bytes.
  private ByteBuffer pending = ByteBuffer.allocate(64);
  private CharBuffer chars = CharBuffer.allocate(64);

  Detokenizer(Tokenizer tokenizer, boolean skipSpecialTokens) {
    this.tokenizer = tokenizer;
    this.skipSpecialTokens = skipSpecialTokens;
  }

  /** Adds one token and returns the text it completes (possibly empty, never a half character). */
  public String accept(int id) {
    if (tokenizer.isSpecial(id)) {
      if (skipSpecialTokens) {
        return "";
      }
      // A control token never continues a character: flush whatever is pending first.
      return finish() + tokenizer.specialTokenText(id);
    }
    byte[] bytes = tokenizer.tokenBytes(id);
    ensurePending(bytes.length);
    pending.put(bytes);
    return drain(false);
  }

  /** Ends the stream: any bytes still held are decoded, invalid ones as U+FFFD. */
  public String finish() {
    String text = drain(true);
    utf8.reset();
    return text;
  }

  /** Number of bytes held back because they do not form a complete character yet. */
  public int pendingBytes() {
    return pending.position();
  }

  private String drain(boolean endOfInput) {
    pending.flip();
    ensureChars(pending.remaining() + 1);
    CoderResult result = utf8.decode(pending, chars, endOfInput);
    if (result.isOverflow()) {
      throw new IllegalStateException("detokenizer char buffer too small");
    }
    if (endOfInput) {
      utf8.flush(chars);
    }
    // Bytes the decoder did not consume are the start of an incomplete character.
    pending.compact();
    chars.flip();
    String text = chars.toString();
    chars.clear();
    return text;
  }

  private void ensurePending(int extra) {
    if (pending.remaining() < extra) {
      ByteBuffer bigger =
          ByteBuffer.allocate(Math.max(pending.capacity() * 2, pending.position() + extra));
      pending.flip();
      bigger.put(pending);
      pending = bigger;
    }
  }

  private void ensureChars(int needed) {
    if (chars.capacity() < needed) {
      chars = CharBuffer.allocate(Math.max(chars.capacity() * 2, needed));
    }
  }
}
