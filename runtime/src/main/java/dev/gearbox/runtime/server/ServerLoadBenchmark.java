package dev.gearbox.runtime.server;

import dev.gearbox.runtime.api.v1.GenerateRequest;
import dev.gearbox.runtime.api.v1.GenerateResponse;
import dev.gearbox.runtime.api.v1.RuntimeGrpc;
import dev.gearbox.runtime.api.v1.SamplingParams;
import dev.gearbox.runtime.api.v1.TokenIds;
import dev.gearbox.runtime.engine.Engine;
import dev.gearbox.runtime.engine.EngineConfig;
import dev.gearbox.runtime.model.LanguageModel;
import dev.gearbox.runtime.model.Models;
import dev.gearbox.runtime.placement.Placement;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Loopback load benchmark of the whole server (gRPC over TCP, engine, CPU backend): concurrent
 * streaming clients issue greedy requests, pure per placement and mixed across placements, and it
 * prints throughput and client-side TTFT/TPOT percentiles, plus each load's throughput relative
 * to the all-FA load measured in the same run. Bounded in requests and seconds per load.
 *
 * <pre>
 * ServerLoadBenchmark [--model DIR] [--clients 16] [--requests 64] [--prompt 512] [--max-tokens 32]
 *                     [--seconds 60] [--threads 2] [--placement NAME=PATTERN]...
 * </pre>
 */
public final class ServerLoadBenchmark {

  /** Latencies of one finished request, in seconds. */
  private record Sample(double ttft, double tpot, int tokens) {}

