package dev.gearbox.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gearbox.runtime.engine.FinishReason;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class GenerateCommandTest {
  static final Path BUNDLED = Path.of("../examples/models/gearbox-tiny");

  @Test
  void greedyTextMatchesTheTrainingCodeOnTheBundledModel() throws Exception {
    JsonNode sample =
        new ObjectMapper().readTree(BUNDLED.resolve("reference-sample.json").toFile());
    // mixed-b: kda,swa,gdn,attention; its 48 greedy tokens run past the 64-token SWA window.
    String pattern = String.join(",", names(sample.get("placements").get("mixed-b")));
    GenerateCommand.Options options =
        GenerateCommand.parse(
            new String[] {
              "--model", BUNDLED.toString(), "--placement", pattern,
              "--prompt", sample.get("prompt_text").asText(), "--max-tokens", "48", "--threads", "2"
            });
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    GenerateCommand.Result result =
        GenerateCommand.run(options, new PrintStream(printed, true, StandardCharsets.UTF_8));
    String expected = sample.get("greedy_text").get("mixed-b").asText();
    assertEquals(expected, result.text());
    assertEquals(expected, printed.toString(StandardCharsets.UTF_8));
    assertEquals(FinishReason.LENGTH, result.completion().reason());
    assertEquals(48, result.completion().completionTokens());
    assertTrue(result.decodeTokensPerSecond() > 0);
    assertEquals("cli", result.placement().name());
  }

  @Test
  void stopStringEndsTheTextBeforeIt() throws Exception {
    JsonNode sample =
        new ObjectMapper().readTree(BUNDLED.resolve("reference-sample.json").toFile());
    GenerateCommand.Options options =
        GenerateCommand.parse(
            new String[] {
              "--model", BUNDLED.toString(), "--placement", "attention*4",
              "--prompt", sample.get("prompt_text").asText(), "--max-tokens", "48",
              "--stop", "Gentiles"
            });
    GenerateCommand.Result result =
        GenerateCommand.run(options, new PrintStream(new ByteArrayOutputStream(), true));
    String full = sample.get("greedy_text").get("all-attention").asText();
    assertEquals(full.substring(0, full.indexOf("Gentiles")), result.text());
    assertEquals(FinishReason.STOP_STRING, result.completion().reason());
  }

  @Test
  void badFlagsNameTheFlag() {
    String dir = BUNDLED.toString();
    assertTrue(message("--model", dir).contains("--prompt TEXT is required"));
    assertTrue(message("--model", dir, "--prompt", "x", "--max-tokens", "0").contains("--max-tokens must be >= 1"));
    assertTrue(message("--model", dir, "--prompt", "x", "--top-p", "high").contains("--top-p expects a number"));
    assertTrue(message("--model", dir, "--prompt", "x", "--top-p", "1.5").contains("sampling.top_p must be in (0, 1]"));
    assertTrue(message("--model", dir, "--prompt", "x", "--bogus", "1").contains("unknown flag --bogus"));
  }

  @Test
  void unknownMixerInPlacementNamesTheLayer() {
    GenerateCommand.Options options =
        GenerateCommand.parse(
            new String[] {"--model", BUNDLED.toString(), "--placement", "attention*3,lstm", "--prompt", "x"});
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> GenerateCommand.run(options, new PrintStream(new ByteArrayOutputStream())));
    assertTrue(e.getMessage().contains("3") && e.getMessage().contains("lstm"), e.getMessage());
  }

  private static String message(String... args) {
    return assertThrows(RuntimeException.class, () -> GenerateCommand.parse(args)).getMessage();
  }

  private static String[] names(JsonNode array) {
    String[] out = new String[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asText();
    }
    return out;
  }
}
