package dev.gearbox.e2e.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.gearbox.e2e.RepoPaths;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The HybridModel manifests under {@code examples/}, which both the unit and e2e tests apply. */
public final class ExampleManifests {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private ExampleManifests() {}

  /** Every top-level {@code examples/*.yaml}, sorted by name so test order is stable. */
  public static List<Path> all() {
    try (Stream<Path> files = Files.list(RepoPaths.examples())) {
      List<Path> manifests =
          files.filter(p -> p.getFileName().toString().endsWith(".yaml")).sorted().toList();
      if (manifests.isEmpty()) {
        throw new IllegalStateException("no *.yaml manifests in " + RepoPaths.examples());
      }
      return manifests;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + RepoPaths.examples(), e);
    }
  }

  public static JsonNode read(Path manifest) {
    try {
      return YAML.readTree(manifest.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(manifest + " is not valid YAML", e);
    }
  }
}
