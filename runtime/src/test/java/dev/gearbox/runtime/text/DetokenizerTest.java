package dev.gearbox.runtime.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class DetokenizerTest {
  private static final String TRICKY = "Größe 東京 2024年 😀🚀 flag 🇫🇷 family 👨‍👩‍👧 café";

  /** A delta is whole characters iff it has no unpaired surrogate and no replacement char. */
  private static void assertWholeCharacters(String delta) {
    assertFalse(delta.contains("\uFFFD"), "replacement character in " + delta);
    for (int i = 0; i < delta.length(); i++) {
      char c = delta.charAt(i);
      if (Character.isHighSurrogate(c)) {
        assertTrue(
            i + 1 < delta.length() && Character.isLowSurrogate(delta.charAt(i + 1)), "split pair");
        i++;
      } else {
        assertFalse(Character.isLowSurrogate(c), "lone low surrogate");
      }
    }
  }

  private static String stream(Tokenizer tokenizer, int[] ids, boolean[] sawPending) {
    Detokenizer detok = tokenizer.newDetokenizer(true);
    StringBuilder text = new StringBuilder();
    for (int id : ids) {
      String delta = detok.accept(id);
      assertWholeCharacters(delta);
      sawPending[0] |= detok.pendingBytes() > 0;
      text.append(delta);
    }
    text.append(detok.finish());
    return text.toString();
  }

  @Test
  void byteTokensNeverSplitACharacter() {
    ByteTokenizer tokenizer = new ByteTokenizer(256, SpecialTokens.NONE);
    boolean[] sawPending = {false};
    assertEquals(TRICKY, stream(tokenizer, tokenizer.encode(TRICKY, false), sawPending));
    assertTrue(sawPending[0], "multi-byte characters must have been held back at some point");
  }

  @Test
  void bpeTokensNeverSplitACharacter() {
    for (String fixture : new String[] {"llama3-style", "gpt2-style"}) {
      ByteLevelBpeTokenizer tokenizer =
          ByteLevelBpeTokenizer.load(
              ByteLevelBpeTokenizerTest.resource(fixture + ".tokenizer.json"));
      int[] ids = tokenizer.encode(TRICKY, false);
      boolean[] sawPending = {false};
      assertEquals(tokenizer.decode(ids), stream(tokenizer, ids, sawPending));
      assertTrue(sawPending[0], fixture + ": the small vocab splits emoji bytes across tokens");
    }
  }

  @Test
  void heldBytesAreReleasedOnlyWhenTheCharacterCompletes() {
    ByteTokenizer tokenizer = new ByteTokenizer(256, SpecialTokens.NONE);
    Detokenizer detok = tokenizer.newDetokenizer(true);
    byte[] rocket = "🚀".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertEquals("", detok.accept(rocket[0] & 0xFF));
    assertEquals("", detok.accept(rocket[1] & 0xFF));
    assertEquals("", detok.accept(rocket[2] & 0xFF));
    assertEquals(3, detok.pendingBytes());
    assertEquals("🚀", detok.accept(rocket[3] & 0xFF));
    assertEquals(0, detok.pendingBytes());
  }

  @Test
  void invalidAndTruncatedBytesBecomeReplacementCharacters() {
    ByteTokenizer tokenizer = new ByteTokenizer(256, SpecialTokens.NONE);
    Detokenizer detok = tokenizer.newDetokenizer(true);
    String text = detok.accept(0xFF) + detok.accept('a') + detok.accept(0xE6);
    assertEquals("\uFFFDa", text);
    assertEquals(
        "\uFFFD", detok.finish(), "a truncated character at the end is reported, not dropped");
  }

  @Test
  void specialTokensAreSkippedOrFlushPendingText() {
    ByteLevelBpeTokenizer tokenizer =
        ByteLevelBpeTokenizer.load(
            ByteLevelBpeTokenizerTest.resource("llama3-style.tokenizer.json"));
    int eot = tokenizer.tokenId("<|eot_id|>");
    int[] ids = tokenizer.encode("hi<|eot_id|>", false);
    Detokenizer skipping = tokenizer.newDetokenizer(true);
    Detokenizer keeping = tokenizer.newDetokenizer(false);
    StringBuilder a = new StringBuilder();
    StringBuilder b = new StringBuilder();
    for (int id : ids) {
      a.append(skipping.accept(id));
      b.append(keeping.accept(id));
    }
    assertEquals(eot, ids[ids.length - 1]);
    assertEquals("hi", a.toString());
    assertEquals("hi<|eot_id|>", b.toString());
  }

  @Test
  void byteTokenizerUsesConfiguredBosAndTreatsHighIdsAsSpecial() {
    ByteTokenizer tokenizer =
        new ByteTokenizer(260, new SpecialTokens(257, Set.of(258), null, null));
    assertEquals(257, tokenizer.encode("a", true)[0]);
    assertTrue(tokenizer.isSpecial(258));
    assertEquals("ab", tokenizer.decode(new int[] {257, 'a', 258, 'b'}));
  }
}
