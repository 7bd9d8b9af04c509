package dev.gearbox.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gearbox.routing.runtime.GrpcRuntimeClient;
import dev.gearbox.routing.text.TokenizerCodec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Chat prompts are rendered with the Jinja template of the checkpoint's tokenizer_config.json. */
class ChatTemplateRoutingTest {

  static final String TEMPLATE =
      "{% for m in messages %}{% if m['role'] == 'developer' %}{{ raise_exception('developer messages are not"
          + " supported') }}{% endif %}[{{ m['role'] | upper }}] {{ m['content'] | trim }}\n"
          + "{% endfor %}{% if add_generation_prompt %}<ASSISTANT>{% endif %}";

  @TempDir Path modelDir;

  @Test
  void chatIsRenderedWithTheCheckpointTemplate() throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode tokenizerConfig = json.createObjectNode().put("chat_template", TEMPLATE);
    Files.writeString(modelDir.resolve("tokenizer_config.json"), tokenizerConfig.toString());
    Files.writeString(
        modelDir.resolve("config.json"),
        "{\"bos_token_id\": 1, \"eos_token_id\": 2, \"vocab_size\": 256}");
    TestingRuntimeService runtime = new TestingRuntimeService().start();
    try (GrpcRuntimeClient grpc = GrpcRuntimeClient.connect("127.0.0.1", runtime.port());
        Router router =
            Router.builder()
                .runtime(grpc)
                .codec(TokenizerCodec.forCheckpoint(modelDir, 256))
                .port(0)
                .start()) {
      HttpClient http = HttpClient.newHttpClient();
      URI uri = URI.create("http://127.0.0.1:" + router.port() + "/v1/chat/completions");
      HttpResponse<String> ok =
          http.send(
              HttpRequest.newBuilder(uri)
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"model\":\"tiny\",\"messages\":[{\"role\":\"system\",\"content\":\"Be"
                              + " brief. \"},{\"role\":\"user\",\"content\":\"Hi\"}]}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, ok.statusCode(), ok.body());
      List<Integer> ids = new ArrayList<>(runtime.received.peek().getPromptTokenIds().getIdsList());
      assertEquals(1, ids.removeFirst(), "BOS from config.json");
      byte[] bytes = new byte[ids.size()];
      for (int i = 0; i < bytes.length; i++) {
        bytes[i] = (byte) (int) ids.get(i);
      }
      assertEquals(
          "[SYSTEM] Be brief.\n[USER] Hi\n<ASSISTANT>", new String(bytes, StandardCharsets.UTF_8));

      HttpResponse<String> rejected =
          http.send(
              HttpRequest.newBuilder(uri)
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"model\":\"tiny\",\"messages\":[{\"role\":\"developer\",\"content\":\"42\"}]}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(400, rejected.statusCode());
      // A role the router accepts but the checkpoint's template refuses: the template's own words.
      assertTrue(rejected.body().contains("developer messages are not supported"), rejected.body());
      assertEquals(1, runtime.received.size());
    } finally {
      runtime.stop();
    }
  }
}
