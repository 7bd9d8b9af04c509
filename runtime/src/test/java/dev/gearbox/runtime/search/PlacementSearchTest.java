package dev.gearbox.runtime.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.gearbox.runtime.model.LanguageModel;
import dev.gearbox.runtime.model.Models;
import dev.gearbox.runtime.placement.Placement;
import dev.gearbox.runtime.placement.PlacementPattern;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The command line end to end on the bundled model, with a tiny sample budget. */
class PlacementSearchTest {
  private static final String MODEL = "../examples/models/gearbox-tiny";

  @Test
  void printsYamlWhosePlacementsResolveWithinBudget() throws Exception {
    // Budgets 0.10 (only gdn/mamba/kda mixes fit) and 0.09 (only all-GDN fits) keep this fast.
    String[] out =
        run("--model", MODEL, "--max-samples", "2", "--budget", "0.1", "--budget", "0.09");
    assertEquals("0", out[0], out[2]);
    JsonNode yaml = new YAMLMapper().readTree(out[1]);
    JsonNode placements = yaml.get("placements");
    assertEquals(2, placements.size(), out[1]);
    assertEquals("turbo-0.10", placements.get(0).get("name").asText());
    assertEquals("turbo-0.09", placements.get(1).get("name").asText());
    assertEquals("gdn*4", placements.get(1).get("layers").asText());
    try (LanguageModel model = Models.load(java.nio.file.Path.of(MODEL), 1)) {
      for (JsonNode p : placements) {
        String layers = p.get("layers").asText();
        assertEquals(4, PlacementPattern.expand(layers).size());
        Placement placement = model.placement(p.get("name").asText(), List.of(layers));
        double budget = Double.parseDouble(p.get("name").asText().substring("turbo-".length()));
        assertTrue(placement.relativeCost() <= budget + 1e-9, layers);
      }
    }
    assertTrue(out[1].contains("# budget 0.10: 9 allocations; best "), out[1]);
    assertTrue(out[1].contains("unlabelled: ranked by KL"), out[1]);
  }

  @Test
  void nothingUnderTheCheapestMixerExitsOne() {
    String[] out = run("--model", MODEL, "--max-samples", "1", "--budget", "0.05");
    assertEquals("1", out[0]);
    assertTrue(out[1].contains("# budget 0.05: no allocation fits"), out[1]);
  }

  @Test
  void badArgumentsExitTwoNamingTheFlag() {
    String[] out = run("--model", MODEL, "--budget", "1.5");
    assertEquals("2", out[0]);
    assertTrue(out[2].contains("--budget is a cost relative to all full attention"), out[2]);
    out = run("--model", MODEL, "--budget", "0.5", "--beam", "0");
    assertEquals("2", out[0]);
    assertTrue(out[2].contains("--beam must be >= 1"), out[2]);
    out = run("--budget", "0.5");
    assertTrue(out[2].contains("--model DIR is required"), out[2]);
    out = run("--model", MODEL, "--samples", "/nonexistent/s.jsonl", "--budget", "0.5");
    assertEquals("2", out[0]);
  }

  /** Returns exit status, stdout and stderr. */
  private static String[] run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        PlacementSearch.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new String[] {
      String.valueOf(status),
      out.toString(StandardCharsets.UTF_8),
      err.toString(StandardCharsets.UTF_8)
    };
  }
}
