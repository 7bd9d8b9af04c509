package dev.gearbox.runtime.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The tokenizer's added tokens (special tokens such as {@code <|eot_id|>}), found in the raw text
 * before any normalization or BPE so they are never split; leftmost match wins, longest on ties.
 *
 * <p>Differences from HF: all added tokens are matched on the raw text (HF matches {@code
 * normalized=true} ones after normalization) and {@code single_word} is ignored; neither matters
 * for the special tokens of Llama-3, Qwen2 or Mistral checkpoints.
 */
final class AddedTokens {

  /** One added token from {@code tokenizer.json}. */
  record Token(int id, String content, boolean special, boolean lstrip, boolean rstrip) {}

  /** Receives the text runs between added tokens and the added tokens themselves. */
  interface Sink {
    void text(String run);

    void token(Token token);
  }

  private final Map<Character, Token[]> byFirstChar = new HashMap<>();
  // Checked before the map so ordinary characters cost no boxing or hashing.
  private final BitSet firstChars = new BitSet();

  AddedTokens(List<Token> tokens) {
    Map<Character, List<Token>> groups = new HashMap<>();
    for (Token t : tokens) {
      if (!t.content().isEmpty()) {
        groups.computeIfAbsent(t.content().charAt(0), c -> new ArrayList<>()).add(t);
      }
    }
    groups.forEach(
        (c, list) -> {
          Token[] sorted = list.toArray(Token[]::new);
          Arrays.sort(
              sorted, Comparator.comparingInt((Token t) -> t.content().length()).reversed());
          byFirstChar.put(c, sorted);
          firstChars.set(c);
        });
  }

  /** Splits text into runs and added tokens, in order. */
  void split(String text, Sink sink) {
    if (byFirstChar.isEmpty()) {
      if (!text.isEmpty()) {
        sink.text(text);
      }
      return;
    }
    int runStart = 0;
    int i = 0;
    while (i < text.length()) {
      Token match = matchAt(text, i);
      if (match == null) {
        i++;
        continue;
      }
      int runEnd = i;
      if (match.lstrip()) {
        while (runEnd > runStart && Character.isWhitespace(text.charAt(runEnd - 1))) {
          runEnd--;
        }
      }
      if (runEnd > runStart) {
        sink.text(text.substring(runStart, runEnd));
      }
      sink.token(match);
      i += match.content().length();
      if (match.rstrip()) {
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
          i++;
        }
      }
      runStart = i;
    }
    if (runStart < text.length()) {
      sink.text(text.substring(runStart));
    }
  }

  private Token matchAt(String text, int at) {
    char first = text.charAt(at);
    if (!firstChars.get(first)) {
      return null;
    }
    Token[] candidates = byFirstChar.get(first);
    if (candidates == null) {
      return null;
    }
    for (Token t : candidates) {
      if (text.startsWith(t.content(), at)) {
        return t;
      }
    }
    return null;
  }
}
