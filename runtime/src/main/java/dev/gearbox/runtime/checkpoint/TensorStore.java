package dev.gearbox.runtime.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The tensors of one checkpoint directory, single-file ({@code model.safetensors}) or sharded
 * through {@code model.safetensors.index.json}; lookups check the shape the model expects.
 */
public final class TensorStore implements AutoCloseable {
  private final Path dir;
  private final Map<String, SafetensorsFile> files = new LinkedHashMap<>();
  private final Map<String, SafetensorsFile> byTensor = new HashMap<>();

  private TensorStore(Path dir) {
    this.dir = dir;
  }

  /** Opens every shard of the checkpoint in {@code dir}. */
  public static TensorStore open(Path dir) {
    TensorStore store = new TensorStore(dir);
    try {
      Path index = dir.resolve("model.safetensors.index.json");
      if (Files.exists(index)) {
        store.openIndexed(index);
      } else if (Files.exists(dir.resolve("model.safetensors"))) {
        store.add(dir.resolve("model.safetensors"));
      } else {
        List<Path> shards;
        try (Stream<Path> list = Files.list(dir)) {
          shards =
              list.filter(p -> p.getFileName().toString().endsWith(".safetensors"))
                  .sorted()
                  .toList();
        } catch (IOException e) {
          throw new CheckpointException(
              dir + ": cannot list checkpoint directory: " + e.getMessage(), e);
        }
        if (shards.isEmpty()) {
          throw new CheckpointException(
              dir + ": no model.safetensors, model.safetensors.index.json or *.safetensors file");
        }
        for (Path shard : shards) {
          store.add(shard);
        }
      }
      return store;
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  private void openIndexed(Path index) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(index.toFile());
    } catch (IOException e) {
      throw new CheckpointException(index + ": cannot parse index: " + e.getMessage(), e);
    }
    JsonNode weightMap = root == null ? null : root.get("weight_map");
    if (weightMap == null || !weightMap.isObject()) {
      throw new CheckpointException(index + ": missing object 'weight_map'");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = weightMap.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      String shardName = entry.getValue().asText();
      SafetensorsFile shard = files.get(shardName);
      if (shard == null) {
        Path shardPath = dir.resolve(shardName);
        if (!Files.exists(shardPath)) {
          throw new CheckpointException(
              index
                  + ": tensor '"
                  + entry.getKey()
                  + "' maps to missing shard '"
                  + shardName
                  + "'");
        }
        shard = SafetensorsFile.open(shardPath);
        files.put(shardName, shard);
      }
      if (!shard.contains(entry.getKey())) {
        throw new CheckpointException(
            shard.path()
                + ": missing tensor '"
                + entry.getKey()
                + "' listed in "
                + index.getFileName());
      }
      byTensor.put(entry.getKey(), shard);
    }
  }

  private void add(Path path) {
    SafetensorsFile file = SafetensorsFile.open(path);
    files.put(path.getFileName().toString(), file);
    for (String name : file.tensors().keySet()) {
      byTensor.putIfAbsent(name, file);
    }
  }

  /** True when some shard holds {@code name}. */
  public boolean contains(String name) {
    return byTensor.containsKey(name);
  }

  /** Name, dtype and shape of {@code name}; null when no shard holds it. */
  public TensorInfo info(String name) {
    SafetensorsFile file = byTensor.get(name);
    return file == null ? null : file.info(name);
  }

  /** All tensor names across shards. */
  public List<String> names() {
    return new ArrayList<>(byTensor.keySet());
  }

  /**
   * Reads {@code name} as floats after checking that its shape is {@code expectedShape}.
   *
   * @throws CheckpointException naming the file and tensor when it is missing or has another shape
   */
  public float[] floats(String name, long... expectedShape) {
    SafetensorsFile file = byTensor.get(name);
    if (file == null) {
      throw new CheckpointException(
          dir
              + ": missing tensor '"
              + name
              + "' (shape "
              + Arrays.toString(expectedShape)
              + " expected)");
    }
    TensorInfo info = file.info(name);
    if (!Arrays.equals(info.shape(), expectedShape)) {
      throw new CheckpointException(
          file.path()
              + ": tensor '"
              + name
              + "' has shape "
              + info.shapeText()
              + ", expected "
              + Arrays.toString(expectedShape));
    }
    return file.floats(name);
  }

  /** The directory this checkpoint was opened from. */
  public Path dir() {
    return dir;
  }

  @Override
  public void close() {
    for (SafetensorsFile file : files.values()) {
      file.close();
    }
    files.clear();
    byTensor.clear();
  }
}
