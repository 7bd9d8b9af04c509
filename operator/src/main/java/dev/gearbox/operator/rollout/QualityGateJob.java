package dev.gearbox.operator.rollout;

import dev.gearbox.crds.RolloutGate;
import dev.gearbox.crds.RolloutGateFigures;
import dev.gearbox.operator.rollout.RolloutMachine.GateResult;
import dev.gearbox.runtime.placement.PlacementPattern;
import dev.gearbox.runtime.search.QualityEstimate;
import dev.gearbox.runtime.search.QualityGate;
import dev.gearbox.runtime.search.TeacherSample;
import dev.gearbox.runtime.search.TeacherSamples;
import dev.gearbox.runtime.search.TokenImportance;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One run of the quality gate: scores the placement on every reference sample through the
 * runtime's {@code Score} RPC and applies {@link QualityGate} to the per-token estimate. Runs off
 * the reconcile thread; each call has a deadline and the whole job a timeout, and while the pods
 * that serve the new placement are still rolling (UNAVAILABLE, or INVALID_ARGUMENT for a placement
 * the answering pod does not have yet) it retries until that timeout.
 */
public final class QualityGateJob {
  /** Deadline of one Score call. */
  static final Duration CALL_DEADLINE = Duration.ofSeconds(30);

  private static final Duration RETRY_PAUSE = Duration.ofMillis(500);

  private QualityGateJob() {}

  /**
   * Runs the gate.
   *
   * @param samples the reference samples
   * @param placement the runtime placement to score
   * @param layers the pattern it must have on the pod that answers; a pod that still serves the
   *     previous layers under that name (the Deployment is still rolling) is waited for, not scored
   * @param spec spec.rollout.gate, may be null (defaults)
   * @param timeout how long the job may take in all
   */
  public static GateResult run(
      ScoreClient client,
      TeacherSamples samples,
      String placement,
      String layers,
      RolloutGate spec,
      Duration timeout) {
    QualityGate gate = gate(spec);
    Instant deadline = Instant.now().plus(timeout);
    awaitServed(client, placement, layers, deadline);
    List<double[]> teacher = new ArrayList<>();
    List<double[]> candidate = new ArrayList<>();
    for (TeacherSample sample : samples.samples()) {
      float[] all = scoreWithRetries(client, placement, sample.tokens(), deadline);
      // all[i] is the log-prob of token i + 1; the completion starts at prompt.length.
      int first = sample.prompt().length - 1;
      double[] q = new double[sample.completion().length];
      for (int j = 0; j < q.length; j++) {
        q[j] = all[first + j];
      }
      teacher.add(sample.teacherLogProbs());
      candidate.add(q);
    }
    QualityEstimate estimate = TokenImportance.estimate(teacher, candidate);
    RolloutGateFigures figures =
        new RolloutGateFigures(
            round(estimate.accuracyRatio()),
            round(estimate.standardError()),
            round(estimate.lower95()),
            round(estimate.upper95()),
            round(estimate.tokenEssFraction()),
            estimate.samples(),
            estimate.tokens());
    Optional<String> failure = gate.failure(estimate);
    return failure
        .map(f -> new GateResult(false, figures, f))
        .orElseGet(() -> new GateResult(true, figures, estimate.toString()));
  }

  /** The gate of spec.rollout.gate, defaults for the fields it leaves out. */
  static QualityGate gate(RolloutGate spec) {
    double ratio =
        spec == null || spec.getMinEstimatedAccuracyRatio() == null
            ? QualityGate.DEFAULT.minAccuracyRatio()
            : spec.getMinEstimatedAccuracyRatio();
    double ess =
        spec == null || spec.getMinEssFraction() == null
            ? QualityGate.DEFAULT.minEssFraction()
            : spec.getMinEssFraction();
    return new QualityGate(ratio, ess);
  }

  /** Waits until the pod the client reaches serves {@code placement} with {@code layers}. */
  private static void awaitServed(
      ScoreClient client, String placement, String layers, Instant deadline) {
    String served = "nothing";
    while (true) {
      Duration left = Duration.between(Instant.now(), deadline);
      if (left.isNegative() || left.isZero()) {
        throw new GateTimeoutException(
            "the gate ran out of time waiting for a pod serving '"
                + placement
                + "' as "
                + layers
                + "; the last one answering served "
                + served);
      }
      try {
        List<String> mixers =
            client.mixers(placement, left.compareTo(CALL_DEADLINE) < 0 ? left : CALL_DEADLINE);
        if (!mixers.isEmpty()) {
          served = PlacementPattern.compact(mixers);
          if (served.equals(layers)) {
            return;
          }
        }
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.UNAVAILABLE
            && e.getStatus().getCode() != Status.Code.DEADLINE_EXCEEDED) {
          throw e;
        }
        served = "nothing (" + e.getStatus().getCode() + ")";
      }
      pause();
    }
  }

  private static void pause() {
    try {
      Thread.sleep(RETRY_PAUSE.toMillis());
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      throw new GateTimeoutException("the gate was interrupted");
    }
  }

  private static float[] scoreWithRetries(
      ScoreClient client, String placement, int[] tokens, Instant deadline) {
    while (true) {
      Duration left = Duration.between(Instant.now(), deadline);
      if (left.isNegative() || left.isZero()) {
        throw new GateTimeoutException("the gate ran out of time scoring '" + placement + "'");
      }
      try {
        return client.score(
            placement, tokens, left.compareTo(CALL_DEADLINE) < 0 ? left : CALL_DEADLINE);
      } catch (StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        boolean notYet =
            code == Status.Code.UNAVAILABLE
                || code == Status.Code.RESOURCE_EXHAUSTED
                || code == Status.Code.DEADLINE_EXCEEDED
                || code == Status.Code.INVALID_ARGUMENT;
        if (!notYet) {
          throw e;
        }
        if (Instant.now().plus(RETRY_PAUSE).isAfter(deadline)) {
          throw new GateTimeoutException(
              "the gate ran out of time scoring '" + placement + "': last answer " + code
                  + (e.getStatus().getDescription() == null
                      ? ""
                      : " (" + e.getStatus().getDescription() + ")"));
        }
        pause();
      }
    }
  }

  private static double round(double x) {
    return Math.round(x * 10000) / 10000.0;
  }

  /** The gate did not finish in time; the rollout fails with this message. */
  public static final class GateTimeoutException extends RuntimeException {
    GateTimeoutException(String message) {
      super(message);
    }
  }
}
