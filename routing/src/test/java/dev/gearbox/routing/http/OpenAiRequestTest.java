package dev.gearbox.routing.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** What the OpenAI endpoints accept, and the 400 for everything they would otherwise ignore. */
class OpenAiRequestTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CHAT = "\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
  private static final String COMPLETION = "\"model\":\"m\",\"prompt\":\"hi\"";

  private static OpenAiRequest parse(String body, boolean chat) {
    return OpenAiRequest.parse(JSON, body.getBytes(StandardCharsets.UTF_8), chat);
  }

  private static ApiError error(String body, boolean chat) {
    return assertThrows(ApiError.class, () -> parse(body, chat));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "tools|[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]",
        "tool_choice|\"auto\"",
        "response_format|{\"type\":\"json_object\"}",
        "logprobs|true",
        "top_logprobs|3",
        "frequency_penalty|0.5",
        "presence_penalty|1",
        "logit_bias|{\"50\":-100}",
        "functions|[{\"name\":\"f\"}]",
        "top_k|40",
        "reasoning_effort|\"high\"",
        "modalities|[\"text\",\"audio\"]",
        "made_up_field|1"
      })
  void everyUnsupportedChatParameterIsA400NamingIt(String field, String value) {
    ApiError e = error("{" + CHAT + ",\"" + field + "\":" + value + "}", true);
    assertEquals(400, e.status());
    assertEquals(field, e.param());
    assertEquals("unsupported_parameter", e.code());
    assertTrue(e.getMessage().startsWith("'" + field + "' is not supported"), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {"logprobs|2", "best_of|3", "suffix|\"end\"", "messages|[]"})
  void everyUnsupportedCompletionParameterIsA400NamingIt(String field, String value) {
    ApiError e = error("{" + COMPLETION + ",\"" + field + "\":" + value + "}", false);
    assertEquals(field, e.param());
    assertEquals("unsupported_parameter", e.code());
  }

  @Test
  void parametersAtTheirOffValueAreAccepted() {
    OpenAiRequest r =
        parse(
            "{" + CHAT + ",\"frequency_penalty\":0,\"presence_penalty\":0.0,\"logprobs\":false,"
                + "\"tools\":[],\"tool_choice\":\"none\",\"logit_bias\":{},\"user\":\"u1\","
                + "\"response_format\":{\"type\":\"text\"},\"n\":1,\"top_logprobs\":null}",
            true);
    assertEquals("hi", r.messages().getFirst().content());
    assertFalse(parse("{" + COMPLETION + ",\"echo\":false,\"best_of\":1,\"suffix\":\"\"}", false).echo());
    assertTrue(parse("{" + COMPLETION + ",\"echo\":true}", false).echo());
    ApiError chatEcho = error("{" + CHAT + ",\"echo\":true}", true);
    assertEquals("echo", chatEcho.param(), "echo exists on completions only");
  }

  @Test
  void theOpenApiDocumentListsExactlyTheAcceptedFields() throws Exception {
    var doc = JSON.readTree(HttpFront.OPENAPI);
    assertEquals("3.1.0", doc.get("openapi").asText());
    for (String[] endpoint :
        new String[][] {{"/v1/completions", "false"}, {"/v1/chat/completions", "true"}}) {
      var schema =
          doc.at(
              "/paths/" + endpoint[0].replace("/", "~1")
                  + "/post/requestBody/content/application~1json/schema");
      java.util.Set<String> documented = new java.util.TreeSet<>();
      schema.get("properties").fieldNames().forEachRemaining(documented::add);
      java.util.Set<String> accepted = new java.util.TreeSet<>(OpenAiRequest.COMMON);
      accepted.addAll(
          Boolean.parseBoolean(endpoint[1]) ? OpenAiRequest.CHAT_ONLY : OpenAiRequest.COMPLETION_ONLY);
      assertEquals(accepted, documented, endpoint[0]);
      assertFalse(schema.get("additionalProperties").asBoolean(), "other fields are a 400");
    }
    for (String path : new String[] {"/v1/models", "/v1/models/{id}", "/health", "/metrics", "/openapi.json"}) {
      assertTrue(doc.get("paths").has(path), path);
    }
  }

  @Test
  void nAboveOneIsA400() {
    ApiError e = error("{" + CHAT + ",\"n\":2}", true);
    assertEquals("n", e.param());
    assertTrue(e.getMessage().contains("only n=1"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"tool", "function", "robot"})
  void rolesOtherThanTextChatRolesAreRejected(String role) {
    ApiError e =
        error("{\"model\":\"m\",\"messages\":[{\"role\":\"" + role + "\",\"content\":\"x\"}]}", true);
    assertEquals("messages[0].role", e.param());
    assertTrue(e.getMessage().contains("[system, developer, user, assistant]"), e.getMessage());
  }

  @Test
  void nullContentAndToolCallsAreRejected() {
    ApiError nullContent =
        error(
            "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"},"
                + "{\"role\":\"assistant\",\"content\":null}]}",
            true);
    assertEquals("messages[1].content", nullContent.param());
    assertEquals("missing_required_parameter", nullContent.code());
    ApiError missing = error("{\"model\":\"m\",\"messages\":[{\"role\":\"user\"}]}", true);
    assertEquals("messages[0].content", missing.param());
    ApiError toolCalls =
        error(
            "{\"model\":\"m\",\"messages\":[{\"role\":\"assistant\",\"content\":\"a\","
                + "\"tool_calls\":[{\"id\":\"1\"}]}]}",
            true);
    assertEquals("messages[0].tool_calls", toolCalls.param());
    ApiError image =
        error(
            "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":"
                + "[{\"type\":\"image_url\",\"image_url\":{\"url\":\"x\"}}]}]}",
            true);
    assertEquals("messages[0].content[0]", image.param());
  }

  @Test
  void jsonErrorsSayWhereWithoutLibraryInternals() {
    ApiError e = error("{\"model\":", true);
    assertEquals("invalid_json", e.code());
    assertTrue(e.getMessage().startsWith("request body is not valid JSON: "), e.getMessage());
    assertTrue(e.getMessage().contains("line 1, column"), e.getMessage());
    for (String internal : new String[] {"Source", "REDACTED", "StreamReadFeature", "jackson", "[", "\n"}) {
      assertFalse(e.getMessage().contains(internal), internal + " in: " + e.getMessage());
    }
    ApiError garbage = error("{\"model\": tru}", true);
    assertFalse(garbage.getMessage().contains("Source"), garbage.getMessage());
  }
}
