package dev.gearbox.runtime.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gearbox.runtime.bench.RandomCheckpoint;
import dev.gearbox.runtime.checkpoint.CheckpointException;
import dev.gearbox.runtime.checkpoint.SafetensorsFile;
import dev.gearbox.runtime.checkpoint.SafetensorsWriter;
import dev.gearbox.runtime.placement.MixerKind;
import dev.gearbox.runtime.placement.Placement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad configs, tensors and placements fail with messages naming the field, tensor or layer. */
class ModelLoadingErrorsTest {
  private static final RandomCheckpoint.Spec SPEC =
      new RandomCheckpoint.Spec(32, 2, 64, 4, 2, 8, 48, 4, 256);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private ObjectNode config() throws IOException {
    return (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
  }

  private void save(ObjectNode config) throws IOException {
    JSON.writeValue(dir.resolve("config.json").toFile(), config);
  }

  @Test
  void supernetLoadsWithEveryMixer() {
    RandomCheckpoint.writeApriel2Supernet(dir, SPEC, 1);
    try (LanguageModel model = Models.load(dir, 1)) {
      assertEquals(List.of("attention", "swa", "gdn", "kda", "mamba"), model.mixerNames(0));
      Placement turbo = model.placement("turbo", List.of("fa,mamba"));
      assertEquals(List.of("attention", "mamba"), turbo.mixerNames());
      assertEquals(MixerKind.MAMBA, turbo.kind(1));
      assertEquals(List.of("attention", "attention"), model.defaultPlacement().mixerNames());
    }
  }

  @Test
  void unknownMixerTypeNamesTheFieldPath() throws IOException {
    RandomCheckpoint.writeApriel2Supernet(dir, SPEC, 1);
    ObjectNode config = config();
    ((ObjectNode) config.at("/decoder/block/mixer/mixers")).putObject("foo").put("type", "bar");
    save(config);
    var error = assertThrows(CheckpointException.class, () -> Models.loadConfig(dir));
    assertEquals(
        dir.resolve("config.json")
            + ": decoder.block.mixer.mixers.foo.type: unknown mixer type 'bar', expected one of"
            + " [attention, gdn, kda, mamba, stochastic]",
        error.getMessage());
  }

  @Test
  void unknownModelTypeNamesTheField() throws IOException {
    RandomCheckpoint.writeDense(dir, "llama", SPEC, false, 1);
    ObjectNode config = config();
    config.put("model_type", "gpt2");
    save(config);
    var error = assertThrows(CheckpointException.class, () -> Models.loadConfig(dir));
    assertTrue(
        error.getMessage().contains("model_type: unknown model type 'gpt2'"), error.getMessage());
  }

  @Test
  void missingConfigFieldNamesItsPath() throws IOException {
    RandomCheckpoint.writeApriel2Supernet(dir, SPEC, 1);
    ObjectNode config = config();
    ((ObjectNode) config.at("/decoder/block/mixer/mixers/attention")).remove("head_size");
    save(config);
    var error = assertThrows(CheckpointException.class, () -> Models.loadConfig(dir));
    assertTrue(
        error
            .getMessage()
            .endsWith("decoder.block.mixer.mixers.attention.head_size: missing field"),
        error.getMessage());
  }

  @Test
  void missingTensorNamesIt() {
    RandomCheckpoint.writeDense(dir, "llama", SPEC, false, 1);
    rewriteWithout("model.layers.1.mlp.up_proj.weight", null);
    var error = assertThrows(CheckpointException.class, () -> Models.load(dir, 1));
    assertTrue(
        error.getMessage().contains("missing tensor 'model.layers.1.mlp.up_proj.weight'"),
        error.getMessage());
  }

  @Test
  void wrongShapeNamesTensorAndShapes() {
    RandomCheckpoint.writeDense(dir, "llama", SPEC, false, 1);
    rewriteWithout("model.layers.0.self_attn.k_proj.weight", new long[] {8, 32});
    var error = assertThrows(CheckpointException.class, () -> Models.load(dir, 1));
    assertEquals(
        dir.resolve("model.safetensors")
            + ": tensor 'model.layers.0.self_attn.k_proj.weight' has shape [8, 32], expected [16,"
            + " 32]",
        error.getMessage());
  }

  /**
   * Rewrites model.safetensors dropping {@code name}, or replacing it with zeros of {@code shape}.
   */
  private void rewriteWithout(String name, long[] shape) {
    Path file = dir.resolve("model.safetensors");
    SafetensorsWriter writer = new SafetensorsWriter();
    try (SafetensorsFile in = SafetensorsFile.open(file)) {
      for (var info : in.tensors().values()) {
        if (!info.name().equals(name)) {
          writer.add(info.name(), info.shape(), in.floats(info.name()));
        } else if (shape != null) {
          writer.add(name, shape, new float[(int) (shape[0] * shape[1])]);
        }
      }
    }
    writer.write(file);
  }

  @Test
  void placementOfWrongLengthOrMissingMixerNamesTheLayer() {
    RandomCheckpoint.writeDense(dir, "qwen2", SPEC, false, 1);
    try (LanguageModel model = Models.load(dir, 1)) {
      var length =
          assertThrows(IllegalArgumentException.class, () -> model.placement("p", List.of("fa*3")));
      assertEquals(
          "placement 'p' has 3 layers, expected 2 (the checkpoint's layer count)",
          length.getMessage());
      var mixer =
          assertThrows(
              IllegalArgumentException.class, () -> model.placement("q", List.of("fa", "gdn")));
      assertEquals(
          "placement 'q': layer 1 has no mixer 'gdn'; it has [attention, swa] (aliases fa, swa,"
              + " gdn, kda, mamba select by type)",
          mixer.getMessage());
      var foreign =
          new Placement("x", List.of("attention", "mamba"), model.defaultPlacement().layers());
      var state = assertThrows(IllegalArgumentException.class, () -> model.newSequence(foreign));
      assertEquals(
          "placement 'x': layer 1 has no mixer 'mamba'; it has [attention, swa]",
          state.getMessage());
    }
  }

  @Test
  void noCheckpointFilesIsReported() throws IOException {
    RandomCheckpoint.writeDense(dir, "llama", SPEC, false, 1);
    Files.delete(dir.resolve("model.safetensors"));
    var error = assertThrows(CheckpointException.class, () -> Models.load(dir, 1));
    assertTrue(error.getMessage().contains("no model.safetensors"), error.getMessage());
  }
}
