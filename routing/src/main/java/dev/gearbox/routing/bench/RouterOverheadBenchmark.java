package dev.gearbox.routing.bench;

import dev.gearbox.routing.Router;
import dev.gearbox.routing.config.ActiveConfig;
import dev.gearbox.routing.config.RouterConfig;
import dev.gearbox.routing.local.InProcessRuntime;
import dev.gearbox.routing.runtime.GenerateCall;
import dev.gearbox.routing.runtime.GenerateListener;
import dev.gearbox.routing.runtime.GrpcRuntimeClient;
import dev.gearbox.routing.runtime.RuntimeFailure;
import dev.gearbox.routing.text.TokenizerCodec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Router overhead: the same generations sent straight to the runtime over gRPC and through the
 * router over HTTP, in the same run, at several concurrencies; prints p50/p99 of each and the
 * difference (the router's cost).
 *
 * <pre>
 * RouterOverheadBenchmark [MODEL_DIR] [requests per point, default 400] [max_tokens, default 8]
 * </pre>
 */
public final class RouterOverheadBenchmark {

  public static void main(String[] args) throws Exception {
    Path model = Path.of(args.length > 0 ? args[0] : "runtime/src/test/resources/golden/apriel2-tiny");
    int requests = args.length > 1 ? Integer.parseInt(args[1]) : 400;
    int maxTokens = args.length > 2 ? Integer.parseInt(args[2]) : 8;
    try (InProcessRuntime runtime = InProcessRuntime.start(model, List.of(), 256L << 20, 0, 2);
        GrpcRuntimeClient grpc = GrpcRuntimeClient.connect("127.0.0.1", runtime.port())) {
      TokenizerCodec codec = TokenizerCodec.forCheckpoint(model, runtime.model().vocabSize());
      try (Router router =
          Router.builder()
              .runtime(grpc)
              .codec(codec)
              .config(ActiveConfig.fixed(RouterConfig.defaults()))
              .port(0)
              .start()) {
        int[] prompt = codec.encode("The quick brown fox");
        String body =
            "{\"model\":\""
                + runtime.modelName()
                + "\",\"prompt\":\"The quick brown fox\",\"max_tokens\":"
                + maxTokens
                + ",\"temperature\":0}";
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI uri = URI.create("http://127.0.0.1:" + router.port() + "/v1/completions");
        System.out.printf(
            "model %s, %d requests per point, prompt %d tokens, %d generated, greedy, default"
                + " placement%n",
            runtime.modelName(), requests, prompt.length, maxTokens);
        System.out.printf(
            "%-11s %12s %12s %12s %12s %14s %14s%n",
            "concurrency",
            "direct p50",
            "routed p50",
            "direct p99",
            "routed p99",
            "overhead p50",
            "overhead p99");
        for (int concurrency : new int[] {1, 4, 16}) {
          Call direct = () -> direct(grpc, prompt, maxTokens);
          Call routed = () -> routed(http, uri, body);
          // Warm both paths so the JIT and connection pools are in steady state.
          measure(requests / 4, concurrency, direct, routed);
          double[][] both = measure(requests, concurrency, direct, routed);
          double[] d = both[0];
          double[] r = both[1];
          System.out.printf(
              Locale.ROOT,
              "%-11d %10.2fms %10.2fms %10.2fms %10.2fms %12.2fms %12.2fms%n",
              concurrency,
              d[0],
              r[0],
              d[1],
              r[1],
              r[0] - d[0],
              r[1] - d[1]);
        }
        var overhead = router.registry().get("gearbox_router_overhead").timer().takeSnapshot();
        for (var v : overhead.percentileValues()) {
          System.out.printf(
              Locale.ROOT,
              "router-internal overhead p%.0f (request in -> response out, minus the runtime call):"
                  + " %.3fms%n",
              v.percentile() * 100,
              v.value(java.util.concurrent.TimeUnit.MILLISECONDS));
        }
      }
    }
  }

  /**
   * Runs {@code n} calls of each kind with {@code concurrency} workers, each alternating between
   * {@code a} and {@code b} so that both see the same machine load; returns {p50, p99} in ms of
   * each.
   */
  static double[][] measure(int n, int concurrency, Call a, Call b) throws Exception {
    double[] ms = new double[2 * n];
    Call[] calls = {a, b};
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    try {
      Future<?>[] workers = new Future<?>[concurrency];
      int[] next = {0};
      for (int w = 0; w < concurrency; w++) {
        workers[w] =
            pool.submit(
                () -> {
                  while (true) {
                    int i;
                    synchronized (next) {
                      if (next[0] >= 2 * n) {
                        return null;
                      }
                      i = next[0]++;
                    }
                    long t = System.nanoTime();
                    calls[i % 2].run();
                    ms[i] = (System.nanoTime() - t) / 1e6;
                  }
                });
      }
      for (Future<?> f : workers) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    double[][] out = new double[2][];
    for (int k = 0; k < 2; k++) {
      double[] mine = new double[n];
      for (int i = 0; i < n; i++) {
        mine[i] = ms[2 * i + k];
      }
      Arrays.sort(mine);
      out[k] =
          new double[] {mine[(int) Math.ceil(0.5 * n) - 1], mine[(int) Math.ceil(0.99 * n) - 1]};
    }
    return out;
  }

  @FunctionalInterface
  interface Call {
    void run() throws Exception;
  }

  static void direct(GrpcRuntimeClient grpc, int[] prompt, int maxTokens) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    grpc.generate(
        new GenerateCall(
            "bench", "", prompt, maxTokens, 0, 1, -1, List.of(), Duration.ofSeconds(30)),
        new GenerateListener() {
          @Override
          public void onToken(int tokenId, String text) {}

          @Override
          public void onComplete(FinishReason reason, int promptTokens, int completionTokens) {
            done.complete(null);
          }

          @Override
          public void onError(RuntimeFailure failure) {
            done.completeExceptionally(failure);
          }
        },
        Runnable::run);
    done.get();
  }

  static void routed(HttpClient http, URI uri, String body) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(uri)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("HTTP " + r.statusCode() + ": " + r.body());
    }
  }
}
