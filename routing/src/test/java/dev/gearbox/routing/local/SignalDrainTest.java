package dev.gearbox.routing.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gearbox.runtime.api.v1.GenerateRequest;
import dev.gearbox.runtime.api.v1.GenerateResponse;
import dev.gearbox.runtime.api.v1.RuntimeGrpc;
import dev.gearbox.runtime.api.v1.SamplingParams;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM (what {@link Process#destroy} sends, and what Kubernetes sends) on a real {@code gearbox
 * up} and {@code gearbox serve} process with a stream in flight: the stream ends properly (an SSE
 * error event and {@code [DONE]}, or gRPC UNAVAILABLE) after the grace period, and the process
 * exits instead of hanging.
 */
class SignalDrainTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  @Test
  @Timeout(120)
  void upDrainsAStreamToAnErrorEventAndExits() throws Exception {
    Launched up =
        launch(
            List.of(
                LocalMode.class.getName(), "--port", "0", "--threads", "2", "--grace-seconds", "1"));
    try {
      Matcher endpoint = up.await(Pattern.compile("OpenAI-compatible endpoint: (http://\\S+)/v1"));
      up.await(Pattern.compile("Serving until Ctrl-C.*"));
      HttpResponse<InputStream> stream =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(endpoint.group(1) + "/v1/completions"))
                      .header("content-type", "application/json")
                      .POST(
                          HttpRequest.BodyPublishers.ofString(
                              "{\"model\":\"gearbox-tiny\",\"prompt\":\"In the beginning\","
                                  + "\"max_tokens\":4000,\"stream\":true}"))
                      .build(),
                  HttpResponse.BodyHandlers.ofInputStream());
      assertEquals(200, stream.statusCode());
      BufferedReader reader =
          new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8));
      assertTrue(reader.readLine().startsWith("data: {"));
      // SIGTERM through the handle: Process.destroy() would also close our end of its stdout.
      up.process().toHandle().destroy();
      List<String> events = new ArrayList<>();
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        if (line.startsWith("data: ")) {
          events.add(line.substring(6));
        }
      }
      assertEquals("[DONE]", events.getLast());
      assertEquals(
          "runtime_unavailable",
          JSON.readTree(events.get(events.size() - 2)).at("/error/code").asText(),
          "an error event before [DONE]");
      assertTrue(up.process().waitFor(30, TimeUnit.SECONDS), "gearbox up exits after draining");
      up.await(Pattern.compile("gearbox up: stopped"));
    } finally {
      up.process().destroyForcibly();
    }
  }

  @Test
  @Timeout(120)
  void serveDrainsAStreamToUnavailableAndExits() throws Exception {
    Launched serve =
        launch(
            List.of(
                dev.gearbox.runtime.cli.Main.class.getName(),
                "serve",
                "--model",
                "examples/models/gearbox-tiny",
                "--port",
                "0",
                "--metrics-port",
                "0",
                "--grace-seconds",
                "1"));
    ManagedChannel channel = null;
    try {
      Matcher started = serve.await(Pattern.compile(".*gRPC port (\\d+),.*"));
      channel =
          NettyChannelBuilder.forAddress("127.0.0.1", Integer.parseInt(started.group(1)))
              .usePlaintext()
              .build();
      Iterator<GenerateResponse> tokens =
          RuntimeGrpc.newBlockingStub(channel)
              .generate(
                  GenerateRequest.newBuilder()
                      .setPromptText("In the beginning")
                      .setMaxTokens(4000)
                      .setSampling(SamplingParams.newBuilder().setTemperature(0))
                      .build());
      assertNotNull(tokens.next());
      serve.process().toHandle().destroy(); // SIGTERM
      StatusRuntimeException end =
          assertThrows(
              StatusRuntimeException.class,
              () -> {
                while (tokens.hasNext()) {
                  tokens.next();
                }
              });
      assertEquals(Status.Code.UNAVAILABLE, end.getStatus().getCode(), end.toString());
      assertTrue(serve.process().waitFor(30, TimeUnit.SECONDS), "gearbox serve exits after draining");
    } finally {
      if (channel != null) {
        channel.shutdownNow();
      }
      serve.process().destroyForcibly();
    }
  }

  record Launched(Process process, BlockingQueue<String> lines) {
    /** The first stdout line matching {@code pattern}, waiting up to a minute. */
    Matcher await(Pattern pattern) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline) {
        String line = lines.poll(1, TimeUnit.SECONDS);
        if (line != null) {
          Matcher m = pattern.matcher(line);
          if (m.matches() || m.find()) {
            return m;
          }
        }
      }
      throw new AssertionError("no line matching " + pattern + " within 60 s");
    }
  }

  private Launched launch(List<String> mainAndArgs) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("--add-modules", "jdk.incubator.vector", "-Xmx1g", "-cp"));
    cmd.add(System.getProperty("java.class.path"));
    cmd.addAll(mainAndArgs);
    Process p =
        new ProcessBuilder(cmd)
            .directory(ROOT.toFile())
            .redirectError(tmp.resolve("stderr.txt").toFile())
            .start();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                  lines.add(line);
                }
              } catch (java.io.IOException e) {
                // the process ended
              }
            },
            "stdout-" + p.pid());
    reader.setDaemon(true);
    reader.start();
    return new Launched(p, lines);
  }
}
