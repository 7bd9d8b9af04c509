package dev.gearbox.runtime.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatTemplateLoadTest {
  @TempDir Path dir;

  private static final List<ChatTemplate.Message> HI =
      List.of(
          new ChatTemplate.Message("system", "Be brief."), new ChatTemplate.Message("user", "Hi"));

  @Test
  void checkpointWithoutTemplateUsesTheDocumentedDefault() {
    ChatTemplate chat = ChatTemplate.load(dir);
    assertEquals("<|system|>\nBe brief.\n<|user|>\nHi\n<|assistant|>\n", chat.render(HI, true));
    assertEquals("<|system|>\nBe brief.\n<|user|>\nHi\n", chat.render(HI, false));
  }

  @Test
  void templateStringAndTokensComeFromTokenizerConfig() throws IOException {
    Files.writeString(
        dir.resolve("tokenizer_config.json"),
        """
        {"bos_token": {"content": "<B>"}, "eos_token": "<E>",
         "chat_template": "{{ bos_token }}{% for m in messages %}[{{ m.role }}]{{ m['content'] }}{{ eos_token }}{% endfor %}"}
        """);
    assertEquals("<B>[system]Be brief.<E>[user]Hi<E>", ChatTemplate.load(dir).render(HI, false));
  }

  @Test
  void namedTemplateListUsesDefaultAndJinjaFileWins() throws IOException {
    Files.writeString(
        dir.resolve("tokenizer_config.json"),
        """
        {"chat_template": [{"name": "tool_use", "template": "tools"},
                           {"name": "default", "template": "{{ messages|length }} messages"}]}
        """);
    assertEquals("2 messages", ChatTemplate.load(dir).render(HI, false));
    Files.writeString(dir.resolve("chat_template.jinja"), "{{ messages[-1].content }}!");
    assertEquals("Hi!", ChatTemplate.load(dir).render(HI, false));
  }

  @Test
  void malformedTemplateFieldNamesFileAndField() throws IOException {
    Path config = dir.resolve("tokenizer_config.json");
    Files.writeString(config, "{\"chat_template\": 42}");
    TokenizerFormatException e =
        assertThrows(TokenizerFormatException.class, () -> ChatTemplate.load(dir));
    assertEquals("chat_template", e.field());
    assertEquals(config, e.file());
    Files.writeString(config, "{\"chat_template\": [{\"name\": \"rag\", \"template\": \"x\"}]}");
    assertTrue(
        assertThrows(TokenizerFormatException.class, () -> ChatTemplate.load(dir))
            .getMessage()
            .contains("default"));
  }

  @Test
  void raiseExceptionCarriesTheTemplatesMessage() {
    ChatTemplate chat =
        new ChatTemplate(
            "{% if messages[0].role == 'system' %}{{ raise_exception('System role not supported')"
                + " }}{% endif %}ok",
            "", "");
    var e = assertThrows(ChatTemplate.ChatTemplateException.class, () -> chat.render(HI, false));
    assertEquals("System role not supported", e.getMessage());
    assertEquals("ok", chat.render(HI.subList(1, 2), false));
  }

  @Test
  void extraVariablesAndStrftimeNowWithAFixedClock() {
    ChatTemplate chat =
        new ChatTemplate(
            "{{ strftime_now('%A %d %B %Y %H:%M:%S %p %j %y') }}|{{ tools|length if tools is"
                + " defined else 'none' }}",
            "", "", ChatTemplateTest.FIXED);
    assertEquals("Thursday 02 January 2025 03:04:05 AM 002 25|none", chat.render(HI, false));
    assertEquals(
        "Thursday 02 January 2025 03:04:05 AM 002 25|2",
        chat.render(HI, false, Map.of("tools", List.of("a", "b"))));
    assertEquals(
        "12/31/99", TemplateFunctions.strftime(LocalDateTime.of(1999, 12, 31, 23, 0), "%m/%d/%y"));
  }

  @Test
  void messagesWithToolCallsRenderFromMaps() {
    ChatTemplate chat =
        new ChatTemplate(
            "{% for m in messages %}{% if 'tool_calls' in m %}"
                + "{% for c in m.tool_calls %}<call>{{ c.function.name }}"
                + "({{ c.function.arguments|tojson }})</call>{% endfor %}"
                + "{% else %}<{{ m.role }}>{{ m.content }}{% endif %}{% endfor %}",
            "", "");
    List<Map<String, Object>> messages =
        List.of(
            Map.of("role", "user", "content", "Weather?"),
            Map.of(
                "role",
                "assistant",
                "tool_calls",
                List.of(
                    Map.of(
                        "type",
                        "function",
                        "function",
                        Map.of("name", "get_weather", "arguments", Map.of("city", "Oslo"))))));
    assertEquals(
        "<user>Weather?<call>get_weather({\"city\": \"Oslo\"})</call>",
        chat.renderMessages(messages, false, Map.of()));
  }

  @Test
  void unknownFunctionIsAClearError() {
    ChatTemplate chat = new ChatTemplate("{{ no_such_function(1) }}", "", "");
    var e = assertThrows(ChatTemplate.ChatTemplateException.class, () -> chat.render(HI, false));
    assertTrue(e.getMessage().contains("line 1"), e.getMessage());
  }
}
