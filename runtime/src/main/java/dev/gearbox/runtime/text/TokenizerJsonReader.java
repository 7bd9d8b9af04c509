package dev.gearbox.runtime.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Parses a HF {@code tokenizer.json} into a {@link ByteLevelBpeTokenizer}, checking each field. */
final class TokenizerJsonReader {
  private final Path file;

  private TokenizerJsonReader(Path file) {
    this.file = file;
  }

  static ByteLevelBpeTokenizer read(Path file, SpecialTokens specials) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new TokenizerFormatException(file, "$", "cannot read as JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new TokenizerFormatException(file, "$", "expected a JSON object");
    }
    return new TokenizerJsonReader(file).build(root, specials);
  }

  private ByteLevelBpeTokenizer build(JsonNode root, SpecialTokens specials) {
    JsonNode model = require(root, "model", "model");
    if (!model.isObject()) {
      throw fail("model", "expected an object");
    }
    String type = model.path("type").asText("BPE");
    if (!type.equals("BPE")) {
      throw fail("model.type", "only BPE models are supported, got '" + type + "'");
    }
    for (String affix : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
      if (!model.path(affix).asText("").isEmpty()) {
        throw fail("model." + affix, "byte-level BPE with word affixes is not supported");
      }
    }
    Map<String, Integer> vocab = readVocab(require(model, "vocab", "model.vocab"));
    List<AddedTokens.Token> added = readAddedTokens(root.get("added_tokens"));

    int size = 0;
    for (int id : vocab.values()) {
      size = Math.max(size, id + 1);
    }
    for (AddedTokens.Token t : added) {
      size = Math.max(size, t.id() + 1);
    }
    String[] idToToken = new String[size];
    vocab.forEach((token, id) -> idToToken[id] = token);
    boolean[] special = new boolean[size];
    for (AddedTokens.Token t : added) {
      idToToken[t.id()] = t.content();
      special[t.id()] = t.special();
    }

    int[] byteTokenIds = new int[256];
    for (int b = 0; b < 256; b++) {
      Integer id = vocab.get(String.valueOf(ByteLevelAlphabet.charOf(b)));
      if (id == null) {
        throw fail(
            "model.vocab",
            "byte-level vocabulary lacks the token for byte 0x" + Integer.toHexString(b));
      }
      byteTokenIds[b] = id;
    }
    MergeTable merges = readMerges(require(model, "merges", "model.merges"), vocab);
    BpeModel bpe =
        new BpeModel(vocab, merges, byteTokenIds, model.path("ignore_merges").asBoolean(false));

    boolean nfc = readNormalizer(root.get("normalizer"), "normalizer");
    PreTokenizer pre = readPreTokenizer(root.get("pre_tokenizer"), "pre_tokenizer");
    ByteLevelBpeTokenizer.Template template =
        readPostProcessor(root.get("post_processor"), "post_processor", vocab, added);
    checkDecoder(root.get("decoder"));

    ToIntTokenLookup lookup = new ToIntTokenLookup(vocab, added);
    int bos = specials.bosId();
    if (bos < 0 && specials.bosToken() != null) {
      bos = lookup.id(specials.bosToken());
    }
    if (bos < 0 && template.prefix().length == 1) {
      // No config names a BOS, but the post-processor prepends one token (Llama-3 style).
      bos = template.prefix()[0];
    }
    java.util.Set<Integer> eos = new java.util.LinkedHashSet<>(specials.eosIds());
    if (specials.eosToken() != null && lookup.id(specials.eosToken()) >= 0) {
      eos.add(lookup.id(specials.eosToken()));
    }
    return new ByteLevelBpeTokenizer(
        idToToken, special, new AddedTokens(added), nfc, pre, bpe, template, bos, eos);
  }

  /** Resolves token strings of the vocabulary and the added tokens to ids. */
  record ToIntTokenLookup(Map<String, Integer> vocab, List<AddedTokens.Token> added) {
    int id(String token) {
      for (AddedTokens.Token t : added) {
        if (t.content().equals(token)) {
          return t.id();
        }
      }
      return vocab.getOrDefault(token, -1);
    }
  }

  private Map<String, Integer> readVocab(JsonNode node) {
    if (!node.isObject()) {
      throw fail("model.vocab", "expected an object mapping token strings to ids");
    }
    Map<String, Integer> vocab = new HashMap<>(node.size() * 2);
    var fields = node.fields();
    while (fields.hasNext()) {
      var e = fields.next();
      if (!e.getValue().canConvertToInt()
          || !e.getValue().isIntegralNumber()
          || e.getValue().asInt() < 0) {
        throw fail(
            "model.vocab[\"" + e.getKey() + "\"]",
            "expected a non-negative integer id, got " + e.getValue());
      }
      vocab.put(e.getKey(), e.getValue().asInt());
    }
    return vocab;
  }

  private List<AddedTokens.Token> readAddedTokens(JsonNode node) {
    List<AddedTokens.Token> tokens = new ArrayList<>();
    if (node == null || node.isNull()) {
      return tokens;
    }
    if (!node.isArray()) {
      throw fail("added_tokens", "expected an array");
    }
    for (int i = 0; i < node.size(); i++) {
      JsonNode t = node.get(i);
      String field = "added_tokens[" + i + "]";
      JsonNode id = t.get("id");
      JsonNode content = t.get("content");
      if (id == null || !id.isIntegralNumber() || id.asInt() < 0) {
        throw fail(field + ".id", "expected a non-negative integer");
      }
      if (content == null || !content.isTextual() || content.asText().isEmpty()) {
        throw fail(field + ".content", "expected a non-empty string");
      }
      tokens.add(
          new AddedTokens.Token(
              id.asInt(),
              content.asText(),
              t.path("special").asBoolean(false),
              t.path("lstrip").asBoolean(false),
              t.path("rstrip").asBoolean(false)));
    }
    return tokens;
  }

  private MergeTable readMerges(JsonNode node, Map<String, Integer> vocab) {
    if (!node.isArray()) {
      throw fail("model.merges", "expected an array of \"a b\" strings or [a, b] pairs");
    }
    MergeTable merges = new MergeTable(node.size());
    for (int rank = 0; rank < node.size(); rank++) {
      JsonNode m = node.get(rank);
      String field = "model.merges[" + rank + "]";
      String left;
      String right;
      if (m.isTextual()) {
        String text = m.asText();
        int space = text.indexOf(' ');
        if (space <= 0 || space == text.length() - 1 || text.indexOf(' ', space + 1) >= 0) {
          throw fail(field, "expected \"left right\" with exactly one space, got \"" + text + "\"");
        }
        left = text.substring(0, space);
        right = text.substring(space + 1);
      } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
        left = m.get(0).asText();
        right = m.get(1).asText();
      } else {
        throw fail(field, "expected a \"left right\" string or a [left, right] pair, got " + m);
      }
      Integer leftId = vocab.get(left);
      Integer rightId = vocab.get(right);
      Integer mergedId = vocab.get(left + right);
      if (leftId == null || rightId == null || mergedId == null) {
        String missing = leftId == null ? left : rightId == null ? right : left + right;
        throw fail(field, "token \"" + missing + "\" is not in model.vocab");
      }
      merges.putIfAbsent(leftId, rightId, rank, mergedId);
    }
    return merges;
  }

  private boolean readNormalizer(JsonNode node, String field) {
    if (node == null || node.isNull()) {
      return false;
    }
    String type = node.path("type").asText("");
    switch (type) {
      case "NFC":
        return true;
      case "Sequence":
        boolean nfc = false;
        JsonNode list = node.path("normalizers");
        for (int i = 0; i < list.size(); i++) {
          nfc |= readNormalizer(list.get(i), field + ".normalizers[" + i + "]");
        }
        return nfc;
      default:
        throw fail(
            field + ".type",
            "unsupported normalizer '" + type + "' (supported: NFC, Sequence, null)");
    }
  }

  private PreTokenizer readPreTokenizer(JsonNode node, String field) {
    if (node == null || node.isNull()) {
      throw fail(field, "a byte-level BPE tokenizer needs a pre_tokenizer (ByteLevel or Sequence)");
    }
    String type = node.path("type").asText("");
    switch (type) {
      case "ByteLevel":
        return new PreTokenizer.ByteLevel(
            node.path("add_prefix_space").asBoolean(false),
            node.path("use_regex").asBoolean(true)
                ? PreTokenizer.compile(PreTokenizer.GPT2_PATTERN)
                : null);
      case "Split":
        return readSplit(node, field);
      case "Sequence":
        JsonNode list = node.path("pretokenizers");
        if (!list.isArray() || list.isEmpty()) {
          throw fail(field + ".pretokenizers", "expected a non-empty array");
        }
        List<PreTokenizer> steps = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
          steps.add(readPreTokenizer(list.get(i), field + ".pretokenizers[" + i + "]"));
        }
        return new PreTokenizer.Chain(steps);
      default:
        throw fail(
            field + ".type",
            "unsupported pre-tokenizer '" + type + "' (supported: ByteLevel, Split, Sequence)");
    }
  }

  private PreTokenizer readSplit(JsonNode node, String field) {
    if (node.path("invert").asBoolean(false)) {
      throw fail(field + ".invert", "inverted Split is not supported");
    }
    String behavior = node.path("behavior").asText("");
    if (!behavior.equals("Isolated") && !behavior.equals("Removed")) {
      throw fail(
          field + ".behavior",
          "unsupported Split behavior '" + behavior + "' (supported: Isolated, Removed)");
    }
    JsonNode pattern = node.path("pattern");
    Pattern compiled;
    try {
      if (pattern.hasNonNull("Regex")) {
        compiled = PreTokenizer.compile(pattern.get("Regex").asText());
      } else if (pattern.hasNonNull("String")) {
        compiled = Pattern.compile(Pattern.quote(pattern.get("String").asText()));
      } else {
        throw fail(field + ".pattern", "expected {\"Regex\": ...} or {\"String\": ...}");
      }
    } catch (PatternSyntaxException e) {
      throw fail(field + ".pattern.Regex", "invalid regex: " + e.getDescription());
    }
    return new PreTokenizer.Split(compiled, behavior.equals("Isolated"));
  }

  private ByteLevelBpeTokenizer.Template readPostProcessor(
      JsonNode node, String field, Map<String, Integer> vocab, List<AddedTokens.Token> added) {
    if (node == null || node.isNull()) {
      return ByteLevelBpeTokenizer.Template.NONE;
    }
    String type = node.path("type").asText("");
    ToIntTokenLookup lookup = new ToIntTokenLookup(vocab, added);
    switch (type) {
      case "ByteLevel":
        return ByteLevelBpeTokenizer.Template.NONE;
      case "Sequence":
        ByteLevelBpeTokenizer.Template result = ByteLevelBpeTokenizer.Template.NONE;
        JsonNode list = node.path("processors");
        for (int i = 0; i < list.size(); i++) {
          ByteLevelBpeTokenizer.Template t =
              readPostProcessor(list.get(i), field + ".processors[" + i + "]", vocab, added);
          if (t.prefix().length + t.suffix().length > 0) {
            result = t;
          }
        }
        return result;
      case "TemplateProcessing":
        return readTemplate(node, field);
      case "RobertaProcessing":
      case "BertProcessing":
        return new ByteLevelBpeTokenizer.Template(
            new int[] {pairId(node, field + ".cls")}, new int[] {pairId(node, field + ".sep")});
      default:
        throw fail(field + ".type", "unsupported post-processor '" + type + "'");
    }
  }

  private int pairId(JsonNode node, String field) {
    JsonNode pair = node.path(field.substring(field.lastIndexOf('.') + 1));
    if (!pair.isArray() || pair.size() != 2 || !pair.get(1).isIntegralNumber()) {
      throw fail(field, "expected [token, id]");
    }
    return pair.get(1).asInt();
  }

  private ByteLevelBpeTokenizer.Template readTemplate(JsonNode node, String field) {
    JsonNode single = node.path("single");
    if (!single.isArray()) {
      throw fail(field + ".single", "expected an array of SpecialToken / Sequence items");
    }
    List<Integer> prefix = new ArrayList<>();
    List<Integer> suffix = new ArrayList<>();
    boolean seenSequence = false;
    for (int i = 0; i < single.size(); i++) {
      JsonNode item = single.get(i);
      if (item.has("Sequence")) {
        seenSequence = true;
        continue;
      }
      JsonNode specialItem = item.get("SpecialToken");
      if (specialItem == null) {
        throw fail(field + ".single[" + i + "]", "expected SpecialToken or Sequence");
      }
      String name = specialItem.path("id").asText();
      JsonNode ids = node.path("special_tokens").path(name).path("ids");
      if (!ids.isArray() || ids.isEmpty()) {
        throw fail(
            field + ".special_tokens[\"" + name + "\"].ids", "missing ids for template token");
      }
      for (JsonNode id : ids) {
        (seenSequence ? suffix : prefix).add(id.asInt());
      }
    }
    return new ByteLevelBpeTokenizer.Template(
        prefix.stream().mapToInt(Integer::intValue).toArray(),
        suffix.stream().mapToInt(Integer::intValue).toArray());
  }

  private void checkDecoder(JsonNode node) {
    if (node == null || node.isNull()) {
      return;
    }
    String type = node.path("type").asText("");
    if (!type.equals("ByteLevel")) {
      throw fail("decoder.type", "unsupported decoder '" + type + "' (supported: ByteLevel)");
    }
  }

  private JsonNode require(JsonNode parent, String name, String field) {
    JsonNode node = parent.get(name);
    if (node == null || node.isNull()) {
      throw fail(field, "missing");
    }
    return node;
  }

  private TokenizerFormatException fail(String field, String problem) {
    return new TokenizerFormatException(file, field, problem);
  }
}
