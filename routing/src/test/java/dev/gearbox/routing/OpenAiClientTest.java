package dev.gearbox.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.InternalServerException;
import com.openai.errors.NotFoundException;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.models.Model;
import dev.gearbox.routing.config.ActiveConfig;
import dev.gearbox.routing.config.ConfigParser;
import dev.gearbox.routing.runtime.GrpcRuntimeClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java SDK, unchanged except for its base URL, against the router. */
class OpenAiClientTest {

  TestingRuntimeService runtime;
  GrpcRuntimeClient grpc;
  Router router;
  OpenAIClient openai;

  @BeforeEach
  void start() throws Exception {
    runtime = new TestingRuntimeService().start();
    grpc = GrpcRuntimeClient.connect("127.0.0.1", runtime.port());
    router =
        Router.builder()
            .runtime(grpc)
            .codec(TestingCodecs.bytes())
            .config(
                ActiveConfig.fixed(
                    new ConfigParser()
                        .parse(
                            "test",
                            "routing:\n"
                                + "  rules:\n"
                                + "    - match: { workload: batch }\n"
                                + "      placement: turbo\n"
                                + "limits:\n"
                                + "  perClient: { requestsPerSecond: 0.001, burst: 6 }\n")))
            .port(0)
            .start();
    openai =
        OpenAIOkHttpClient.builder()
            .apiKey("sk-test")
            .baseUrl("http://127.0.0.1:" + router.port() + "/v1")
            .maxRetries(0)
            .timeout(Duration.ofSeconds(10))
            .build();
  }

  @AfterEach
  void stop() throws Exception {
    openai.close();
    router.close();
    grpc.close();
    runtime.stop();
  }

  @Test
  void chatCompletionWholeAndStreamed() {
    ChatCompletionCreateParams params =
        ChatCompletionCreateParams.builder()
            .model("tiny")
            .addUserMessage("Say hello")
            .maxCompletionTokens(64)
            .build();
    ChatCompletion whole = openai.chat().completions().create(params);
    assertEquals(
        TestingRuntimeService.REPLY, whole.choices().getFirst().message().content().orElseThrow());
    assertEquals("tiny:all-fa", whole.model());
    assertEquals(
        ChatCompletion.Choice.FinishReason.STOP, whole.choices().getFirst().finishReason());
    assertEquals(
        TestingRuntimeService.REPLY.length(), whole.usage().orElseThrow().completionTokens());

    StringBuilder text = new StringBuilder();
    int chunks = 0;
    try (StreamResponse<ChatCompletionChunk> stream =
        openai.chat().completions().createStreaming(params)) {
      for (ChatCompletionChunk chunk : (Iterable<ChatCompletionChunk>) stream.stream()::iterator) {
        chunks++;
        for (ChatCompletionChunk.Choice c : chunk.choices()) {
          c.delta().content().ifPresent(text::append);
        }
      }
    }
    assertEquals(TestingRuntimeService.REPLY, text.toString());
    assertTrue(
        chunks > TestingRuntimeService.REPLY.length(), "one chunk per token plus role and finish");
  }

  @Test
  void legacyCompletionAndModelsAndRoutingHeaders() {
    Completion c =
        openai
            .completions()
            .create(
                CompletionCreateParams.builder()
                    .model("tiny:mixed")
                    .prompt("hi")
                    .maxTokens(5)
                    .build());
    assertEquals("Hello", c.choices().getFirst().text());
    assertEquals("length", c.choices().getFirst().finishReason().asString());

    HttpResponseFor<ChatCompletion> raw =
        openai
            .withOptions(o -> o.putHeader("x-gearbox-workload", "batch"))
            .chat()
            .completions()
            .withRawResponse()
            .create(
                ChatCompletionCreateParams.builder()
                    .model("tiny")
                    .addUserMessage("x")
                    .maxCompletionTokens(3)
                    .build());
    assertEquals("turbo", raw.headers().values("x-gearbox-placement").getFirst());
    assertEquals("rule:0", raw.headers().values("x-gearbox-reason").getFirst());
    assertEquals("Hel", raw.parse().choices().getFirst().message().content().orElseThrow());

    List<String> ids = new ArrayList<>();
    for (Model m : openai.models().list().data()) {
      ids.add(m.id());
    }
    assertEquals(List.of("tiny", "tiny:all-fa", "tiny:turbo", "tiny:mixed"), ids);
  }

  @Test
  void errorsMapToTheSdkExceptions() {
    NotFoundException missing =
        assertThrows(
            NotFoundException.class,
            () ->
                openai
                    .chat()
                    .completions()
                    .create(
                        ChatCompletionCreateParams.builder()
                            .model("tiny:warp")
                            .addUserMessage("x")
                            .build()));
    assertEquals("model_not_found", missing.code().orElseThrow());

    runtime.saturated = true;
    InternalServerException busy =
        assertThrows(
            InternalServerException.class,
            () ->
                openai
                    .chat()
                    .completions()
                    .create(
                        ChatCompletionCreateParams.builder()
                            .model("tiny")
                            .addUserMessage("x")
                            .build()));
    assertEquals(503, busy.statusCode());
    assertEquals("3", busy.headers().values("retry-after").getFirst());
    runtime.saturated = false;

    RateLimitException limited = null;
    for (int i = 0; i < 10 && limited == null; i++) {
      try {
        openai
            .completions()
            .create(
                CompletionCreateParams.builder().model("tiny").prompt("x").maxTokens(1).build());
      } catch (RateLimitException e) {
        limited = e;
      }
    }
    assertTrue(limited != null, "the burst of 6 runs out");
    assertEquals(429, limited.statusCode());
  }
}
