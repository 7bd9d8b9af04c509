package dev.gearbox.runtime.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Renders public chat templates and compares with Python Jinja2 output (see src/test/python). */
class ChatTemplateTest {
  static final Clock FIXED =
      Clock.fixed(LocalDateTime.of(2025, 1, 2, 3, 4, 5).toInstant(ZoneOffset.UTC), ZoneOffset.UTC);

  static Stream<Arguments> cases() throws IOException {
    JsonNode root =
        new ObjectMapper()
            .readTree(ByteLevelBpeTokenizerTest.resource("templates/expected.json").toFile());
    List<Arguments> out = new ArrayList<>();
    for (JsonNode c : root.get("cases")) {
      out.add(
          Arguments.of(
              c.get("template").asText(),
              c.get("conversation").asText(),
              c,
              root.get("conversations")));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} / {1}")
  @MethodSource("cases")
  void rendersLikeJinja2(String template, String conversation, JsonNode c, JsonNode conversations)
      throws IOException {
    String source =
        Files.readString(ByteLevelBpeTokenizerTest.resource("templates/" + template + ".jinja"));
    List<ChatTemplate.Message> messages = new ArrayList<>();
    for (JsonNode m : conversations.get(conversation)) {
      messages.add(new ChatTemplate.Message(m.get("role").asText(), m.get("content").asText()));
    }
    ChatTemplate chat = new ChatTemplate(source, "<s>", "</s>", FIXED);
    boolean generationPrompt = c.get("addGenerationPrompt").asBoolean();
    if (c.has("error")) {
      ChatTemplate.ChatTemplateException e =
          assertThrows(
              ChatTemplate.ChatTemplateException.class,
              () -> chat.render(messages, generationPrompt));
      assertEquals(c.get("error").asText(), e.getMessage());
    } else {
      assertEquals(c.get("rendered").asText(), chat.render(messages, generationPrompt));
    }
  }
}
