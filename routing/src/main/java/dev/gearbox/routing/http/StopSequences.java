package dev.gearbox.routing.http;

import java.util.List;

/**
 * Applies OpenAI {@code stop} strings to streamed text: holds back only the tail that could still
 * become a stop string, so streamed and non-streamed answers end at the same character.
 */
final class StopSequences {

  private final List<String> stops;
  private final StringBuilder pending = new StringBuilder();
  private boolean stopped;

  StopSequences(List<String> stops) {
    this.stops = stops;
  }

  /** Adds generated text; returns the text that is now safe to send (maybe empty). */
  String feed(String piece) {
    if (stopped) {
      return "";
    }
    if (stops.isEmpty()) {
      return piece;
    }
    pending.append(piece);
    int cut = -1;
    for (String s : stops) {
      int at = pending.indexOf(s);
      if (at >= 0 && (cut < 0 || at < cut)) {
        cut = at;
      }
    }
    if (cut >= 0) {
      stopped = true;
      String out = pending.substring(0, cut);
      pending.setLength(0);
      return out;
    }
    int keep = 0;
    String text = pending.toString();
    for (String s : stops) {
      for (int len = Math.min(s.length() - 1, text.length()); len > keep; len--) {
        if (text.regionMatches(text.length() - len, s, 0, len)) {
          keep = len;
          break;
        }
      }
    }
    String out = pending.substring(0, pending.length() - keep);
    pending.delete(0, pending.length() - keep);
    return out;
  }

  /** True once a stop string was seen; generation should end. */
  boolean stopped() {
    return stopped;
  }

  /** Text held back at the end of generation; it never became a stop string. */
  String flush() {
    String out = stopped ? "" : pending.toString();
    pending.setLength(0);
    return out;
  }
}
