package dev.gearbox.operator.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gearbox.crds.SloSpec;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SloVerdictTest {
  static SloSpec slo(int ttftMs, int tpotMs) {
    SloSpec s = new SloSpec();
    s.setTtftP95Ms(ttftMs);
    s.setTpotP95Ms(tpotMs);
    return s;
  }

  @Test
  void aMissNamesThePlacementTheFigureAndTheWindow() {
    SloVerdict v =
        SloVerdict.judge(
            slo(800, 40),
            List.of(
                new LatencyWindow.Placement("all-fa", 0.3, 0.02, 500),
                new LatencyWindow.Placement("turbo-8x", 1.31, 0.02, 200)),
            Duration.ofMinutes(5));
    assertEquals("False", v.status());
    assertEquals("SloMissed", v.reason());
    assertEquals("turbo-8x ttft p95 1.31 s > 800 ms over 5m", v.message());
    assertEquals(300, v.observed().windowSeconds());
    assertEquals(1310.0, v.observed().placements().get(1).ttftP95Ms());
    assertEquals(200L, v.observed().placements().get(1).samples());
  }

  @Test
  void metWhenEveryMeasuredFigureIsWithinTarget() {
    SloVerdict v =
        SloVerdict.judge(
            slo(800, 40),
            List.of(new LatencyWindow.Placement("all-fa", 0.3, 0.0125, 500)),
            Duration.ofSeconds(90));
    assertEquals("True", v.status());
    assertEquals("all-fa ttft p95 300 ms <= 800 ms; all-fa tpot p95 12.5 ms <= 40.0 ms over 90s", v.message());
  }

  @Test
  void tooFewRequestsIsUnknownNotAVerdict() {
    SloVerdict v =
        SloVerdict.judge(
            slo(1, 1), List.of(new LatencyWindow.Placement("all-fa", 9, 9, 3)), Duration.ofMinutes(5));
    assertEquals("Unknown", v.status());
    assertEquals("NotMeasured", v.reason());
    assertEquals(1, v.observed().placements().size(), "still reported in status.slo");
  }
}
