package dev.gearbox.routing.slo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RollingWindowTest {

  @Test
  void nearestRankPercentilesOfLiveSamples() {
    RollingWindow w = new RollingWindow(1000, 1000);
    for (int i = 1; i <= 100; i++) {
      w.record(i, 500);
    }
    RollingWindow.Snapshot s = w.snapshot(600, 0.5, 0.95);
    assertEquals(100, s.count());
    assertEquals(50, s.values()[0]);
    assertEquals(95, s.values()[1]);
  }

  @Test
  void oldSamplesLeaveTheWindowAndTheRingOverwrites() {
    RollingWindow w = new RollingWindow(4, 100);
    w.record(1000, 0);
    w.record(1, 150);
    w.record(2, 160);
    assertEquals(2, w.snapshot(200, 0.95).count(), "the sample at t=0 is older than 100");
    for (int i = 0; i < 10; i++) {
      w.record(7, 190);
    }
    RollingWindow.Snapshot s = w.snapshot(200, 0.5);
    assertEquals(4, s.count());
    assertEquals(7, s.values()[0]);
    assertTrue(Double.isNaN(new RollingWindow(4, 100).snapshot(0, 0.5).values()[0]));
  }
}
