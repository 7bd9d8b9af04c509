package dev.gearbox.runtime.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the {@code placements.json} the operator writes into the pod's ConfigMap: {@code
 * {"placements": [{"name": ..., "pattern": "fa,gdn*3", "mixers": [...]}, ...]}}. A model
 * directory may carry the same file to name its recommended placements (local mode serves them).
 */
public final class PlacementsFile {
  private PlacementsFile() {}

  /** Name and pattern (or comma-joined mixer list) per placement, in file order. */
  public static List<String[]> read(Path file) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "--placements " + file + ": not readable JSON: " + e.getMessage());
    }
    JsonNode list = root == null ? null : root.get("placements");
    if (list == null || !list.isArray()) {
      throw new IllegalArgumentException(
          "--placements " + file + ": expected an object with a 'placements' array");
    }
    List<String[]> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      JsonNode entry = list.get(i);
      String where = "--placements " + file + ": placements[" + i + "]";
      JsonNode name = entry.get("name");
      if (name == null || !name.isTextual() || name.asText().isBlank()) {
        throw new IllegalArgumentException(where + ".name: expected a non-empty string");
      }
      String layers;
      JsonNode mixers = entry.get("mixers");
      JsonNode pattern = entry.get("pattern");
      if (mixers != null && mixers.isArray() && !mixers.isEmpty()) {
        List<String> names = new ArrayList<>();
        mixers.forEach(m -> names.add(m.asText()));
        layers = String.join(",", names);
      } else if (pattern != null && pattern.isTextual() && !pattern.asText().isBlank()) {
        layers = pattern.asText();
      } else {
        throw new IllegalArgumentException(where + ": expected 'pattern' or a non-empty 'mixers'");
      }
      out.add(new String[] {name.asText(), layers});
    }
    return out;
  }
}
