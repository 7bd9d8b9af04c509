package dev.gearbox.runtime.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Checks encode/decode against ids produced by the HF tokenizers library (see src/test/python). */
class ByteLevelBpeTokenizerTest {

  static Path resource(String name) {
    try {
      return Path.of(ByteLevelBpeTokenizerTest.class.getResource("/text/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static Stream<Arguments> cases() throws Exception {
    List<Arguments> out = new ArrayList<>();
    for (String fixture : List.of("llama3-style", "qwen2-style", "gpt2-style")) {
      JsonNode expected =
          new ObjectMapper().readTree(resource(fixture + ".expected.json").toFile());
      for (JsonNode c : expected) {
        out.add(Arguments.of(fixture, c));
      }
    }
    return out.stream();
  }

  private static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asInt();
    }
    return out;
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("cases")
  void matchesHuggingFaceTokenizers(String fixture, JsonNode c) {
    ByteLevelBpeTokenizer tokenizer =
        ByteLevelBpeTokenizer.load(resource(fixture + ".tokenizer.json"));
    String text = c.get("text").asText();
    int[] ids = ints(c.get("ids"));
    assertArrayEquals(ids, tokenizer.encode(text, false), "ids of " + text);
    assertArrayEquals(
        ints(c.get("idsWithSpecial")), tokenizer.encode(text, true), "ids+special of " + text);
    assertEquals(c.get("decoded").asText(), tokenizer.decode(ids), "decode of " + text);
    assertEquals(c.get("decodedWithSpecial").asText(), tokenizer.decode(ids, false));
    List<String> pieces = new ArrayList<>();
    c.get("pieces").forEach(p -> pieces.add(p.asText()));
    assertEquals(pieces, tokenizer.preTokenize(text), "pre-tokenization of " + text);
  }

  @Test
  void inlineSpecialTokensAreSingleIdsAndMarkedSpecial() {
    ByteLevelBpeTokenizer tokenizer =
        ByteLevelBpeTokenizer.load(resource("llama3-style.tokenizer.json"));
    int eot = tokenizer.tokenId("<|eot_id|>");
    int[] ids = tokenizer.encode("a<|eot_id|>b", false);
    assertEquals(3, ids.length);
    assertEquals(eot, ids[1]);
    assertTrue(tokenizer.isSpecial(eot));
    assertTrue(!tokenizer.isSpecial(ids[0]));
    assertEquals(
        0, tokenizer.encode("x", true)[0], "TemplateProcessing prepends <|begin_of_text|>");
    assertEquals(0, tokenizer.bosId(), "BOS taken from the post-processor when no config names it");
  }

  @Test
  void longRepetitiveWordMergesLikeShortOnes() {
    // A single 20k-character word exercises the heap path; it must decode back exactly.
    ByteLevelBpeTokenizer tokenizer =
        ByteLevelBpeTokenizer.load(resource("gpt2-style.tokenizer.json"));
    String word = "that".repeat(5000);
    int[] ids = tokenizer.encode(word, false);
    assertEquals(" " + word, tokenizer.decode(ids));
    assertTrue(ids.length < word.length() / 2, "merges applied: " + ids.length);
  }
}
