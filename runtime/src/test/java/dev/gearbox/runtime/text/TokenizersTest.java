package dev.gearbox.runtime.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizersTest {
  @TempDir Path dir;
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void goldenCheckpointWithoutTokenizerUsesBytesAndConfigIds() {
    Path golden =
        Path.of(System.getProperty("gearbox.golden.dir", "src/test/resources/golden/apriel2-tiny"));
    com.fasterxml.jackson.databind.JsonNode config;
    try {
      config = json.readTree(golden.resolve("config.json").toFile());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    Tokenizer tokenizer = Tokenizers.load(golden, config.get("vocab_size").asInt());
    assertInstanceOf(ByteTokenizer.class, tokenizer);
    assertEquals(config.get("bos_token_id").asInt(), tokenizer.bosId(), "bos_token_id from config.json");
    assertTrue(
        tokenizer.eosIds().contains(config.get("eos_token_id").asInt()),
        "eos_token_id from config.json");
    assertEquals("hé", tokenizer.decode(tokenizer.encode("hé", false)));
  }

  @Test
  void smallVocabularyWithoutTokenizerIsAClearError() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Tokenizers.load(dir, 100));
    assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
  }

  @Test
  void tokenizerJsonIsPickedWithEosFromAllConfigFiles() throws IOException {
    Files.copy(
        ByteLevelBpeTokenizerTest.resource("llama3-style.tokenizer.json"),
        dir.resolve("tokenizer.json"));
    Files.writeString(dir.resolve("config.json"), "{\"bos_token_id\": 0, \"eos_token_id\": 1}");
    Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [1, 2]}");
    Files.writeString(
        dir.resolve("tokenizer_config.json"),
        "{\"eos_token\": {\"content\": \"<|end_header_id|>\"}}");
    Tokenizer tokenizer = Tokenizers.load(dir, 1000);
    assertInstanceOf(ByteLevelBpeTokenizer.class, tokenizer);
    assertEquals(0, tokenizer.bosId());
    assertEquals(Set.of(1, 2, 4), tokenizer.eosIds());
  }

  private TokenizerFormatException malformed(Consumer<ObjectNode> edit) throws IOException {
    ObjectNode root =
        (ObjectNode)
            json.readTree(
                ByteLevelBpeTokenizerTest.resource("llama3-style.tokenizer.json").toFile());
    edit.accept(root);
    Path file = dir.resolve("tokenizer.json");
    json.writeValue(file.toFile(), root);
    TokenizerFormatException e =
        assertThrows(TokenizerFormatException.class, () -> ByteLevelBpeTokenizer.load(file));
    assertEquals(file, e.file());
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    return e;
  }

  @Test
  void malformedTokenizerJsonNamesFileAndField() throws IOException {
    assertEquals("model", malformed(r -> r.remove("model")).field());
    assertEquals(
        "model.vocab", malformed(r -> ((ObjectNode) r.get("model")).remove("vocab")).field());
    assertEquals(
        "model.type",
        malformed(r -> ((ObjectNode) r.get("model")).put("type", "WordPiece")).field());
    assertEquals(
        "model.merges[3]",
        malformed(
                r ->
                    ((ArrayNode) r.get("model").get("merges"))
                        .set(3, json.getNodeFactory().textNode("nospace")))
            .field());
    assertEquals(
        "model.merges[5]",
        malformed(
                r ->
                    ((ArrayNode) r.get("model").get("merges"))
                        .set(5, json.getNodeFactory().textNode("zz qq")))
            .field());
    assertEquals(
        "model.vocab[\"the\"]",
        malformed(r -> ((ObjectNode) r.get("model").get("vocab")).put("the", "x")).field());
    assertEquals(
        "added_tokens[2].content",
        malformed(r -> ((ObjectNode) r.get("added_tokens").get(2)).remove("content")).field());
    assertEquals(
        "pre_tokenizer.pretokenizers[0].pattern.Regex",
        malformed(
                r ->
                    ((ObjectNode) r.get("pre_tokenizer").get("pretokenizers").get(0).get("pattern"))
                        .put("Regex", "(unclosed"))
            .field());
    assertEquals(
        "pre_tokenizer.type",
        malformed(r -> ((ObjectNode) r.get("pre_tokenizer")).put("type", "Metaspace")).field());
    assertEquals(
        "normalizer.type",
        malformed(r -> r.putObject("normalizer").put("type", "Lowercase")).field());
  }

  @Test
  void unparsableJsonNamesTheFile() throws IOException {
    Path file = dir.resolve("tokenizer.json");
    Files.writeString(file, "{\"model\": ");
    TokenizerFormatException e =
        assertThrows(TokenizerFormatException.class, () -> ByteLevelBpeTokenizer.load(file));
    assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
  }
}
