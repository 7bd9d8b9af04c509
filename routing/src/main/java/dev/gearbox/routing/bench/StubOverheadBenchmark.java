package dev.gearbox.routing.bench;

import dev.gearbox.routing.Router;
import dev.gearbox.routing.config.ActiveConfig;
import dev.gearbox.routing.config.RouterConfig;
import dev.gearbox.routing.runtime.GrpcRuntimeClient;
import dev.gearbox.routing.text.TokenizerCodec;
import dev.gearbox.runtime.api.v1.GenerateRequest;
import dev.gearbox.runtime.api.v1.GenerateResponse;
import dev.gearbox.runtime.api.v1.RuntimeGrpc;
import dev.gearbox.runtime.api.v1.SamplingParams;
import dev.gearbox.runtime.api.v1.TokenIds;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * The router's own cost, against a {@link StubRuntime} that answers instantly: at each
 * concurrency, that many closed-loop clients each alternate a direct gRPC Generate to the stub
 * with the same completion through the router ({@code POST /v1/completions}, non-streamed, Vert.x
 * HTTP/1.1 keep-alive client), so both paths are measured in the same run under the same load.
 * Prints p50/p99 of each path, their difference (the router's overhead) and ratio, then the
 * routed-only throughput at the highest concurrency.
 *
 * <pre>
 * StubOverheadBenchmark [MODEL_DIR (tokenizer)] [seconds per point, 5] [max_tokens, 16]
 *     [concurrencies, 1,16,128] [--serve] (print the router URL and keep running, for wrk)
 * </pre>
 */
public final class StubOverheadBenchmark {

  public static void main(String[] args) throws Exception {
    Path model = Path.of(args.length > 0 ? args[0] : "examples/models/gearbox-tiny");
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int maxTokens = args.length > 2 ? Integer.parseInt(args[2]) : 16;
    int[] concurrencies =
        Arrays.stream((args.length > 3 ? args[3] : "1,16,128").split(","))
            .mapToInt(Integer::parseInt)
            .toArray();
    boolean serve = Arrays.asList(args).contains("--serve");
    TokenizerCodec codec = TokenizerCodec.forCheckpoint(model, 1 << 16);
    String promptText = "In the beginning God created the heaven and the earth.";
    int[] prompt = codec.encode(promptText);
    try (StubRuntime stub =
            StubRuntime.start(0, codec.encode(" and the earth was without form"), List.of("default"));
        GrpcRuntimeClient routerChannel = GrpcRuntimeClient.connect("127.0.0.1", stub.port());
        Router router =
            Router.builder()
                .runtime(routerChannel)
                .codec(codec)
                .config(ActiveConfig.fixed(RouterConfig.defaults()))
                .port(0)
                .start()) {
      String body =
          "{\"model\":\"stub\",\"prompt\":\""
              + promptText
              + "\",\"max_tokens\":"
              + maxTokens
              + ",\"temperature\":0}";
      if (serve) {
        System.out.println("router http://127.0.0.1:" + router.port() + "/v1/completions");
        System.out.println("body " + body);
        Thread.sleep(Long.MAX_VALUE);
      }
      ManagedChannel channel =
          io.grpc.ManagedChannelBuilder.forAddress("127.0.0.1", stub.port())
              .usePlaintext()
              .directExecutor()
              .build();
      RuntimeGrpc.RuntimeStub grpc = RuntimeGrpc.newStub(channel);
      TokenIds.Builder ids = TokenIds.newBuilder();
      for (int id : prompt) {
        ids.addIds(id);
      }
      GenerateRequest request =
          GenerateRequest.newBuilder()
              .setRequestId("bench")
              .setPromptTokenIds(ids)
              .setSampling(SamplingParams.newBuilder().setTopP(1))
              .setMaxTokens(maxTokens)
              .build();
      Vertx vertx = Vertx.vertx();
      int maxConcurrency = Arrays.stream(concurrencies).max().orElse(1);
      HttpClient http =
          vertx.createHttpClient(
              new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
              new PoolOptions().setHttp1MaxSize(maxConcurrency));
      Buffer payload = Buffer.buffer(body);
      int port = router.port();
      Call direct = done -> directCall(grpc, request, done);
      Call routed = done -> routedCall(http, port, payload, done);
      System.out.printf(
          "stub runtime, prompt %d tokens, %d tokens answered per request (one gRPC message"
              + " each), %d s per point%n",
          prompt.length, maxTokens, seconds);
      System.out.printf(
          "%-11s %11s %11s %11s %11s %11s %11s %9s %9s%n",
          "concurrency", "direct p50", "routed p50", "direct p99", "routed p99", "overhd p50",
          "overhd p99", "ratio p50", "routed/s");
      for (int c : concurrencies) {
        // Warm up both paths (JIT, connection pools), then measure.
        alternate(c, Math.max(1, seconds / 2), direct, routed);
        double[][] r = alternate(c, seconds, direct, routed);
        System.out.printf(
            Locale.ROOT,
            "%-11d %9.3fms %9.3fms %9.3fms %9.3fms %9.3fms %9.3fms %9.2fx %9.0f%n",
            c, r[0][0], r[1][0], r[0][1], r[1][1], r[1][0] - r[0][0], r[1][1] - r[0][1],
            r[1][0] / r[0][0], r[1][2]);
      }
      // One path at a time: throughput, and the process's CPU time per call, which a shared,
      // loaded machine distorts far less than wall-clock latency.
      var os =
          (com.sun.management.OperatingSystemMXBean)
              java.lang.management.ManagementFactory.getOperatingSystemMXBean();
      for (String kind : new String[] {"direct", "routed"}) {
        Call call = kind.equals("direct") ? direct : routed;
        long cpu = os.getProcessCpuTime();
        double[][] only = alternate(maxConcurrency, seconds, call, call);
        double calls = (only[0][2] + only[1][2]) * seconds;
        System.out.printf(
            Locale.ROOT,
            "%s only, %d clients: %.0f completions/s (p50 %.3f ms, p99 %.3f ms), %.1f us CPU per"
                + " call (client + %sstub, whole process)%n",
            kind, maxConcurrency, only[0][2] + only[1][2], only[0][0], only[0][1],
            (os.getProcessCpuTime() - cpu) / 1e3 / calls, kind.equals("routed") ? "router + " : "");
      }
      var overhead = router.registry().get("gearbox_router_overhead").timer().takeSnapshot();
      for (var v : overhead.percentileValues()) {
        System.out.printf(
            Locale.ROOT,
            "router-internal overhead p%.0f (arrival -> last byte written, minus the runtime"
                + " call, last 2 min): %.3f ms%n",
            v.percentile() * 100,
            v.value(TimeUnit.MILLISECONDS));
      }
      System.out.printf("stub answered %d Generate calls%n", stub.generates());
      http.close().await();
      vertx.close().await();
      channel.shutdownNow();
    }
    System.exit(0);
  }

  /** One asynchronous call; reports its latency in nanoseconds, or -1 on failure. */
  @FunctionalInterface
  interface Call {
    void start(LongConsumer done);
  }

  /**
   * {@code clients} closed-loop clients for {@code seconds}, each alternating {@code a} and
   * {@code b}; returns {p50 ms, p99 ms, completions/s} of each.
   */
  static double[][] alternate(int clients, int seconds, Call a, Call b) throws Exception {
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    int cap = 2_000_000;
    long[][] samples = {new long[cap], new long[cap]};
    AtomicInteger[] counts = {new AtomicInteger(), new AtomicInteger()};
    AtomicLong failures = new AtomicLong();
    CountDownLatch finished = new CountDownLatch(clients);
    Call[] calls = {a, b};
    for (int c = 0; c < clients; c++) {
      int first = c % 2;
      new Object() {
        int turn = first;

        void next() {
          if (System.nanoTime() > end) {
            finished.countDown();
            return;
          }
          int kind = turn;
          turn ^= 1;
          calls[kind].start(
              nanos -> {
                if (nanos < 0) {
                  failures.incrementAndGet();
                } else {
                  int i = counts[kind].getAndIncrement();
                  if (i < cap) {
                    samples[kind][i] = nanos;
                  }
                }
                next();
              });
        }
      }.next();
    }
    if (!finished.await(seconds + 60L, TimeUnit.SECONDS)) {
      throw new IllegalStateException("clients did not finish within 60 s of the end");
    }
    if (failures.get() > 0) {
      throw new IllegalStateException(failures.get() + " calls failed");
    }
    double[][] out = new double[2][];
    for (int k = 0; k < 2; k++) {
      int n = Math.min(cap, counts[k].get());
      long[] s = Arrays.copyOf(samples[k], n);
      Arrays.sort(s);
      out[k] =
          new double[] {
            s[(int) Math.ceil(0.5 * n) - 1] / 1e6,
            s[(int) Math.ceil(0.99 * n) - 1] / 1e6,
            counts[k].get() / (double) seconds
          };
    }
    return out;
  }

  static void directCall(RuntimeGrpc.RuntimeStub grpc, GenerateRequest request, LongConsumer done) {
    long t = System.nanoTime();
    grpc.withDeadlineAfter(30, TimeUnit.SECONDS)
        .generate(
            request,
            new StreamObserver<>() {
              @Override
              public void onNext(GenerateResponse value) {}

              @Override
              public void onError(Throwable e) {
                done.accept(-1);
              }

              @Override
              public void onCompleted() {
                done.accept(System.nanoTime() - t);
              }
            });
  }

  static void routedCall(HttpClient http, int port, Buffer payload, LongConsumer done) {
    long t = System.nanoTime();
    http.request(HttpMethod.POST, port, "127.0.0.1", "/v1/completions")
        .compose(
            req ->
                req.putHeader("content-type", "application/json")
                    .send(payload)
                    .compose(
                        resp ->
                            resp.body()
                                .map(b -> resp.statusCode() == 200 ? b.length() : -1)))
        .onComplete(
            r ->
                done.accept(
                    r.succeeded() && r.result() > 0 ? System.nanoTime() - t : -1));
  }
}
