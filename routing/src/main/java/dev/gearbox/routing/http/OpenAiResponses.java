package dev.gearbox.routing.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Builds OpenAI response bodies: completion and chat, whole or as stream chunks, and errors. */
final class OpenAiResponses {

  private final ObjectMapper json;

  OpenAiResponses(ObjectMapper json) {
    this.json = json;
  }

  /** A whole (non-streamed) response. */
  String complete(
      boolean chat,
      String id,
      long created,
      String model,
      String text,
      String finishReason,
      int promptTokens,
      int completionTokens) {
    ObjectNode root = header(chat, id, created, model, false);
    ObjectNode choice = root.putArray("choices").addObject();
    choice.put("index", 0);
    if (chat) {
      ObjectNode message = choice.putObject("message");
      message.put("role", "assistant");
      message.put("content", text);
      message.putNull("refusal");
    } else {
      choice.put("text", text);
    }
    choice.putNull("logprobs");
    choice.put("finish_reason", finishReason);
    usage(root, promptTokens, completionTokens);
    return root.toString();
  }

  /** One stream chunk carrying {@code text} and, on the last, a finish reason. */
  String chunk(
      boolean chat,
      String id,
      long created,
      String model,
      String text,
      boolean first,
      String finishReason) {
    ObjectNode root = header(chat, id, created, model, true);
    ObjectNode choice = root.putArray("choices").addObject();
    choice.put("index", 0);
    if (chat) {
      ObjectNode delta = choice.putObject("delta");
      if (first) {
        delta.put("role", "assistant");
      }
      if (text != null) {
        delta.put("content", text);
      }
    } else {
      choice.put("text", text == null ? "" : text);
    }
    choice.putNull("logprobs");
    if (finishReason == null) {
      choice.putNull("finish_reason");
    } else {
      choice.put("finish_reason", finishReason);
    }
    return root.toString();
  }

  /** The usage-only chunk sent last when {@code stream_options.include_usage} is set. */
  String usageChunk(
      boolean chat, String id, long created, String model, int promptTokens, int completionTokens) {
    ObjectNode root = header(chat, id, created, model, true);
    root.putArray("choices");
    usage(root, promptTokens, completionTokens);
    return root.toString();
  }

  /** OpenAI's error body. */
  String error(ApiError e) {
    ObjectNode root = json.createObjectNode();
    ObjectNode err = root.putObject("error");
    err.put("message", e.getMessage());
    err.put("type", e.type());
    if (e.param() == null) {
      err.putNull("param");
    } else {
      err.put("param", e.param());
    }
    if (e.code() == null) {
      err.putNull("code");
    } else {
      err.put("code", e.code());
    }
    return root.toString();
  }

  /** {@code /v1/models}: the model and each placement as {@code name:placement}. */
  String models(String modelName, Iterable<String> placements, long created) {
    ObjectNode root = json.createObjectNode();
    root.put("object", "list");
    ArrayNode data = root.putArray("data");
    model(data, modelName, created);
    for (String p : placements) {
      model(data, modelName + ":" + p, created);
    }
    return root.toString();
  }

  /** {@code /v1/models/{id}}: one model object. */
  String model(String id, long created) {
    ObjectNode m = json.createObjectNode();
    fill(m, id, created);
    return m.toString();
  }

  private static void model(ArrayNode data, String id, long created) {
    fill(data.addObject(), id, created);
  }

  private static void fill(ObjectNode m, String id, long created) {
    m.put("id", id);
    m.put("object", "model");
    m.put("created", created);
    m.put("owned_by", "gearbox");
  }

  private ObjectNode header(boolean chat, String id, long created, String model, boolean chunk) {
    ObjectNode root = json.createObjectNode();
    root.put("id", id);
    root.put(
        "object", chat ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion");
    root.put("created", created);
    root.put("model", model);
    root.put("system_fingerprint", "gearbox");
    return root;
  }

  private static void usage(ObjectNode root, int promptTokens, int completionTokens) {
    ObjectNode usage = root.putObject("usage");
    usage.put("prompt_tokens", promptTokens);
    usage.put("completion_tokens", completionTokens);
    usage.put("total_tokens", promptTokens + completionTokens);
  }
}
