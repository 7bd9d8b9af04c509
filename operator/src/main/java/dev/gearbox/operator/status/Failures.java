package dev.gearbox.operator.status;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.AggregatedOperatorException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Sorts reconcile failures into the two kinds that need different handling: the API server
 * rejecting a resource built from the spec (only a spec change can fix it, so no retry), and
 * everything else (transient; the SDK retries with backoff).
 */
public final class Failures {
  private Failures() {}

  /**
   * The API server's rejection of an owned resource, as "what: why", or null when {@code error} is
   * not one (a 400 Bad Request or 422 Invalid anywhere in its causes).
   */
  public static String rejection(Exception error) {
    Deque<Throwable> todo = new ArrayDeque<>();
    Set<Throwable> seen = new HashSet<>();
    todo.add(error);
    while (!todo.isEmpty()) {
      Throwable t = todo.poll();
      if (!seen.add(t)) {
        continue;
      }
      if (t instanceof KubernetesClientException k && (k.getCode() == 400 || k.getCode() == 422)) {
        String message = k.getStatus() != null ? k.getStatus().getMessage() : k.getMessage();
        return "the API server rejected a resource built from the spec: " + message;
      }
      if (t instanceof AggregatedOperatorException aggregated) {
        for (Map.Entry<String, Exception> e : aggregated.getAggregatedExceptions().entrySet()) {
          if (e.getValue() != null) {
            todo.add(e.getValue());
          }
        }
      }
      if (t.getCause() != null) {
        todo.add(t.getCause());
      }
    }
    return null;
  }

  /** A one-line description of an unexpected failure for the Degraded condition. */
  public static String describe(Exception error) {
    String message = error.getMessage();
    if (message == null) {
      message = error.getClass().getSimpleName();
    }
    message = message.replace('\n', ' ');
    return message.length() > 512 ? message.substring(0, 509) + "..." : message;
  }
}