  public static void main(String[] args) throws Exception {
    Path modelDir = Path.of("runtime/src/test/resources/golden/apriel2-tiny");
    int clients = 16;
    int requests = 64;
    int promptTokens = 512;
    int maxTokens = 32;
    int seconds = 60;
    int threads = 2;
    Map<String, String> placements = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--model" -> modelDir = Path.of(v);
        case "--clients" -> clients = Integer.parseInt(v);
        case "--requests" -> requests = Integer.parseInt(v);
        case "--prompt" -> promptTokens = Integer.parseInt(v);
        case "--max-tokens" -> maxTokens = Integer.parseInt(v);
        case "--seconds" -> seconds = Integer.parseInt(v);
        case "--threads" -> threads = Integer.parseInt(v);
        case "--placement" -> placements.put(v.substring(0, v.indexOf('=')), v.substring(v.indexOf('=') + 1));
        default -> throw new IllegalArgumentException("unknown flag " + args[i]);
      }
    }
    if (placements.isEmpty()) {
      placements.put("all-gdn", "gdn*4");
      placements.put("mixed-1", "attention,gdn,swa,mamba");
      placements.put("all-swa", "swa*4");
    }
    try (LanguageModel model = Models.load(modelDir, threads)) {
      List<Placement> list = new ArrayList<>();
      placements.forEach((name, pattern) -> list.add(model.placement(name, List.of(pattern))));
      Engine engine = new Engine(model, list, EngineConfig.withBudget(1L << 30), null, new SimpleMeterRegistry());
      RuntimeServer server = RuntimeServer.start(engine, NettyServerBuilder.forPort(0), "bench", Duration.ofSeconds(5));
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      RuntimeGrpc.RuntimeBlockingStub stub = RuntimeGrpc.newBlockingStub(channel);
      System.out.printf(
          "model %s, %d clients, %d requests per load, prompt %d tokens, %d generated, %d model threads%n",
          modelDir, clients, requests, promptTokens, maxTokens, threads);
      System.out.printf("%-16s %8s %9s %9s %9s %9s %9s %9s %8s%n",
          "load", "requests", "tok/s", "vs all-FA", "ttft p50", "ttft p95", "tpot p50", "tpot p95", "seconds");
      // Warm-up: JIT the hot paths before anything is measured.
      runLoad(stub, List.of(engine.defaultPlacement().name()), clients, Math.min(requests, 16), promptTokens, maxTokens, seconds);
      double baseline = 0;
      List<List<String>> loads = new ArrayList<>();
      loads.add(List.of(engine.defaultPlacement().name()));
      for (String name : placements.keySet()) {
        loads.add(List.of(name));
      }
      List<String> mixed = new ArrayList<>();
      for (Placement p : engine.placements()) {
        mixed.add(p.name());
      }
      loads.add(mixed);
      for (List<String> load : loads) {
        long start = System.nanoTime();
        List<Sample> samples = runLoad(stub, load, clients, requests, promptTokens, maxTokens, seconds);
        double elapsed = (System.nanoTime() - start) / 1e9;
        long tokens = samples.stream().mapToLong(Sample::tokens).sum();
        double throughput = tokens / elapsed;
        if (baseline == 0) {
          baseline = throughput;
        }
        System.out.printf("%-16s %8d %9.1f %9.2f %9.4f %9.4f %9.4f %9.4f %8.1f%n",
            load.size() == 1 ? load.get(0) : "mixed(" + load.size() + ")",
            samples.size(), throughput, throughput / baseline,
            percentile(samples, true, 0.50), percentile(samples, true, 0.95),
            percentile(samples, false, 0.50), percentile(samples, false, 0.95), elapsed);
      }
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.close();
    }
  }

  // Each client issues requests back to back, cycling through `placements`, until `requests`
  // requests were issued in total or `seconds` passed.
  private static List<Sample> runLoad(
      RuntimeGrpc.RuntimeBlockingStub stub, List<String> placements, int clients, int requests,
      int promptTokens, int maxTokens, int seconds) throws Exception {
    AtomicInteger issued = new AtomicInteger();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<Future<List<Sample>>> futures = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      futures.add(pool.submit(() -> {
        List<Sample> out = new ArrayList<>();
        int n;
        while ((n = issued.getAndIncrement()) < requests && System.nanoTime() < end) {
          out.add(once(stub, placements.get(n % placements.size()), n, promptTokens, maxTokens));
        }
        return out;
      }));
    }
    List<Sample> all = new ArrayList<>();
    for (Future<List<Sample>> f : futures) {
      all.addAll(f.get());
    }
    pool.shutdown();
    return all;
  }

  private static Sample once(RuntimeGrpc.RuntimeBlockingStub stub, String placement, int seed, int promptTokens, int maxTokens) {
    TokenIds.Builder ids = TokenIds.newBuilder();
    long x = seed * 0x9E3779B97F4A7C15L + 7;
    for (int i = 0; i < promptTokens; i++) {
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
      ids.addIds((int) Math.floorMod(x, 256L));
    }
    GenerateRequest request = GenerateRequest.newBuilder()
        .setPlacement(placement)
        .setPromptTokenIds(ids)
        .setSampling(SamplingParams.newBuilder().setTemperature(0f))
        .setMaxTokens(maxTokens)
        .build();
    long start = System.nanoTime();
    long first = 0;
    long last = 0;
    int tokens = 0;
    Iterator<GenerateResponse> it = stub.withDeadlineAfter(120, TimeUnit.SECONDS).generate(request);
    while (it.hasNext()) {
      GenerateResponse r = it.next();
      if (r.getTokenIdsCount() > 0) {
        last = System.nanoTime();
        if (tokens == 0) {
          first = last;
        }
        tokens += r.getTokenIdsCount();
      }
    }
    double tpot = tokens > 1 ? (last - first) / 1e9 / (tokens - 1) : 0;
    return new Sample((first - start) / 1e9, tpot, tokens);
  }

  private static double percentile(List<Sample> samples, boolean ttft, double q) {
    double[] v = samples.stream().mapToDouble(s -> ttft ? s.ttft() : s.tpot()).toArray();
    if (v.length == 0) {
      return Double.NaN;
    }
    Arrays.sort(v);
    return v[Math.min(v.length - 1, (int) Math.ceil(q * v.length) - 1)];
  }
}
