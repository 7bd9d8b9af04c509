package dev.gearbox.routing.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigParserTest {

  final ConfigParser parser = new ConfigParser();

  @Test
  void parsesTheDesignDocShape() {
    RouterConfig c =
        parser.parse(
            "cfg.yaml",
            """
            routing:
              default: all-fa
              rules:
                - match: { workload: batch }
                  placement: turbo-8x
                - match: { minPromptTokens: 32000 }
                  placement: turbo-8x
              underKvPressure: { above: 0.85, shiftTo: turbo-8x, onlyWorkloads: [batch, agent] }
            slo: { ttftP95Ms: 800, tpotP95Ms: 40 }
            limits:
              perClient: { maxConcurrent: 8, requestsPerSecond: 20 }
            """);
    assertEquals("all-fa", c.routing().defaultPlacement());
    assertEquals(2, c.routing().rules().size());
    assertEquals("batch", c.routing().rules().get(0).match().workload());
    assertEquals(32000, c.routing().rules().get(1).match().minPromptTokens());
    assertEquals(0.85, c.routing().underKvPressure().above());
    assertEquals(List.of("batch", "agent"), c.routing().underKvPressure().onlyWorkloads());
    assertEquals(800.0, c.slo().ttftP95Ms());
    assertEquals(8, c.limits().perClient().maxConcurrent());
    assertEquals(20, c.limits().perClient().burst(), "burst defaults to one second of rate");
    assertEquals(120_000L, c.runtimeCall().deadlineMs());
  }

  @Test
  void readsTheOperatorsFlatRouterJson() {
    RouterConfig c =
        parser.parse(
            "router.json",
            """
            {"model":"apriel","placements":["all-fa","turbo-8x"],"default":"all-fa",
             "rules":[{"match":{"workload":"batch"},"placement":"turbo-8x"}],
             "underKvPressure":{"above":0.85,"shiftTo":"turbo-8x","onlyWorkloads":["batch"]},
             "slo":{"ttftP95Ms":800,"tpotP95Ms":40},"rollout":{"steps":[10,50,100]}}
            """);
    assertEquals("apriel", c.model());
    assertEquals(List.of("all-fa", "turbo-8x"), c.placements());
    assertEquals("all-fa", c.routing().defaultPlacement());
    assertEquals("turbo-8x", c.routing().rules().get(0).placement());
    assertEquals("turbo-8x", c.routing().underKvPressure().shiftTo());
    assertEquals(40.0, c.slo().tpotP95Ms());
    ConfigException both =
        assertThrows(
            ConfigException.class,
            () -> parser.parse("r", "default: a\nrouting: { default: b }\n"));
    assertTrue(both.getMessage().contains("use one form"), both.getMessage());
    ConfigException missing =
        assertThrows(
            ConfigException.class,
            () ->
                ConfigParser.checkPlacements(
                    "r", parser.parse("r", "placements: [a, gone]\n"), List.of("a")));
    assertTrue(
        missing.getMessage().contains("placements[1]: placement 'gone' is not served"),
        missing.getMessage());
  }

  @Test
  void emptyFileMeansDefaults() {
    RouterConfig c = parser.parse("cfg.yaml", "");
    assertNull(c.routing().defaultPlacement());
    assertTrue(c.routing().rules().isEmpty());
    assertEquals(0, c.limits().perClient().maxConcurrent());
  }

  static String error(ConfigParser parser, String yaml) {
    return assertThrows(ConfigException.class, () -> parser.parse("cfg.yaml", yaml)).getMessage();
  }

  @Test
  void rejectionsNameTheField() {
    String typo =
        error(parser, "routing:\n  rules:\n    - match: { workloud: batch }\n      placement: x\n");
    assertTrue(
        typo.contains("cfg.yaml")
            && typo.contains("routing.rules[0].match")
            && typo.contains("workloud"),
        typo);

    String type =
        error(
            parser,
            "routing:\n  rules:\n    - match: { minPromptTokens: lots }\n      placement: x\n");
    assertTrue(type.contains("routing.rules[0].match.minPromptTokens"), type);

    String range =
        error(
            parser,
            "routing:\n"
                + "  rules:\n"
                + "    - match: { minPromptTokens: 10, maxPromptTokens: 5 }\n"
                + "      placement: x\n");
    assertTrue(
        range.contains("routing.rules[0].match: minPromptTokens 10 > maxPromptTokens 5"), range);

    String noPlacement = error(parser, "routing:\n  rules:\n    - match: { workload: batch }\n");
    assertTrue(noPlacement.contains("routing.rules[0].placement: required"), noPlacement);

    String above = error(parser, "routing:\n  underKvPressure: { above: 85, shiftTo: t }\n");
    assertTrue(above.contains("routing.underKvPressure.above"), above);

    String slo = error(parser, "slo: { ttftP95Ms: -1 }\n");
    assertTrue(slo.contains("slo.ttftP95Ms: must be > 0"), slo);

    String yaml = error(parser, "routing: [unclosed\n");
    assertTrue(yaml.contains("cfg.yaml"), yaml);
  }

  @Test
  void placementsAreCheckedAgainstTheRuntime() {
    RouterConfig c =
        parser.parse(
            "cfg.yaml",
            "routing:\n  default: all-fa\n  underKvPressure: { above: 0.9, shiftTo: warp }\n");
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> ConfigParser.checkPlacements("cfg.yaml", c, List.of("all-fa", "turbo")));
    assertTrue(
        e.getMessage().contains("routing.underKvPressure.shiftTo: placement 'warp' is not served"),
        e.getMessage());
    ConfigParser.checkPlacements("cfg.yaml", c, List.of("all-fa", "warp"));
  }

  @Test
  void canariesAreCheckedFieldByField() {
    String message =
        error(
            parser,
            """
            canaries:
              - { placement: turbo, baseline: turbo, weight: 101 }
              - { placement: turbo, weight: 5 }
            """);
    assertTrue(message.contains("routing.canaries[0].baseline: must differ"), message);
    assertTrue(
        message.contains("routing.canaries[0].weight: must be a percentage in 0..100, got 101"),
        message);
    assertTrue(
        message.contains("routing.canaries[1].placement: 'turbo' has a canary already"), message);
    assertTrue(message.contains("routing.canaries[1].baseline: required"), message);
    RouterConfig ok =
        parser.parse("t", "canaries: [{placement: turbo, baseline: all-fa, weight: 10}]\n");
    assertThrows(
        ConfigException.class,
        () -> ConfigParser.checkPlacements("t", ok, List.of("turbo")),
        "the baseline must be served too");
  }
}
