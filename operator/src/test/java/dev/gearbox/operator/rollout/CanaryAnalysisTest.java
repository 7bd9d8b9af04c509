package dev.gearbox.operator.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.crds.SloSpec;
import dev.gearbox.operator.rollout.CanaryMetrics.Window;
import dev.gearbox.operator.rollout.RolloutMachine.Verdict;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CanaryAnalysisTest {
  static SloSpec slo() {
    SloSpec slo = new SloSpec();
    slo.setTtftP95Ms(800);
    slo.setTpotP95Ms(40);
    return slo;
  }

  static Verdict judge(Window canary, Window baseline) {
    return CanaryAnalysis.judge(Optional.of(canary), Optional.of(baseline), slo()).orElseThrow();
  }

  @Test
  void aCanaryWithinTheSloAndTheBaselinesErrorRatePasses() {
    Verdict v = judge(new Window(100, 1, 300.0, 20.0), new Window(900, 9, 310.0, 21.0));
    assertTrue(v.passed(), v.reason());
  }

  @Test
  void eachObjectiveFailsOnItsOwnAndIsNamed() {
    Window baseline = new Window(900, 0, 300.0, 20.0);
    Verdict errors = judge(new Window(100, 5, 300.0, 20.0), baseline);
    assertFalse(errors.passed());
    assertEquals("error rate 0.050 > baseline 0.000 + 0.01", errors.reason());
    Verdict ttft = judge(new Window(100, 0, 950.0, 20.0), baseline);
    assertEquals("TTFT p95 950 ms > slo 800 ms", ttft.reason());
    Verdict tpot = judge(new Window(100, 0, 300.0, 55.5), baseline);
    assertEquals("TPOT p95 55.5 ms > slo 40 ms", tpot.reason());
  }

  @Test
  void noCanaryTrafficHoldsTheStepAndNoSourcePassesItSayingSo() {
    assertTrue(
        CanaryAnalysis.judge(Optional.of(new Window(0, 0, null, null)), Optional.empty(), slo())
            .isEmpty());
    Verdict unobserved =
        CanaryAnalysis.judge(Optional.empty(), Optional.empty(), slo()).orElseThrow();
    assertTrue(unobserved.passed());
    assertTrue(unobserved.reason().startsWith("not observed"), unobserved.reason());
  }
}
