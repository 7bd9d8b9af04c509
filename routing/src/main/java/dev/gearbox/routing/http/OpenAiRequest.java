package dev.gearbox.routing.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gearbox.routing.text.PromptCodec.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A parsed {@code /v1/completions} or {@code /v1/chat/completions} body.
 *
 * @param chat whether this is a chat completion
 * @param model the {@code model} field as sent
 * @param prompt the prompt text (completions), or null
 * @param promptTokenIds the prompt given as token ids (completions), or null
 * @param messages the messages (chat), or null
 * @param maxTokens {@code max_tokens} / {@code max_completion_tokens}, or null when absent
 * @param temperature sampling temperature
 * @param topP nucleus mass
 * @param seed sampling seed, or -1
 * @param stream whether to answer with server-sent events
 * @param includeUsage {@code stream_options.include_usage}
 * @param stop stop sequences
 * @param echo {@code echo} (completions): the answer starts with the prompt
 */
public record OpenAiRequest(
    boolean chat,
    String model,
    String prompt,
    int[] promptTokenIds,
    List<ChatMessage> messages,
    Integer maxTokens,
    double temperature,
    double topP,
    long seed,
    boolean stream,
    boolean includeUsage,
    List<String> stop,
    boolean echo) {

  /**
   * Parses {@code body}.
   *
   * @throws ApiError 400 naming the offending field
   */
  public static OpenAiRequest parse(ObjectMapper json, byte[] body, boolean chat) {
    JsonNode root;
    try {
      root = json.readTree(body);
    } catch (JacksonException e) {
      throw ApiError.invalid(null, "invalid_json", "request body is not valid JSON: " + describe(e));
    } catch (java.io.IOException e) {
      throw ApiError.invalid(null, "invalid_json", "request body could not be read");
    }
    if (root == null || !root.isObject()) {
      throw ApiError.invalid(null, "invalid_json", "request body must be a JSON object");
    }
    rejectUnsupported(root, chat);
    String model = text(root, "model", true);
    String prompt = null;
    int[] promptTokenIds = null;
    List<ChatMessage> messages = null;
    if (chat) {
      messages = messages(root);
    } else {
      promptTokenIds = promptTokenIds(root);
      if (promptTokenIds == null) {
        prompt = prompt(root);
      }
    }
    Integer maxTokens =
        integer(
            root,
            chat && root.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens");
    if (maxTokens != null && maxTokens < 1) {
      throw ApiError.invalid(
          "max_tokens", "invalid_value", "max_tokens must be at least 1, got " + maxTokens);
    }
    Integer n = integer(root, "n");
    if (n != null && n != 1) {
      throw ApiError.invalid("n", "invalid_value", "only n=1 is supported, got " + n);
    }
    double temperature = number(root, "temperature", 1.0);
    if (temperature < 0 || temperature > 2) {
      throw ApiError.invalid(
          "temperature", "invalid_value", "temperature must be in [0, 2], got " + temperature);
    }
    double topP = number(root, "top_p", 1.0);
    if (!(topP > 0 && topP <= 1)) {
      throw ApiError.invalid("top_p", "invalid_value", "top_p must be in (0, 1], got " + topP);
    }
    Integer seed = integer(root, "seed");
    boolean stream = bool(root, "stream");
    JsonNode options = root.get("stream_options");
    boolean includeUsage = options != null && options.isObject() && bool(options, "include_usage");
    return new OpenAiRequest(
        chat,
        model,
        prompt,
        promptTokenIds,
        messages,
        maxTokens,
        temperature,
        topP,
        seed == null ? -1 : seed,
        stream,
        includeUsage,
        stop(root),
        !chat && bool(root, "echo"));
  }

  /** Message roles a text chat template can render. */
  static final List<String> ROLES = List.of("system", "developer", "user", "assistant");

  /** Message fields honoured ({@code name} is passed to nobody but accepted, as by OpenAI). */
  static final List<String> MESSAGE_FIELDS = List.of("role", "content", "name", "refusal");

  /** Fields both endpoints honour. */
  static final Set<String> COMMON =
      Set.of(
          "model", "max_tokens", "n", "temperature", "top_p", "seed", "stream", "stream_options",
          "stop", "user");

  /** Fields of /v1/completions beyond {@link #COMMON}. */
  static final Set<String> COMPLETION_ONLY = Set.of("prompt", "echo");

  /** Fields of /v1/chat/completions beyond {@link #COMMON}. */
  static final Set<String> CHAT_ONLY = Set.of("messages", "max_completion_tokens");

  /**
   * Rejects every field this server would otherwise ignore, naming it: OpenAI parameters it does
   * not implement ({@code tools}, {@code response_format}, {@code logprobs}, penalties, ...) and
   * fields OpenAI does not have. A field at its "off" value ({@code null}, {@code false}, {@code
   * 0} penalties, {@code best_of: 1}, {@code tool_choice: "none"}, ...) changes nothing and is
   * accepted, since clients often send those explicitly.
   */
  static void rejectUnsupported(JsonNode root, boolean chat) {
    var names = root.fieldNames();
    while (names.hasNext()) {
      String field = names.next();
      if (COMMON.contains(field) || (chat ? CHAT_ONLY : COMPLETION_ONLY).contains(field)) {
        continue;
      }
      JsonNode v = root.get(field);
      if (v.isNull() || isOff(field, v)) {
        continue;
      }
      throw ApiError.invalid(
          field,
          "unsupported_parameter",
          "'"
              + field
              + "' is not supported by this server"
              + (chat ? " on /v1/chat/completions" : " on /v1/completions")
              + "; remove it (supported: "
              + supported(chat)
              + ")");
    }
  }

  private static boolean isOff(String field, JsonNode v) {
    return switch (field) {
      case "frequency_penalty", "presence_penalty" -> v.isNumber() && v.asDouble() == 0;
      case "logit_bias", "metadata" -> v.isObject() && v.isEmpty();
      case "logprobs", "echo", "store", "parallel_tool_calls" -> v.isBoolean() && !v.asBoolean();
      case "best_of" -> v.isIntegralNumber() && v.asInt() == 1;
      case "suffix" -> v.isTextual() && v.asText().isEmpty();
      case "tools", "functions" -> v.isArray() && v.isEmpty();
      case "tool_choice", "function_call" -> v.isTextual() && v.asText().equals("none");
      case "response_format" -> v.isObject() && "text".equals(v.path("type").asText()) && v.size() == 1;
      case "modalities" -> v.isArray() && v.size() == 1 && "text".equals(v.get(0).asText());
      case "service_tier" -> v.isTextual() && (v.asText().equals("auto") || v.asText().equals("default"));
      default -> false;
    };
  }

  private static List<String> supported(boolean chat) {
    List<String> all = new ArrayList<>(COMMON);
    all.addAll(chat ? CHAT_ONLY : COMPLETION_ONLY);
    java.util.Collections.sort(all);
    return all;
  }

  /**
   * A parse error as the client needs it: what was wrong and where, without the JSON library's
   * class names or source descriptions.
   */
  private static String describe(JacksonException e) {
    String message = e.getOriginalMessage() == null ? "malformed" : e.getOriginalMessage();
    int cut = message.length();
    for (String end : new String[] {"\n", " (", " at [Source"}) {
      int i = message.indexOf(end);
      if (i > 0) {
        cut = Math.min(cut, i);
      }
    }
    message = message.substring(0, cut).trim();
    var where = e.getLocation();
    return where == null || where.getLineNr() < 1
        ? message
        : message + " at line " + where.getLineNr() + ", column " + where.getColumnNr();
  }

  private static String prompt(JsonNode root) {
    JsonNode p = root.get("prompt");
    if (p == null || p.isNull()) {
      throw ApiError.invalid("prompt", "missing_required_parameter", "'prompt' is required");
    }
    if (p.isTextual()) {
      return p.asText();
    }
    if (p.isArray() && p.size() == 1 && p.get(0).isTextual()) {
      return p.get(0).asText();
    }
    throw ApiError.invalid(
        "prompt",
        "invalid_type",
        "'prompt' must be a string, an array of one string, or an array of token ids");
  }

  /** OpenAI also accepts a prompt as an array of token ids (or one such array in an array). */
  private static int[] promptTokenIds(JsonNode root) {
    JsonNode p = root.get("prompt");
    if (p != null && p.isArray() && p.size() == 1 && p.get(0).isArray()) {
      p = p.get(0);
    }
    if (p == null || !p.isArray() || p.isEmpty() || !p.get(0).isIntegralNumber()) {
      return null;
    }
    int[] ids = new int[p.size()];
    for (int i = 0; i < ids.length; i++) {
      JsonNode id = p.get(i);
      if (!id.isIntegralNumber() || !id.canConvertToInt() || id.asInt() < 0) {
        throw ApiError.invalid(
            "prompt",
            "invalid_type",
            "prompt[" + i + "] must be a non-negative token id, got " + id);
      }
      ids[i] = id.asInt();
    }
    return ids;
  }

  private static List<ChatMessage> messages(JsonNode root) {
    JsonNode ms = root.get("messages");
    if (ms == null || !ms.isArray() || ms.isEmpty()) {
      throw ApiError.invalid(
          "messages", "missing_required_parameter", "'messages' must be a non-empty array");
    }
    List<ChatMessage> out = new ArrayList<>();
    for (int i = 0; i < ms.size(); i++) {
      JsonNode m = ms.get(i);
      String at = "messages[" + i + "]";
      if (!m.isObject() || !m.path("role").isTextual()) {
        throw ApiError.invalid(at + ".role", "invalid_type", at + " needs a string 'role'");
      }
      String role = m.get("role").asText();
      if (!ROLES.contains(role)) {
        throw ApiError.invalid(
            at + ".role",
            "invalid_value",
            at + ".role must be one of " + ROLES + " (tool and function messages need tool"
                + " calling, which this server does not offer), got '" + role + "'");
      }
      var fields = m.fieldNames();
      while (fields.hasNext()) {
        String field = fields.next();
        if (!MESSAGE_FIELDS.contains(field) && !m.get(field).isNull()) {
          throw ApiError.invalid(
              at + "." + field,
              "unsupported_parameter",
              at + "." + field + " is not supported by this server (supported: " + MESSAGE_FIELDS
                  + ")");
        }
      }
      JsonNode content = m.get("content");
      if (content == null || content.isNull()) {
        throw ApiError.invalid(
            at + ".content",
            "missing_required_parameter",
            at + ".content is required (a string or an array of text parts); null is only valid"
                + " next to tool calls, which this server does not offer");
      }
      out.add(new ChatMessage(role, content(content, at)));
    }
    return out;
  }

  private static String content(JsonNode c, String at) {
    if (c.isTextual()) {
      return c.asText();
    }
    if (c.isArray()) {
      // OpenAI's content parts: concatenate the text parts; other kinds cannot reach a text model.
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < c.size(); i++) {
        JsonNode part = c.get(i);
        if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
          throw ApiError.invalid(
              at + ".content[" + i + "]",
              "invalid_type",
              at
                  + ".content["
                  + i
                  + "]: only {\"type\": \"text\", \"text\": STRING} parts are supported, got '"
                  + part.path("type").asText()
                  + "'");
        }
        sb.append(part.path("text").asText());
      }
      return sb.toString();
    }
    throw ApiError.invalid(
        at + ".content", "invalid_type", at + ".content must be a string or an array of parts");
  }

  private static List<String> stop(JsonNode root) {
    JsonNode s = root.get("stop");
    if (s == null || s.isNull()) {
      return List.of();
    }
    if (s.isTextual()) {
      return s.asText().isEmpty() ? List.of() : List.of(s.asText());
    }
    if (s.isArray() && s.size() <= 4) {
      List<String> out = new ArrayList<>();
      for (JsonNode x : s) {
        if (!x.isTextual()) {
          throw ApiError.invalid("stop", "invalid_type", "'stop' entries must be strings");
        }
        if (!x.asText().isEmpty()) {
          out.add(x.asText());
        }
      }
      return out;
    }
    throw ApiError.invalid(
        "stop", "invalid_type", "'stop' must be a string or an array of up to 4 strings");
  }

  private static String text(JsonNode root, String field, boolean required) {
    JsonNode v = root.get(field);
    if (v == null || v.isNull()) {
      if (required) {
        throw ApiError.invalid(field, "missing_required_parameter", "'" + field + "' is required");
      }
      return null;
    }
    if (!v.isTextual()) {
      throw ApiError.invalid(field, "invalid_type", "'" + field + "' must be a string");
    }
    return v.asText();
  }

  private static Integer integer(JsonNode root, String field) {
    JsonNode v = root.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw ApiError.invalid(field, "invalid_type", "'" + field + "' must be an integer");
    }
    return v.asInt();
  }

  private static double number(JsonNode root, String field, double absent) {
    JsonNode v = root.get(field);
    if (v == null || v.isNull()) {
      return absent;
    }
    if (!v.isNumber()) {
      throw ApiError.invalid(field, "invalid_type", "'" + field + "' must be a number");
    }
    return v.asDouble();
  }

  private static boolean bool(JsonNode root, String field) {
    JsonNode v = root.get(field);
    if (v == null || v.isNull()) {
      return false;
    }
    if (!v.isBoolean()) {
      throw ApiError.invalid(field, "invalid_type", "'" + field + "' must be a boolean");
    }
    return v.asBoolean();
  }
}
