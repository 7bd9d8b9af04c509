package dev.gearbox.operator.observe;

import dev.gearbox.runtime.api.v1.StatsResponse;
import java.time.Instant;
import java.util.Map;

/**
 * One observation round of one HybridModel: every ready serving pod asked for its Stats at about
 * the same time.
 *
 * @param at when the round started
 * @param readyPods ready serving pods found
 * @param answers Stats per pod name, for the pods that answered in time
 */
public record Round(Instant at, int readyPods, Map<String, StatsResponse> answers) {
  public Round {
    answers = Map.copyOf(answers);
  }

  /** Ready pods that did not answer: counted, never guessed. */
  public int unreachable() {
    return readyPods - answers.size();
  }

  /** Sum of the answering pods' KV utilization: the KV demand in units of one full pod. */
  public double utilizationSum() {
    double sum = 0;
    for (StatsResponse s : answers.values()) {
      sum += s.getUtilization();
    }
    return sum;
  }

  /** Mean KV utilization of the answering pods; NaN when none answered. */
  public double utilizationMean() {
    return answers.isEmpty() ? Double.NaN : utilizationSum() / answers.size();
  }

  /** Highest KV utilization of one pod; NaN when none answered. */
  public double utilizationMax() {
    return answers.values().stream()
        .mapToDouble(StatsResponse::getUtilization)
        .max()
        .orElse(Double.NaN);
  }

  /** Requests waiting for memory, summed over the answering pods. */
  public int waiting() {
    return answers.values().stream().mapToInt(StatsResponse::getWaiting).sum();
  }

  /** Requests in the running batches, summed over the answering pods. */
  public int running() {
    return answers.values().stream().mapToInt(StatsResponse::getRunning).sum();
  }

  /** Waiting requests per answering pod; 0 when none answered. */
  public double waitingPerPod() {
    return answers.isEmpty() ? 0 : (double) waiting() / answers.size();
  }
}
