package dev.gearbox.routing.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.routing.config.ConfigParser;
import dev.gearbox.routing.config.RouterConfig;
import org.junit.jupiter.api.Test;

/** The rollout split: weights, determinism per request id, and the reason header. */
class CanarySplitTest {

  static RouterConfig.Routing routing(int weight) {
    // The operator's flat router.json shape.
    return new ConfigParser()
        .parse(
            "router.json",
            """
            {"default": "all-fa",
             "rules": [{"match": {"workload": "batch"}, "placement": "turbo-60"}],
             "canaries": [{"placement": "turbo-60", "baseline": "all-fa", "weight": %d}]}
            """
                .formatted(weight))
        .routing();
  }

  static Selection batch(RouterConfig.Routing routing, String id) {
    return PlacementPolicy.select(
        routing, "all-fa", new RequestFacts(null, "batch", null, 10, "/v1/completions", id), 0);
  }

  @Test
  void theWeightIsTheShareOfMatchingTrafficTheCanaryGets() {
    for (int weight : new int[] {0, 10, 50, 100}) {
      RouterConfig.Routing routing = routing(weight);
      int canary = 0;
      for (int i = 0; i < 2000; i++) {
        Selection s = batch(routing, "req-" + i);
        if (s.placement().equals("turbo-60")) {
          assertEquals("rule:0;canary=" + weight, s.reason());
          canary++;
        } else {
          assertEquals(new Selection("all-fa", "rule:0;baseline=" + weight), s);
        }
      }
      // 2000 draws: the binomial standard deviation is at most 22 requests.
      assertEquals(weight * 20, canary, 90, "weight " + weight);
    }
  }

  @Test
  void oneRequestIdAlwaysLandsOnTheSameSideAndStaysOnTheCanaryAsTheWeightGrows() {
    for (int i = 0; i < 500; i++) {
      String id = "gbx-" + i;
      boolean at10 = batch(routing(10), id).placement().equals("turbo-60");
      assertEquals(at10, batch(routing(10), id).placement().equals("turbo-60"));
      if (at10) {
        assertTrue(batch(routing(50), id).placement().equals("turbo-60"), id);
      }
    }
    assertEquals(PlacementPolicy.bucket("gbx-42"), PlacementPolicy.bucket("gbx-42"));
  }

  @Test
  void explicitChoicesOfAGatedPlacementGoToTheBaselineAndOtherTrafficIsUntouched() {
    RouterConfig.Routing gated = routing(0);
    assertEquals(
        new Selection("all-fa", "explicit;baseline=0"),
        PlacementPolicy.select(
            gated, "all-fa", new RequestFacts("turbo-60", null, null, 10, "/v1/x", "a"), 0));
    assertEquals(
        new Selection("all-fa", "default"),
        PlacementPolicy.select(
            gated, "all-fa", new RequestFacts(null, "chat", null, 10, "/v1/x", "a"), 0));
  }
}
