package dev.gearbox.routing.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bounded soak through a router: {@code n} requests, at most {@code concurrency} in flight,
 * mixing streamed and whole completions over every placement (by explicit model name and by
 * workload rule), with a share cancelled by the client (a stream reset after its first chunk, a
 * whole request reset after a random delay). Every request must end in exactly one outcome within
 * the per-request timeout; each answer's id must be unique and each stream must carry exactly one
 * finish reason and one {@code [DONE]}.
 */
public final class Soak {

  /**
   * What happened.
   *
   * @param sent requests started
   * @param ok 200 answers, complete and well formed
   * @param cancelled requests the client reset before their answer ended
   * @param errors non-200 answers by status
   * @param hung requests without an outcome when the run gave up waiting
   * @param duplicated ids seen twice, or streams with more than one finish or [DONE]
   * @param malformed 200 answers that were cut or did not parse
   * @param placements 200 answers by the x-gearbox-placement they were served under
   * @param seconds wall time of the run
   */
  public record Result(
      int sent,
      int ok,
      int cancelled,
      Map<Integer, Integer> errors,
      int hung,
      int duplicated,
      int malformed,
      Map<String, Integer> placements,
      double seconds) {

    /** Requests with exactly one outcome. */
    public int accounted() {
      return ok + cancelled + errors.values().stream().mapToInt(Integer::intValue).sum() + malformed;
    }

    @Override
    public String toString() {
      return String.format(
          java.util.Locale.ROOT,
          "%d requests in %.1f s: %d ok, %d cancelled by the client, errors %s, %d malformed, %d"
              + " hung, %d duplicated; served by placement %s",
          sent, seconds, ok, cancelled, errors, malformed, hung, duplicated, placements);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int DONE = 1;
  private static final int CANCELLED = 2;
  private static final int ERROR = 3;
  private static final int HUNG = 4;

  private Soak() {}

  /**
   * Runs the soak against the router on {@code port}.
   *
   * @param model the served model name
   * @param placements placement names to address explicitly ({@code model:placement})
   * @param cancelShare fraction of requests the client cancels
   * @param timeoutSeconds how long one request may take before it counts as hung
   */
  public static Result run(
      int port,
      String model,
      List<String> placements,
      int n,
      int concurrency,
      double cancelShare,
      long seed,
      int timeoutSeconds)
      throws InterruptedException {
    Vertx vertx = Vertx.vertx();
    HttpClient http =
        vertx.createHttpClient(
            new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(concurrency));
    SplittableRandom random = new SplittableRandom(seed);
    Semaphore slots = new Semaphore(concurrency);
    CountDownLatch finished = new CountDownLatch(n);
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger cancelled = new AtomicInteger();
    AtomicInteger duplicated = new AtomicInteger();
    AtomicInteger malformed = new AtomicInteger();
    AtomicInteger hungCount = new AtomicInteger();
    Map<Integer, Integer> errors = new ConcurrentHashMap<>();
    Map<String, Integer> served = new ConcurrentHashMap<>();
    Map<String, Boolean> ids = new ConcurrentHashMap<>();
    AtomicInteger[] outcomes = new AtomicInteger[n];
    String[] workloads = {null, "batch", "agent", "chat"};
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      outcomes[i] = new AtomicInteger();
      boolean stream = random.nextBoolean();
      boolean chat = random.nextInt(4) == 0;
      int pick = random.nextInt(placements.size() + 2);
      String name = pick < placements.size() ? model + ":" + placements.get(pick) : model;
      String workload = pick >= placements.size() ? workloads[random.nextInt(workloads.length)] : null;
      int maxTokens = 1 + random.nextInt(12);
      boolean cancel = random.nextDouble() < cancelShare;
      long cancelAfterMs = random.nextInt(20);
      String prompt = "In the beginning " + i;
      String body =
          chat
              ? "{\"model\":\"" + name + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt
                  + "\"}],\"max_tokens\":" + maxTokens + ",\"temperature\":0.7,\"seed\":" + i
                  + ",\"stream\":" + stream
                  + (stream ? ",\"stream_options\":{\"include_usage\":true}" : "") + "}"
              : "{\"model\":\"" + name + "\",\"prompt\":\"" + prompt + "\",\"max_tokens\":" + maxTokens
                  + ",\"temperature\":0,\"stream\":" + stream + "}";
      String path = chat ? "/v1/chat/completions" : "/v1/completions";
      slots.acquire();
      AtomicInteger outcome = outcomes[i];
      // The first outcome of a request counts; what the client's own reset triggers later is
      // ignored (duplicates are judged on what the router sent: ids, finishes, [DONE]s).
      java.util.function.IntPredicate end =
          kind -> {
            if (outcome.compareAndSet(0, kind)) {
              slots.release();
              finished.countDown();
              return true;
            }
            return false;
          };
      // A request without an outcome after the timeout is hung; its slot is freed so the run
      // goes on and the hang is reported instead of blocking.
      vertx.setTimer(
          timeoutSeconds * 1000L,
          t -> {
            if (end.test(HUNG)) {
              hungCount.incrementAndGet();
            }
          });
      http.request(HttpMethod.POST, port, "127.0.0.1", path)
          .onFailure(
              e -> {
                if (end.test(ERROR)) {
                  errors.merge(-1, 1, Integer::sum);
                }
              })
          .onSuccess(
              req -> {
                req.putHeader("content-type", "application/json");
                if (workload != null) {
                  req.putHeader("x-gearbox-workload", workload);
                }
                boolean[] reset = {false};
                req.exceptionHandler(
                    e -> {
                      if (!reset[0] && end.test(ERROR)) {
                        errors.merge(-2, 1, Integer::sum);
                      }
                    });
                req.response()
                    .onSuccess(
                        resp -> {
                          Buffer all = Buffer.buffer();
                          resp.handler(
                              chunk -> {
                                all.appendBuffer(chunk);
                                if (cancel && stream && !reset[0] && end.test(CANCELLED)) {
                                  reset[0] = true;
                                  cancelled.incrementAndGet();
                                  req.reset();
                                }
                              });
                          resp.exceptionHandler(
                              e -> {
                                if (!reset[0] && end.test(ERROR)) {
                                  malformed.incrementAndGet();
                                }
                              });
                          resp.endHandler(
                              v -> {
                                if (reset[0] || !end.test(DONE)) {
                                  return;
                                }
                                if (resp.statusCode() != 200) {
                                  errors.merge(resp.statusCode(), 1, Integer::sum);
                                } else if (check(all.toString(), stream, ids, duplicated)) {
                                  ok.incrementAndGet();
                                  served.merge(resp.getHeader("x-gearbox-placement"), 1, Integer::sum);
                                } else {
                                  malformed.incrementAndGet();
                                }
                              });
                        });
                req.end(body);
                if (cancel && !stream) {
                  vertx.setTimer(
                      1 + cancelAfterMs,
                      t -> {
                        if (!reset[0] && end.test(CANCELLED)) {
                          reset[0] = true;
                          cancelled.incrementAndGet();
                          req.reset();
                        }
                      });
                }
              });
    }
    finished.await(timeoutSeconds + 10L, TimeUnit.SECONDS);
    double seconds = (System.nanoTime() - start) / 1e9;
    int hung = hungCount.get();
    for (AtomicInteger o : outcomes) {
      if (o.get() == 0) {
        hung++;
      }
    }
    http.close();
    vertx.close();
    return new Result(
        n, ok.get(), cancelled.get(), new TreeMap<>(errors), hung, duplicated.get(), malformed.get(),
        new TreeMap<>(served), seconds);
  }

  // A 200 body: one id never seen before; a stream has exactly one finish_reason and one [DONE].
  private static boolean check(String body, boolean stream, Map<String, Boolean> ids, AtomicInteger duplicated) {
    try {
      if (!stream) {
        JsonNode json = JSON.readTree(body);
        String id = json.path("id").asText("");
        if (ids.putIfAbsent(id, true) != null) {
          duplicated.incrementAndGet();
        }
        return !id.isEmpty() && !json.at("/choices/0/finish_reason").isNull();
      }
      String id = null;
      int finishes = 0;
      int done = 0;
      for (String line : body.split("\n")) {
        if (!line.startsWith("data: ")) {
          continue;
        }
        String data = line.substring(6);
        if (data.equals("[DONE]")) {
          done++;
          continue;
        }
        JsonNode json = JSON.readTree(data);
        if (json.has("error")) {
          return false;
        }
        id = json.path("id").asText(id);
        JsonNode finish = json.at("/choices/0/finish_reason");
        if (!finish.isMissingNode() && !finish.isNull()) {
          finishes++;
        }
      }
      if (id == null || ids.putIfAbsent(id, true) != null || finishes > 1 || done > 1) {
        duplicated.incrementAndGet();
        return false;
      }
      return finishes == 1 && done == 1;
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
