package dev.gearbox.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.routing.config.ActiveConfig;
import dev.gearbox.routing.config.RouterConfig;
import dev.gearbox.routing.runtime.GrpcRuntimeClient;
import dev.gearbox.routing.text.TokenizerCodec;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The runtime as a separate process, SIGKILLed while streams are in flight: every client gets a
 * clean end (an SSE error event and [DONE]) within seconds, requests while it is down get a 503
 * at once, and the router serves again when a runtime comes back on the same port.
 */
class RuntimeKillTest {
  static final Path MODEL =
      Path.of(System.getProperty("gearbox.golden.dir", "../runtime/src/test/resources/golden/apriel2-tiny"));
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void killedMidStreamThenRestarted() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    Process runtime = startRuntime(port);
    try (GrpcRuntimeClient grpc = GrpcRuntimeClient.connect("127.0.0.1", port);
        Router router =
            Router.builder()
                .runtime(grpc)
                .codec(TokenizerCodec.forCheckpoint(MODEL, 1 << 16))
                .config(ActiveConfig.fixed(RouterConfig.defaults()))
                .port(0)
                .start()) {
      awaitReady(router, 120);
      URI completions = URI.create("http://127.0.0.1:" + router.port() + "/v1/completions");
      String stream = "{\"model\":\"apriel2-tiny\",\"prompt\":\"In the beginning\",\"max_tokens\":3000,\"stream\":true}";
      List<CompletableFuture<List<String>>> streams = new ArrayList<>();
      List<CompletableFuture<Void>> firstTokens = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        CompletableFuture<Void> first = new CompletableFuture<>();
        firstTokens.add(first);
        streams.add(
            http.sendAsync(post(completions, stream), HttpResponse.BodyHandlers.ofLines())
                .thenApply(
                    r ->
                        r.body()
                            .peek(line -> first.complete(null))
                            .filter(line -> line.startsWith("data: "))
                            .collect(Collectors.toList())));
      }
      CompletableFuture.allOf(firstTokens.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

      runtime.destroyForcibly(); // SIGKILL
      long killed = System.nanoTime();
      runtime.waitFor(10, TimeUnit.SECONDS);
      for (CompletableFuture<List<String>> s : streams) {
        List<String> events = s.get(10, TimeUnit.SECONDS);
        assertEquals("data: [DONE]", events.get(events.size() - 1), "the stream ends cleanly");
        assertTrue(events.get(events.size() - 2).contains("\"error\""), "an SSE error event: " + events.get(events.size() - 2));
      }
      double endedAfter = (System.nanoTime() - killed) / 1e9;
      assertTrue(endedAfter < 5, "every stream ended " + endedAfter + " s after the kill");

      long asked = System.nanoTime();
      HttpResponse<String> down =
          http.send(post(completions, "{\"model\":\"apriel2-tiny\",\"prompt\":\"hi\",\"max_tokens\":2}"),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(503, down.statusCode(), down.body());
      assertTrue(down.headers().firstValue("retry-after").isPresent());
      assertTrue((System.nanoTime() - asked) / 1e9 < 3, "refused at once while the runtime is down");

      runtime = startRuntime(port);
      long restarted = System.nanoTime();
      awaitReady(router, 120);
      HttpResponse<String> back =
          http.send(post(completions, "{\"model\":\"apriel2-tiny\",\"prompt\":\"hi\",\"max_tokens\":2}"),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, back.statusCode(), back.body());
      System.out.printf(
          "runtime SIGKILL: %d streams ended with an SSE error within %.2f s; 503 while down;"
              + " serving again %.1f s after the restart%n",
          streams.size(), endedAfter, (System.nanoTime() - restarted) / 1e9);
    } finally {
      runtime.destroyForcibly();
      runtime.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static Process startRuntime(int port) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(
            java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
            "dev.gearbox.runtime.cli.Main", "serve", "--model", MODEL.toString(),
            "--port", Integer.toString(port), "--metrics-port", "0", "--memory-budget", "256m")
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
  }

  private void awaitReady(Router router, int seconds) throws Exception {
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    URI ready = URI.create("http://127.0.0.1:" + router.port() + "/ready");
    while (System.nanoTime() < end) {
      router.runtimeView().refresh();
      if (http.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("router not ready within " + seconds + " s");
  }

  private static HttpRequest post(URI uri, String body) {
    return HttpRequest.newBuilder(uri)
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }
}
