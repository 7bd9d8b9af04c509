package dev.gearbox.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gearbox.routing.config.ActiveConfig;
import dev.gearbox.routing.config.ConfigParser;
import dev.gearbox.routing.local.InProcessRuntime;
import dev.gearbox.routing.runtime.GrpcRuntimeClient;
import dev.gearbox.routing.text.TokenizerCodec;
import dev.gearbox.runtime.api.v1.RuntimeGrpc;
import dev.gearbox.runtime.api.v1.StatsRequest;
import dev.gearbox.runtime.api.v1.StatsResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A bounded load through the router to the real runtime: every request is answered exactly once,
 * and the runtime saw exactly the prompts and generated exactly the tokens the answers report.
 */
class RoutingLoadTest {

  static final Path MODEL =
      Path.of(System.getProperty("gearbox.golden.dir", "../runtime/src/test/resources/golden/apriel2-tiny"));
  static final ObjectMapper JSON = new ObjectMapper();
  static final int REQUESTS = 240;
  static final int CONCURRENCY = 24;

  @Test
  void noRequestIsLostOrDuplicated() throws Exception {
    try (InProcessRuntime runtime = InProcessRuntime.start(MODEL, List.of(), 256L << 20, 0, 2);
        GrpcRuntimeClient grpc = GrpcRuntimeClient.connect("127.0.0.1", runtime.port());
        Router router =
            Router.builder()
                .runtime(grpc)
                .codec(TokenizerCodec.forCheckpoint(MODEL, runtime.model().vocabSize()))
                .config(
                    ActiveConfig.fixed(
                        new ConfigParser()
                            .parse(
                                "load",
                                "routing:\n"
                                    + "  rules:\n"
                                    + "    - match: { workload: batch }\n"
                                    + "      placement: all-gdn\n"
                                    + "    - match: { workload: agent }\n"
                                    + "      placement: all-swa\n")))
                .port(0)
                .start()) {
      HttpClient http = HttpClient.newHttpClient();
      Semaphore inFlight = new Semaphore(CONCURRENCY);
      List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
      String[] workloads = {"chat", "batch", "agent"};
      for (int i = 0; i < REQUESTS; i++) {
        boolean stream = i % 2 == 0;
        String body =
            "{\"model\":\"apriel2-tiny\",\"prompt\":\"request "
                + i
                + "\",\"max_tokens\":"
                + (4 + i % 7)
                + ",\"temperature\":0.7,\"seed\":"
                + i
                + ",\"stream\":"
                + stream
                + ",\"stream_options\":{\"include_usage\":true}}";
        inFlight.acquire();
        futures.add(
            http.sendAsync(
                    HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + router.port() + "/v1/completions"))
                        .header("x-gearbox-workload", workloads[i % 3])
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .whenComplete((r, e) -> inFlight.release()));
      }
      Set<String> ids = new HashSet<>();
      long promptTokens = 0;
      long completionTokens = 0;
      for (int i = 0; i < REQUESTS; i++) {
        HttpResponse<String> r = futures.get(i).get(60, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode usage;
        String id;
        if (i % 2 == 0) {
          assertTrue(r.body().endsWith("data: [DONE]\n\n"), r.body());
          String[] events = r.body().split("\n\n");
          usage = JSON.readTree(events[events.length - 2].substring(6)).get("usage");
          id = JSON.readTree(events[0].substring(6)).get("id").asText();
          for (int e = 0; e < events.length - 1; e++) {
            assertEquals(
                id, JSON.readTree(events[e].substring(6)).get("id").asText(), "one stream, one id");
          }
        } else {
          JsonNode body = JSON.readTree(r.body());
          usage = body.get("usage");
          id = body.get("id").asText();
        }
        assertTrue(ids.add(id), "duplicate response id " + id);
        // One token per byte plus BOS: the prompt length identifies which request this answers.
        assertEquals(
            ("request " + i).length() + 1,
            usage.get("prompt_tokens").asInt(),
            "each answer is for its own prompt");
        assertTrue(usage.get("completion_tokens").asInt() <= 4 + i % 7);
        promptTokens += usage.get("prompt_tokens").asInt();
        completionTokens += usage.get("completion_tokens").asInt();
      }
      assertEquals(REQUESTS, ids.size());

      ManagedChannel channel =
          ManagedChannelBuilder.forAddress("127.0.0.1", runtime.port()).usePlaintext().build();
      try {
        StatsResponse stats =
            RuntimeGrpc.newBlockingStub(channel).stats(StatsRequest.getDefaultInstance());
        assertEquals(
            promptTokens,
            stats.getPromptTokensTotal(),
            "the runtime prefilled each prompt exactly once");
        assertEquals(
            completionTokens,
            stats.getGenerationTokensTotal(),
            "and generated exactly the answered tokens");
        assertEquals(0, stats.getRunning());
      } finally {
        channel.shutdownNow();
      }
      String metrics = router.registry().scrape();
      double answered = 0;
      for (String line : metrics.split("\n")) {
        if (line.startsWith("gearbox_router_requests_total{") && line.contains("status=\"200\"")) {
          answered += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
      assertEquals(REQUESTS, answered, metrics);
    }
  }
}
