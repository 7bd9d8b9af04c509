package dev.gearbox.routing.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopSequencesTest {

  @Test
  void cutsAtAStopSplitAcrossPieces() {
    StopSequences s = new StopSequences(List.of("END"));
    StringBuilder out = new StringBuilder();
    for (String piece : List.of("ab", "cE", "N", "Dxyz")) {
      out.append(s.feed(piece));
    }
    assertTrue(s.stopped());
    assertEquals("abc", out.toString());
    assertEquals("", s.flush());
  }

  @Test
  void releasesHeldBackTextThatNeverBecameAStop() {
    StopSequences s = new StopSequences(List.of("END", "\n\n"));
    assertEquals("a", s.feed("aE"));
    assertEquals("", s.feed("N"), "'EN' could still become 'END'");
    assertEquals("ENx", s.feed("x"));
    assertFalse(s.stopped());
  }

  @Test
  void heldBackTailIsFlushedAtTheEnd() {
    StopSequences s = new StopSequences(List.of("END"));
    assertEquals("hello ", s.feed("hello EN"));
    assertEquals("EN", s.flush());
  }

  @Test
  void earliestStopWins() {
    StopSequences s = new StopSequences(List.of("c", "b"));
    assertEquals("a", s.feed("abc"));
  }

  @Test
  void noStopsPassesThrough() {
    StopSequences s = new StopSequences(List.of());
    assertEquals("abc", s.feed("abc"));
  }
}
