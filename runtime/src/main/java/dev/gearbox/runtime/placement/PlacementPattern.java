package dev.gearbox.runtime.placement;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parses the compact placement syntax shared by the runtime, the router and the operator.
 *
 * <p>Grammar (white space is ignored around tokens):
 *
 * <pre>
 *   pattern := group ("," group)*
 *   group   := "(" pattern ")" repeat?          explicit group, e.g. (fa,gdn*3)x12
 *            | item                             an item, e.g. gdn*3
 *   item    := name ("*" count)? (" x" count)?
 *   repeat  := "x" count
 * </pre>
 *
 * An {@code xN} suffix on an item that is not parenthesised repeats every item since the start
 * of the pattern or since the end of the previous {@code xN} group, so {@code "fa,gdn*3 x12, fa,
 * gdn"} is twelve copies of {@code fa,gdn,gdn,gdn} followed by {@code fa,gdn} (50 layers). A
 * plain comma-separated list of names is also a valid pattern, which is how explicit lists are
 * accepted. The parser knows nothing about checkpoints: names are resolved and validated against
 * a model elsewhere.
 */
public final class PlacementPattern {
  /** Upper bound on expanded layers, so that a typo such as {@code x100000000} fails fast. */
  public static final int MAX_LAYERS = 4096;

  private final String text;
  private int pos;

  private PlacementPattern(String text) {
    this.text = text;
  }

  /**
   * Expands a pattern into one mixer name per layer.
   *
   * @throws IllegalArgumentException naming the character position and what was expected
   */
  public static List<String> expand(String pattern) {
    if (pattern == null || pattern.isBlank()) {
      throw new IllegalArgumentException("placement pattern is empty: expected e.g. 'attention*4'");
    }
    PlacementPattern parser = new PlacementPattern(pattern);
    List<String> layers = parser.parseSequence(false);
    parser.skipSpaces();
    if (parser.pos != pattern.length()) {
      throw parser.error("unexpected '" + pattern.charAt(parser.pos) + "'");
    }
    return List.copyOf(layers);
  }

  /** Expands a list given either as one pattern string or as explicit per-layer names. */
  public static List<String> expand(List<String> explicitOrPattern) {
    if (explicitOrPattern == null || explicitOrPattern.isEmpty()) {
      throw new IllegalArgumentException("placement is empty: expected a pattern or a list of mixer names");
    }
    List<String> layers = new ArrayList<>();
    for (String part : explicitOrPattern) {
      layers.addAll(expand(part));
    }
    checkSize(layers.size());
    return List.copyOf(layers);
  }

  /** Renders layer names back into the shortest run-length form, e.g. {@code attention,gdn*3}. */
  public static String compact(List<String> layers) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < layers.size()) {
      int j = i;
      while (j < layers.size() && layers.get(j).equals(layers.get(i))) {
        j++;
      }
      if (out.length() > 0) {
        out.append(',');
      }
      out.append(layers.get(i));
      if (j - i > 1) {
        out.append('*').append(j - i);
      }
      i = j;
    }
    return out.toString();
  }

  private List<String> parseSequence(boolean insideParens) {
    List<String> all = new ArrayList<>();
    int groupStart = 0;
    while (true) {
      skipSpaces();
      if (peek() == '(') {
        pos++;
        List<String> inner = parseSequence(true);
        expect(')');
        int times = parseOptionalRepeat();
        for (int k = 0; k < times; k++) {
          all.addAll(inner);
          checkSize(all.size());
        }
        groupStart = all.size();
      } else {
        String name = parseName();
        int count = 1;
        skipSpaces();
        if (peek() == '*') {
          pos++;
          count = parseCount("'*'");
        }
        for (int k = 0; k < count; k++) {
          all.add(name);
        }
        checkSize(all.size());
        int times = parseOptionalRepeat();
        if (times != 1) {
          List<String> group = new ArrayList<>(all.subList(groupStart, all.size()));
          for (int k = 1; k < times; k++) {
            all.addAll(group);
            checkSize(all.size());
          }
          groupStart = all.size();
        }
      }
      skipSpaces();
      if (peek() == ',') {
        pos++;
        continue;
      }
      if (insideParens || peek() == -1 || peek() == ')') {
        return all;
      }
      throw error("expected ',' between layers");
    }
  }

  private int parseOptionalRepeat() {
    int save = pos;
    skipSpaces();
    if (peek() == 'x' || peek() == 'X') {
      int afterX = pos + 1;
      if (afterX < text.length() && Character.isDigit(text.charAt(afterX))) {
        pos = afterX;
        return parseCount("'x'");
      }
    }
    pos = save;
    return 1;
  }

  private String parseName() {
    skipSpaces();
    int start = pos;
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == '.') {
        // A name never starts with the repeat marker followed by digits (" x12").
        pos++;
      } else {
        break;
      }
    }
    if (start == pos) {
      throw error("expected a mixer name");
    }
    return text.substring(start, pos).toLowerCase(Locale.ROOT);
  }

  private int parseCount(String after) {
    int start = pos;
    while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
      pos++;
    }
    if (start == pos) {
      throw error("expected a repeat count after " + after);
    }
    long value = Long.parseLong(text.substring(start, Math.min(pos, start + 9)));
    if (value < 1 || pos - start > 6) {
      throw error("repeat count must be between 1 and " + MAX_LAYERS);
    }
    return (int) value;
  }

  private static void checkSize(int size) {
    if (size > MAX_LAYERS) {
      throw new IllegalArgumentException(
          "placement pattern expands to more than " + MAX_LAYERS + " layers");
    }
  }

  private void expect(char c) {
    skipSpaces();
    if (peek() != c) {
      throw error("expected '" + c + "'");
    }
    pos++;
  }

  private int peek() {
    return pos < text.length() ? text.charAt(pos) : -1;
  }

  private void skipSpaces() {
    while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
      pos++;
    }
  }

  private IllegalArgumentException error(String what) {
    return new IllegalArgumentException(
        "invalid placement pattern '" + text + "' at position " + pos + ": " + what);
  }
}
