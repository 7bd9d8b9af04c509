package dev.gearbox.runtime.backend.cpu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gearbox.runtime.checkpoint.SafetensorsFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reference outputs in the layout of {@code runtime/src/test/resources/golden/apriel2-tiny}, read from system property
 * gearbox.golden.dir.
 */
final class GoldenData {
  final Path dir;
  final JsonNode json;
  final int[] prompt;
  final Map<String, List<String>> placements = new LinkedHashMap<>();

  private GoldenData(Path dir) {
    this.dir = dir;
    try {
      this.json = new ObjectMapper().readTree(dir.resolve("golden.json").toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    json.get("placements")
        .fields()
        .forEachRemaining(
            e -> {
              List<String> names = new ArrayList<>();
              e.getValue().forEach(n -> names.add(n.asText()));
              placements.put(e.getKey(), names);
            });
    try (SafetensorsFile file = SafetensorsFile.open(dir.resolve("golden.safetensors"))) {
      long[] ids = file.longs("prompt_ids");
      prompt = new int[ids.length];
      for (int i = 0; i < ids.length; i++) {
        prompt[i] = Math.toIntExact(ids[i]);
      }
    }
  }

  static GoldenData load() {
    String dir = System.getProperty("gearbox.golden.dir", "src/test/resources/golden/apriel2-tiny");
    return new GoldenData(Path.of(dir));
  }

  float[] floats(String name) {
    try (SafetensorsFile file = SafetensorsFile.open(dir.resolve("golden.safetensors"))) {
      return file.floats(name);
    }
  }

  long[] longs(String name) {
    try (SafetensorsFile file = SafetensorsFile.open(dir.resolve("golden.safetensors"))) {
      return file.longs(name);
    }
  }

  int decodeSplit() {
    return json.get("decode_split").asInt();
  }

  int generateTokens() {
    return json.get("generate_tokens").asInt();
  }
}
