package dev.gearbox.runtime.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders a checkpoint's chat template (the Jinja {@code chat_template} of {@code
 * tokenizer_config.json}) into the prompt text for a list of chat messages, as HF transformers'
 * {@code apply_chat_template} does.
 */
public final class ChatTemplate {

  /**
   * Used when the checkpoint has none: each message becomes {@code <|role|>\ncontent\n}, and the
   * generation prompt is {@code <|assistant|>\n}.
   */
  public static final String DEFAULT_TEMPLATE =
      "{% for message in messages %}{{ '<|' + message['role'] + '|>\\n"
          + "' + message['content'] + '\\n"
          + "' }}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\\n"
          + "' }}{% endif %}";

  /** One chat message. */
  public record Message(String role, String content) {}

  private final String source;
  private final String bosToken;
  private final String eosToken;
  private final Jinjava jinjava;
  private final Clock clock;

  public ChatTemplate(String source, String bosToken, String eosToken) {
    this(source, bosToken, eosToken, Clock.systemDefaultZone());
  }

  /** With an explicit clock for {@code strftime_now}, so tests are reproducible. */
  public ChatTemplate(String source, String bosToken, String eosToken, Clock clock) {
    this.source = source;
    this.bosToken = bosToken == null ? "" : bosToken;
    this.eosToken = eosToken == null ? "" : eosToken;
    this.jinjava = new Jinjava(JinjaCompat.config());
    TemplateFunctions.register(jinjava);
    this.clock = clock;
  }

  /**
   * Reads the template of a model directory: {@code chat_template.jinja} if present, else {@code
   * tokenizer_config.json}'s {@code chat_template} (a string, or a list of named templates of which
   * "default" is used), else {@link #DEFAULT_TEMPLATE}.
   */
  public static ChatTemplate load(Path modelDir) {
    Path config = modelDir.resolve("tokenizer_config.json");
    JsonNode root = null;
    if (Files.isRegularFile(config)) {
      try {
        root = new ObjectMapper().readTree(config.toFile());
      } catch (IOException e) {
        throw new TokenizerFormatException(config, "$", "not valid JSON: " + e.getMessage(), e);
      }
    }
    String bos = root == null ? null : SpecialTokens.tokenText(root.get("bos_token"));
    String eos = root == null ? null : SpecialTokens.tokenText(root.get("eos_token"));
    Path jinjaFile = modelDir.resolve("chat_template.jinja");
    if (Files.isRegularFile(jinjaFile)) {
      try {
        return new ChatTemplate(Files.readString(jinjaFile), bos, eos);
      } catch (IOException e) {
        throw new TokenizerFormatException(jinjaFile, "$", "cannot read: " + e.getMessage(), e);
      }
    }
    JsonNode template = root == null ? null : root.get("chat_template");
    if (template == null || template.isNull()) {
      return new ChatTemplate(DEFAULT_TEMPLATE, bos, eos);
    }
    if (template.isTextual()) {
      return new ChatTemplate(template.asText(), bos, eos);
    }
    if (template.isArray()) {
      for (JsonNode named : template) {
        if ("default".equals(named.path("name").asText()) && named.path("template").isTextual()) {
          return new ChatTemplate(named.get("template").asText(), bos, eos);
        }
      }
      throw new TokenizerFormatException(
          config, "chat_template", "list of templates has no entry named \"default\"");
    }
    throw new TokenizerFormatException(
        config, "chat_template", "expected a string or a list of {name, template}");
  }

  /** Renders the prompt; {@code addGenerationPrompt} appends the assistant turn header. */
  public String render(List<Message> messages, boolean addGenerationPrompt) {
    return render(messages, addGenerationPrompt, Map.of());
  }

  /**
   * Renders with extra template variables (e.g. {@code tools}, {@code date_string}).
   *
   * @throws ChatTemplateException if the template calls {@code raise_exception} or fails
   */
  public String render(
      List<Message> messages, boolean addGenerationPrompt, Map<String, Object> extra) {
    List<Map<String, Object>> list = new ArrayList<>(messages.size());
    for (Message m : messages) {
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("role", m.role());
      map.put("content", m.content());
      list.add(map);
    }
    return renderMessages(list, addGenerationPrompt, extra);
  }

  /**
   * Renders messages given as maps, for callers that carry more than role and content (OpenAI
   * {@code tool_calls}, {@code tool_call_id}, {@code name}); values may be nested maps and lists.
   *
   * @throws ChatTemplateException if the template calls {@code raise_exception} or fails
   */
  public String renderMessages(
      List<? extends Map<String, ?>> messages,
      boolean addGenerationPrompt,
      Map<String, Object> extra) {
    Map<String, Object> context = new HashMap<>(extra);
    context.put("messages", messages);
    context.put("add_generation_prompt", addGenerationPrompt);
    context.put("bos_token", bosToken);
    context.put("eos_token", eosToken);
    // HF templates test `strftime_now is defined` before calling it; functions are not variables
    // in Jinjava, so a marker variable makes that test true.
    context.put("strftime_now", Boolean.TRUE);
    context.put(TemplateFunctions.CLOCK_VARIABLE, clock);
    RenderResult result = jinjava.renderForResult(source, context);
    for (TemplateError error : result.getErrors()) {
      if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
        throw new ChatTemplateException(TemplateFunctions.userMessage(error), error.getException());
      }
    }
    return result.getOutput();
  }

  /** Thrown when a chat template rejects the conversation or cannot be rendered. */
  public static final class ChatTemplateException extends RuntimeException {
    public ChatTemplateException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
