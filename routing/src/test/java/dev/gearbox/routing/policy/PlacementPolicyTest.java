package dev.gearbox.routing.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gearbox.routing.config.ConfigParser;
import dev.gearbox.routing.config.RouterConfig;
import org.junit.jupiter.api.Test;

class PlacementPolicyTest {

  final RouterConfig.Routing routing =
      new ConfigParser()
          .parse(
              "t",
              """
              routing:
                rules:
                  - match: { workload: batch, priority: low }
                    placement: turbo
                  - match: { minPromptTokens: 1000, maxPromptTokens: 2000 }
                    placement: mid
                  - match: { path: /v1/chat/* }
                    placement: chatty
                underKvPressure: { above: 0.8, shiftTo: turbo, onlyWorkloads: [batch] }
              """)
          .routing();

  Selection select(
      String explicit, String workload, String priority, int tokens, String path, double kv) {
    return PlacementPolicy.select(
        routing, "all-fa", new RequestFacts(explicit, workload, priority, tokens, path), kv);
  }

  @Test
  void orderIsExplicitThenRulesThenDefault() {
    assertEquals(
        new Selection("x", "explicit"), select("x", "batch", "low", 10, "/v1/completions", 0));
    assertEquals(
        new Selection("turbo", "rule:0"), select(null, "batch", "low", 10, "/v1/completions", 0));
    assertEquals(
        new Selection("all-fa", "default"),
        select(null, "batch", "high", 10, "/v1/completions", 0),
        "all match fields must hold");
    assertEquals(
        new Selection("mid", "rule:1"), select(null, null, null, 1000, "/v1/completions", 0));
    assertEquals(
        new Selection("mid", "rule:1"),
        select(null, null, null, 2000, "/v1/chat/completions", 0),
        "first match wins");
    assertEquals(
        new Selection("chatty", "rule:2"),
        select(null, null, null, 2001, "/v1/chat/completions", 0));
    assertEquals(
        new Selection("all-fa", "default"), select(null, null, null, 999, "/v1/completions", 0));
  }

  @Test
  void kvPressureShiftsOnlyEligibleNonExplicitRequestsAboveTheThreshold() {
    assertEquals(
        new Selection("turbo", "kv-pressure"),
        select(null, "batch", null, 10, "/v1/completions", 0.81));
    assertEquals(
        new Selection("all-fa", "default"),
        select(null, "batch", null, 10, "/v1/completions", 0.8),
        "strictly above");
    assertEquals(
        new Selection("all-fa", "default"),
        select(null, "chat", null, 10, "/v1/completions", 0.99));
    assertEquals(
        new Selection("all-fa", "explicit"),
        select("all-fa", "batch", null, 10, "/v1/completions", 0.99));
    assertEquals(
        new Selection("turbo", "rule:0"),
        select(null, "batch", "low", 10, "/v1/completions", 0.99),
        "already turbo");
  }

  @Test
  void configDefaultBeatsRuntimeDefault() {
    RouterConfig.Routing withDefault =
        new ConfigParser().parse("t", "routing:\n  default: safe\n").routing();
    assertEquals(
        new Selection("safe", "default"),
        PlacementPolicy.select(
            withDefault, "all-fa", new RequestFacts(null, null, null, 1, "/v1/completions"), 0));
  }
}
