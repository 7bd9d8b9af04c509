package dev.gearbox.runtime.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServeCommandTest {
  @TempDir Path dir;

  @Test
  void parsesFlags() {
    ServeCommand.Options o =
        ServeCommand.parse(new String[] {
          "--model", dir.toString(), "--placement", "turbo=fa,gdn*3", "--port", "7000",
          "--metrics-port", "7001", "--memory-budget", "512m"
        });
    assertEquals(dir, o.model());
    assertEquals("turbo", o.placements().get(0)[0]);
    assertEquals("fa,gdn*3", o.placements().get(0)[1]);
    assertEquals(7000, o.port());
    assertEquals(7001, o.metricsPort());
    assertEquals(512L << 20, o.memoryBudget());
  }

  @Test
  void badFlagsSayWhatWasExpected() {
    assertTrue(message("--model", dir.toString(), "--memory-budget", "lots").contains("--memory-budget expects a positive byte count"));
    assertTrue(message("--model", dir.toString(), "--placement", "turbo").contains("--placement expects NAME=PATTERN"));
    assertTrue(message("--port", "1").contains("--model DIR is required"));
    assertTrue(message("--model", dir.resolve("missing").toString()).contains("is not a directory"));
    assertTrue(message("--model").contains("--model needs a value"));
  }

  private static String message(String... args) {
    return assertThrows(IllegalArgumentException.class, () -> ServeCommand.parse(args)).getMessage();
  }
}
