package dev.gearbox.runtime.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * BOS and EOS ids of a checkpoint, gathered from {@code config.json}, {@code
 * generation_config.json} and {@code tokenizer_config.json} (whichever are present).
 */
public record SpecialTokens(int bosId, Set<Integer> eosIds, String bosToken, String eosToken) {

  /** No BOS, no EOS. */
  public static final SpecialTokens NONE = new SpecialTokens(-1, Set.of(), null, null);

  public SpecialTokens {
    eosIds = Set.copyOf(eosIds);
  }

  /**
   * Reads the model directory's config files. Ids given directly ({@code bos_token_id}, {@code
   * eos_token_id}, int or list) win; token strings from {@code tokenizer_config.json} are resolved
   * with {@code tokenToId} (returning -1 when unknown). EOS ids are the union of all sources
   * because generation configs often list extra stop tokens (e.g. Llama-3's eot_id).
   */
  public static SpecialTokens read(Path modelDir, ToIntFunction<String> tokenToId) {
    ObjectMapper json = new ObjectMapper();
    JsonNode config = readOptional(json, modelDir.resolve("config.json"));
    JsonNode generation = readOptional(json, modelDir.resolve("generation_config.json"));
    JsonNode tokenizerConfig = readOptional(json, modelDir.resolve("tokenizer_config.json"));
    String bosToken = tokenText(tokenizerConfig.get("bos_token"));
    String eosToken = tokenText(tokenizerConfig.get("eos_token"));

    int bos = -1;
    Set<Integer> bosIds = new LinkedHashSet<>();
    addIds(bosIds, generation.get("bos_token_id"));
    addIds(bosIds, config.get("bos_token_id"));
    if (!bosIds.isEmpty()) {
      bos = bosIds.iterator().next();
    } else if (bosToken != null) {
      bos = tokenToId.applyAsInt(bosToken);
    }
    Set<Integer> eos = new LinkedHashSet<>();
    addIds(eos, generation.get("eos_token_id"));
    addIds(eos, config.get("eos_token_id"));
    if (eosToken != null) {
      int id = tokenToId.applyAsInt(eosToken);
      if (id >= 0) {
        eos.add(id);
      }
    }
    return new SpecialTokens(bos, eos, bosToken, eosToken);
  }

  private static JsonNode readOptional(ObjectMapper json, Path file) {
    if (!Files.isRegularFile(file)) {
      return json.createObjectNode();
    }
    try {
      JsonNode node = json.readTree(file.toFile());
      if (node == null || !node.isObject()) {
        throw new TokenizerFormatException(file, "$", "expected a JSON object");
      }
      return node;
    } catch (IOException e) {
      throw new TokenizerFormatException(file, "$", "not valid JSON: " + e.getMessage(), e);
    }
  }

  /** A token in tokenizer_config.json is either a string or an AddedToken object with content. */
  static String tokenText(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isTextual()) {
      return node.asText();
    }
    JsonNode content = node.get("content");
    return content != null && content.isTextual() ? content.asText() : null;
  }

  private static void addIds(Set<Integer> ids, JsonNode node) {
    if (node == null || node.isNull()) {
      return;
    }
    if (node.isInt()) {
      ids.add(node.asInt());
    } else if (node.isArray()) {
      node.forEach(n -> ids.add(n.asInt()));
    }
  }
}
