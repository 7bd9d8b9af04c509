package dev.gearbox.operator.rollout;

import dev.gearbox.operator.rollout.RolloutMachine.GateResult;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs gate jobs off the reconcile thread, one per key (model, placement, layers): the reconciler
 * polls, the first poll starts the job, a later one collects its result. A restarted operator has
 * no jobs, so a rollout found in Gating simply runs its gate again.
 */
public final class GateRunner implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GateRunner.class);

  private final ExecutorService executor =
      Executors.newFixedThreadPool(
          2,
          r -> {
            Thread t = new Thread(r, "gearbox-rollout-gate");
            t.setDaemon(true);
            return t;
          });
  private final Map<String, CompletableFuture<GateResult>> jobs = new ConcurrentHashMap<>();

  /** The result of the job {@code key}, starting it with {@code job} if none runs; null if busy. */
  public GateResult poll(String key, Supplier<GateResult> job) {
    CompletableFuture<GateResult> future =
        jobs.computeIfAbsent(
            key,
            k ->
                CompletableFuture.supplyAsync(
                    () -> {
                      try {
                        return job.get();
                      } catch (RuntimeException e) {
                        log.info("gate {} could not run: {}", k, e.toString());
                        return new GateResult(false, null, "could not run: " + describe(e));
                      }
                    },
                    executor));
    if (!future.isDone()) {
      return null;
    }
    jobs.remove(key, future);
    return future.join();
  }

  /** Drops the job {@code key} (its rollout was superseded or ended); a running one goes unread. */
  public void forget(String key) {
    CompletableFuture<GateResult> job = jobs.remove(key);
    if (job != null) {
      job.cancel(false);
    }
  }

  private static String describe(RuntimeException e) {
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
