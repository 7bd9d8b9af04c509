package dev.gearbox.operator.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OperatorSettingsTest {

  @Test
  void readsTheChartsEnvironment() {
    OperatorSettings s =
        OperatorSettings.from(
            Map.of(
                "GEARBOX_WATCH_NAMESPACES", "team-a, team-b",
                "GEARBOX_METRICS_PORT", "9100",
                "GEARBOX_HEALTH_PORT", "8081",
                "GEARBOX_LEADER_ELECTION", "true",
                "POD_NAMESPACE", "gearbox-system",
                "GEARBOX_LOG_LEVEL", "DEBUG"));
    assertEquals(Set.of("team-a", "team-b"), s.watchNamespaces());
    assertEquals(9100, s.metricsPort());
    assertEquals(8081, s.healthPort());
    assertTrue(s.leaderElection());
    assertEquals("gearbox-system", s.leaseNamespace());
    assertEquals("debug", s.logLevel());
  }

  @Test
  void emptyEnvironmentWatchesEverythingWithDefaults() {
    OperatorSettings s = OperatorSettings.from(Map.of());
    assertTrue(s.watchNamespaces().isEmpty());
    assertEquals(8080, s.metricsPort());
    assertEquals(false, s.leaderElection());
  }

  @Test
  void badValuesNameTheVariable() {
    assertEquals(
        "GEARBOX_METRICS_PORT must be a port number 1..65535; got 'http'",
        assertThrows(
                IllegalArgumentException.class,
                () -> OperatorSettings.from(Map.of("GEARBOX_METRICS_PORT", "http")))
            .getMessage());
    assertEquals(
        "GEARBOX_LEADER_ELECTION=true needs POD_NAMESPACE (the namespace of the Lease)",
        assertThrows(
                IllegalArgumentException.class,
                () -> OperatorSettings.from(Map.of("GEARBOX_LEADER_ELECTION", "true")))
            .getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> OperatorSettings.from(Map.of("GEARBOX_LEADER_ELECTION", "yes")));
  }
}
