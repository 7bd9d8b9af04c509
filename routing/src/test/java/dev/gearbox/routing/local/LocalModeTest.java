package dev.gearbox.routing.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code ./gearbox up} on the bundled model, without the final serve-until-Ctrl-C. */
class LocalModeTest {

  @Test
  void smokeTestAnswersOncePerPlacementWithRateAndMemory() throws Exception {
    LocalMode.Options options =
        LocalMode.parse(new String[] {"--no-serve", "--port", "0", "--threads", "2"});
    assertTrue(
        Files.isRegularFile(options.model().resolve("model.safetensors")),
        "the bundled model is found");
    PrintStream stdout = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      LocalMode.run(options);
    } finally {
      System.setOut(stdout);
    }
    String out = captured.toString(StandardCharsets.UTF_8);
    assertTrue(out.contains("OpenAI-compatible endpoint: http://127.0.0.1:"), out);
    for (String placement : List.of("default", "all-swa", "all-gdn", "all-kda", "all-mamba")) {
      List<String> rows = out.lines().filter(l -> l.startsWith(placement + " ")).toList();
      assertEquals(1, rows.size(), "one answer row for " + placement + " in\n" + out);
      assertTrue(rows.getFirst().contains("\""), "the answer is printed: " + rows.getFirst());
    }
    assertTrue(out.contains("memory in use: JVM heap"), out);
  }

  @Test
  void badFlagsAreExplained() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> LocalMode.parse(new String[] {"--model", "/nonexistent"}));
    assertTrue(e.getMessage().contains("/nonexistent has no config.json"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> LocalMode.parse(new String[] {"--placement", "x"}));
    assertTrue(e.getMessage().contains("NAME=PATTERN"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> LocalMode.parse(new String[] {"--memory-budget", "lots"}));
    assertTrue(e.getMessage().contains("--memory-budget"), e.getMessage());
    assertTrue(
        Path.of(LocalMode.DEFAULT_MODEL_DIRS.getFirst()).toString().endsWith("gearbox-tiny"));
  }
}
