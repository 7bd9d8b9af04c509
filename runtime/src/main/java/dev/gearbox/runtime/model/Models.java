package dev.gearbox.runtime.model;

import dev.gearbox.runtime.backend.cpu.CpuLanguageModel;
import dev.gearbox.runtime.checkpoint.TensorStore;
import java.nio.file.Path;

/** Entry point for loading checkpoints: parse the config, open the tensors, build a backend. */
public final class Models {
  private Models() {}

  /** Parses {@code dir/config.json} (+ generation_config.json) without reading any weights. */
  public static ModelConfig loadConfig(Path dir) {
    return ConfigParser.load(dir);
  }

  /** Loads the checkpoint in {@code dir} on the CPU backend, using every available core. */
  public static CpuLanguageModel load(Path dir) {
    return load(dir, Runtime.getRuntime().availableProcessors());
  }

  /** Loads the checkpoint in {@code dir} on the CPU backend with {@code threads} threads. */
  public static CpuLanguageModel load(Path dir, int threads) {
    ModelConfig config = loadConfig(dir);
    // Weights are copied into float arrays, so the mapped files can be closed right away.
    try (TensorStore store = TensorStore.open(dir)) {
      return CpuLanguageModel.load(config, store, threads);
    }
  }
}
