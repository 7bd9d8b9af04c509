package dev.gearbox.operator.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.operator.rollout.RolloutMachine.GateResult;
import dev.gearbox.runtime.search.TeacherSample;
import dev.gearbox.runtime.search.TeacherSamples;
import io.grpc.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The gate job against a hand-written client: pods still rolling, good and bad placements. */
class QualityGateJobTest {
  static final TeacherSamples SAMPLES = load();

  static TeacherSamples load() {
    try {
      return TeacherSamples.parse(
          "samples",
          Files.readAllLines(Path.of("../examples/models/gearbox-tiny/teacher-samples.jsonl"))
              .subList(0, 16));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Answers like the teacher after {@code staleInfos} Info calls that show the old layers. */
  static final class TestingClient implements ScoreClient {
    final AtomicInteger infos = new AtomicInteger();
    final AtomicInteger scores = new AtomicInteger();
    final int staleInfos;
    final int unavailableScores;
    final double shift;

    TestingClient(int staleInfos, int unavailableScores, double shift) {
      this.staleInfos = staleInfos;
      this.unavailableScores = unavailableScores;
      this.shift = shift;
    }

    @Override
    public List<String> mixers(String placement, Duration deadline) {
      return infos.incrementAndGet() <= staleInfos
          ? List.of("attention", "gdn", "gdn", "gdn")
          : List.of("swa", "swa", "attention", "attention");
    }

    @Override
    public float[] score(String placement, int[] tokens, Duration deadline) {
      assertTrue(infos.get() > staleInfos, "scored a pod that serves the old layers");
      if (scores.incrementAndGet() <= unavailableScores) {
        throw Status.UNAVAILABLE.withDescription("draining").asRuntimeException();
      }
      for (TeacherSample s : SAMPLES.samples()) {
        if (Arrays.equals(s.tokens(), tokens)) {
          float[] out = new float[tokens.length - 1];
          int first = s.prompt().length - 1;
          for (int j = 0; j < s.completion().length; j++) {
            double p = s.teacherLogProbs()[j];
            // shift > 0 moves weight from plausible tokens to implausible ones.
            out[first + j] = (float) (p >= Math.log(0.01) ? p - shift : Math.min(0, p + shift));
          }
          return out;
        }
      }
      throw Status.INVALID_ARGUMENT.withDescription("unknown tokens").asRuntimeException();
    }

    @Override
    public void close() {}
  }

  @Test
  void waitsForAPodServingTheNewLayersThenPasses() {
    TestingClient client = new TestingClient(3, 2, 0);
    GateResult r =
        QualityGateJob.run(
            client, SAMPLES, "turbo", "swa*2,attention*2", null, Duration.ofSeconds(30));
    assertTrue(r.passed(), r.reason());
    assertEquals(1.0, r.figures().accuracyRatio(), 1e-9);
    assertEquals(16, r.figures().samples());
    assertEquals(4, client.infos.get(), "three stale answers, then the new layers");
  }

  @Test
  void aPlacementThatFavoursImplausibleTokensFailsNamingTheFigure() {
    GateResult r =
        QualityGateJob.run(
            new TestingClient(0, 0, 2),
            SAMPLES,
            "turbo",
            "swa*2,attention*2",
            null,
            Duration.ofSeconds(30));
    assertFalse(r.passed());
    assertTrue(r.figures().accuracyRatio() < 0.97, String.valueOf(r.figures()));
    assertTrue(r.reason().contains("below"), r.reason());
  }

  @Test
  void podsThatNeverServeTheNewLayersTimeTheGateOut() {
    QualityGateJob.GateTimeoutException e =
        assertThrows(
            QualityGateJob.GateTimeoutException.class,
            () ->
                QualityGateJob.run(
                    new TestingClient(Integer.MAX_VALUE, 0, 0),
                    SAMPLES,
                    "turbo",
                    "swa*2,attention*2",
                    null,
                    Duration.ofSeconds(2)));
    assertTrue(e.getMessage().contains("served attention,gdn*3"), e.getMessage());
  }
}
