package dev.gearbox.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.routing.bench.SoakBenchmark;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The soak of docs/benchmarks/routing.md, small enough to run always: 400 mixed requests (streamed
 * and whole, chat and completions, every placement, 15% cancelled by the client) through the router
 * to the real runtime, then /drain under load.
 */
class SoakTest {
  static final Path MODEL =
      Path.of(System.getProperty("gearbox.golden.dir", "../runtime/src/test/resources/golden/apriel2-tiny"));

  @Test
  void nothingLostDuplicatedOrHungAndDrainFinishesInFlight() throws Exception {
    SoakBenchmark.Outcome o = SoakBenchmark.soak(MODEL, 400, 24, 0.15, 7);
    System.out.println(o);
    assertEquals(0, o.soak().hung(), o.toString());
    assertEquals(0, o.soak().duplicated(), o.toString());
    assertEquals(0, o.soak().malformed(), o.toString());
    assertEquals(o.soak().sent(), o.soak().accounted(), o.toString());
    assertTrue(o.soak().ok() > 250, o.toString());
    assertTrue(o.soak().cancelled() > 20, o.toString());
    assertTrue(o.soak().errors().isEmpty(), "no errors under a roomy budget: " + o);
    assertTrue(o.soak().placements().size() >= 5, "every placement served: " + o.soak().placements());
    assertTrue(o.clean(), o.toString());
  }
}
