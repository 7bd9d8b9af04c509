package dev.gearbox.routing.bench;

import dev.gearbox.routing.Router;
import dev.gearbox.routing.config.ActiveConfig;
import dev.gearbox.routing.config.ConfigParser;
import dev.gearbox.routing.local.InProcessRuntime;
import dev.gearbox.routing.runtime.GrpcRuntimeClient;
import dev.gearbox.routing.runtime.RuntimeLoad;
import dev.gearbox.routing.text.TokenizerCodec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The soak of docs/benchmarks/routing.md: the real runtime (CPU backend) in process on loopback,
 * the router in front, {@link Soak} with n requests, then {@code /drain} while a last wave of
 * streamed requests is in flight, then checks that the runtime holds no sequence and no memory.
 *
 * <pre>
 * SoakBenchmark [MODEL_DIR] [requests, 10000] [concurrency, 32] [cancel share, 0.1]
 * </pre>
 */
public final class SoakBenchmark {

  public static void main(String[] args) throws Exception {
    Path model = Path.of(args.length > 0 ? args[0] : "examples/models/gearbox-tiny");
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
    int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 32;
    double cancels = args.length > 3 ? Double.parseDouble(args[3]) : 0.1;
    Outcome o = soak(model, n, concurrency, cancels, 1);
    System.out.println(o);
    System.exit(o.clean() ? 0 : 1);
  }

  /**
   * The soak's result and the checks after it.
   *
   * @param soak the soak itself
   * @param drainedInFlight streamed requests in flight when /drain was called that ended 200
   * @param drainInFlight how many were in flight
   * @param refusedWhileDraining a request sent during the drain got 503
   * @param drainAnswer /drain's body
   * @param runtimeAfter the runtime's load after everything ended
   * @param routerInFlight the router's in-flight count after everything ended
   */
  public record Outcome(
      Soak.Result soak,
      int drainedInFlight,
      int drainInFlight,
      boolean refusedWhileDraining,
      String drainAnswer,
      RuntimeLoad runtimeAfter,
      int routerInFlight) {

    /** 0 lost, 0 duplicated, 0 hung, drain finished its in-flight requests, nothing leaked. */
    public boolean clean() {
      return soak.hung() == 0
          && soak.duplicated() == 0
          && soak.malformed() == 0
          && soak.accounted() == soak.sent()
          && drainedInFlight == drainInFlight
          && refusedWhileDraining
          && drainAnswer.contains("\"drained\":true")
          && runtimeAfter.runningSequences() == 0
          && runtimeAfter.queuedSequences() == 0
          && runtimeAfter.memoryBytesInUse() == 0
          && routerInFlight == 0;
    }

    @Override
    public String toString() {
      return soak
          + "\n/drain with "
          + drainInFlight
          + " streams in flight: "
          + drainedInFlight
          + " finished 200, new request refused with 503: "
          + refusedWhileDraining
          + ", /drain answered "
          + drainAnswer
          + "\nafter: runtime running="
          + runtimeAfter.runningSequences()
          + " waiting="
          + runtimeAfter.queuedSequences()
          + " bytes held="
          + runtimeAfter.memoryBytesInUse()
          + ", router in flight="
          + routerInFlight
          + "\nclean: "
          + clean();
    }
  }

  /** Runs the whole soak; see the class comment. */
  public static Outcome soak(Path modelDir, int n, int concurrency, double cancels, long seed)
      throws Exception {
    try (InProcessRuntime runtime = InProcessRuntime.start(modelDir, List.of(), 256L << 20, 0, 2);
        GrpcRuntimeClient grpc = GrpcRuntimeClient.connect("127.0.0.1", runtime.port());
        Router router =
            Router.builder()
                .runtime(grpc)
                .codec(TokenizerCodec.forCheckpoint(modelDir, runtime.model().vocabSize()))
                .config(
                    ActiveConfig.fixed(
                        new ConfigParser()
                            .parse(
                                "soak",
                                "routing:\n  rules:\n    - match: { workload: batch }\n"
                                    + "      placement: all-gdn\n    - match: { workload: agent }\n"
                                    + "      placement: all-swa\n")))
                .port(0)
                .start()) {
      List<String> placements = grpc.info().placementNames();
      Soak.Result result =
          Soak.run(router.port(), runtime.modelName(), placements, n, concurrency, cancels, seed, 30);

      // Drain under load: a wave of long streams, then /drain, then one more request.
      HttpClient http = HttpClient.newHttpClient();
      URI completions = URI.create("http://127.0.0.1:" + router.port() + "/v1/completions");
      String longStream =
          "{\"model\":\"" + runtime.modelName() + "\",\"prompt\":\"And God said\",\"max_tokens\":64,"
              + "\"temperature\":0,\"stream\":true}";
      List<CompletableFuture<HttpResponse<String>>> wave = new ArrayList<>();
      int waveSize = Math.min(16, concurrency);
      for (int i = 0; i < waveSize; i++) {
        wave.add(http.sendAsync(post(completions, longStream), HttpResponse.BodyHandlers.ofString()));
      }
      long until = System.nanoTime() + 10_000_000_000L;
      while (router.gate().inFlight() < waveSize && System.nanoTime() < until) {
        Thread.sleep(1);
      }
      int inFlight = router.gate().inFlight();
      CompletableFuture<HttpResponse<String>> drain =
          http.sendAsync(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + router.port() + "/drain?timeoutSeconds=60"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      while (!router.gate().draining()) {
        Thread.sleep(1);
      }
      int refused = http.send(post(completions, longStream), HttpResponse.BodyHandlers.ofString()).statusCode();
      int finishedOk = 0;
      for (var f : wave) {
        HttpResponse<String> r = f.get();
        if (r.statusCode() == 200 && r.body().endsWith("data: [DONE]\n\n") && !r.body().contains("\"error\"")) {
          finishedOk++;
        }
      }
      String drained = drain.get().body();
      long end = System.nanoTime() + 5_000_000_000L;
      RuntimeLoad after = grpc.load();
      while ((after.runningSequences() > 0 || after.memoryBytesInUse() > 0) && System.nanoTime() < end) {
        Thread.sleep(10);
        after = grpc.load();
      }
      return new Outcome(
          result, finishedOk, waveSize, refused == 503, drained, after, router.gate().inFlight());
    }
  }

  private static HttpRequest post(URI uri, String body) {
    return HttpRequest.newBuilder(uri)
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }
}
