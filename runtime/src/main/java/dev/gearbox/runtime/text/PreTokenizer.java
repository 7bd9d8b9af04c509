package dev.gearbox.runtime.text;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One step of HF pre-tokenization: cuts a piece of text into smaller pieces (words) that BPE then
 * encodes independently.
 *
 * <p>Regexes are the HF (Oniguruma) patterns compiled by {@code java.util.regex} with {@code
 * UNICODE_CHARACTER_CLASS}, so {@code \s}, {@code \d} and {@code \w} are Unicode-aware as in
 * Oniguruma; {@code \p{L}}, {@code \p{N}}, {@code (?i:...)} and {@code (?!\S)} have the same
 * meaning in both engines. Java matches on UTF-16 but treats surrogate pairs as one code point, so
 * emoji and other astral characters split the same way.
 */
sealed interface PreTokenizer {

  /** GPT-2's word pattern, used by {@code ByteLevel(use_regex=true)}. */
  String GPT2_PATTERN =
      "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

  /** Splits each input piece and appends the (non-empty) results to {@code out}. */
  void split(List<String> pieces, List<String> out);

  static Pattern compile(String regex) {
    return Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
  }

  /**
   * HF {@code Split} with behavior Isolated (matches and gaps both kept) or Removed (gaps only).
   */
  record Split(Pattern pattern, boolean keepMatches) implements PreTokenizer {
    @Override
    public void split(List<String> pieces, List<String> out) {
      for (String piece : pieces) {
        isolate(pattern, piece, keepMatches, out);
      }
    }
  }

  /** HF {@code ByteLevel}: optional prefix space, optional GPT-2 regex split. */
  record ByteLevel(boolean addPrefixSpace, Pattern gpt2) implements PreTokenizer {
    @Override
    public void split(List<String> pieces, List<String> out) {
      for (String piece : pieces) {
        if (piece.isEmpty()) {
          continue;
        }
        // HF adds the space to every piece it sees (e.g. each text run between special tokens).
        String text = addPrefixSpace && !piece.startsWith(" ") ? " " + piece : piece;
        if (gpt2 == null) {
          out.add(text);
        } else {
          isolate(gpt2, text, true, out);
        }
      }
    }
  }

  /** Applies several pre-tokenizers in order. */
  record Chain(List<PreTokenizer> steps) implements PreTokenizer {
    @Override
    public void split(List<String> pieces, List<String> out) {
      List<String> current = pieces;
      for (PreTokenizer step : steps) {
        List<String> next = new ArrayList<>(current.size() * 2);
        step.split(current, next);
        current = next;
      }
      out.addAll(current);
    }
  }

  private static void isolate(Pattern pattern, String text, boolean keepMatches, List<String> out) {
    Matcher m = pattern.matcher(text);
    int last = 0;
    while (m.find()) {
      if (m.start() == m.end()) {
        continue;
      }
      if (m.start() > last) {
        out.add(text.substring(last, m.start()));
      }
      if (keepMatches) {
        out.add(text.substring(m.start(), m.end()));
      }
      last = m.end();
    }
    if (last < text.length()) {
      out.add(text.substring(last));
    }
  }
}
