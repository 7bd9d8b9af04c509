package dev.gearbox.operator.observe;

import dev.gearbox.runtime.api.v1.StatsResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Asks one runtime for its {@code Stats}; the answer fails when the pod cannot be reached. */
public interface StatsSource extends AutoCloseable {
  /** Completes with the answer, or exceptionally (unreachable, error, or past {@code timeout}). */
  CompletableFuture<StatsResponse> stats(String target, Duration timeout);

  /** Frees what is kept for targets not in {@code live} (pods that went away). */
  default void retain(java.util.Set<String> live) {}

  @Override
  default void close() {}
}
