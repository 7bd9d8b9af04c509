package dev.gearbox.e2e.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gearbox.e2e.RepoPaths;
import dev.gearbox.runtime.placement.PlacementPattern;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks the example manifests without a cluster: placement patterns parse with the runtime's own
 * parser and every name the routing section uses is a declared placement. The e2e suite then
 * applies them to a real API server.
 */
class ExamplesTest {

  static List<Path> manifests() {
    return ExampleManifests.all();
  }

  @Test
  void theThreeDocumentedExamplesExist() {
    Set<String> names = new HashSet<>();
    manifests().forEach(p -> names.add(p.getFileName().toString()));
    assertTrue(
        names.containsAll(Set.of("minimal.yaml", "apriel2-supernet.yaml", "llama-fa-swa.yaml", "gearbox-tiny.yaml")),
        "examples/ has " + names);
  }

  @ParameterizedTest
  @MethodSource("manifests")
  void everyExampleIsExplainedInTheReadme(Path manifest) throws Exception {
    String readme = Files.readString(RepoPaths.examples().resolve("README.md"));
    assertTrue(
        readme.contains(manifest.getFileName().toString()),
        "examples/README.md does not mention " + manifest.getFileName());
  }

  @ParameterizedTest
  @MethodSource("manifests")
  void placementsParseAndAgreeOnTheLayerCount(Path manifest) {
    JsonNode model = ExampleManifests.read(manifest);
    assertEquals(
        "gearbox.dev/v1alpha1", model.path("apiVersion").asText(), manifest + " apiVersion");
    assertEquals("HybridModel", model.path("kind").asText(), manifest + " kind");
    Map<String, Integer> layersByPlacement = new HashMap<>();
    for (JsonNode placement : model.path("spec").path("placements")) {
      String name = placement.path("name").asText();
      List<String> layers = PlacementPattern.expand(placement.path("layers").asText());
      assertFalse(layers.isEmpty(), manifest + " placement " + name + " has no layers");
      assertEquals(null, layersByPlacement.put(name, layers.size()), manifest + " repeats " + name);
    }
    assertFalse(layersByPlacement.isEmpty(), manifest + " declares no placements");
    assertEquals(
        1,
        Set.copyOf(layersByPlacement.values()).size(),
        manifest
            + ": placements of one checkpoint must cover the same layers: "
            + layersByPlacement);
  }

  @ParameterizedTest
  @MethodSource("manifests")
  void routingOnlyNamesDeclaredPlacements(Path manifest) {
    JsonNode spec = ExampleManifests.read(manifest).path("spec");
    Set<String> declared = new HashSet<>();
    spec.path("placements").forEach(p -> declared.add(p.path("name").asText()));
    List<String> referenced = new ArrayList<>();
    JsonNode routing = spec.path("routing");
    if (routing.has("default")) {
      referenced.add(routing.path("default").asText());
    }
    routing.path("rules").forEach(r -> referenced.add(r.path("placement").asText()));
    if (routing.path("underKvPressure").has("shiftTo")) {
      referenced.add(routing.path("underKvPressure").path("shiftTo").asText());
    }
    for (String name : referenced) {
      assertTrue(declared.contains(name), manifest + " routes to undeclared placement " + name);
    }
  }
}
