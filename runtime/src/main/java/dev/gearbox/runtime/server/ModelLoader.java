package dev.gearbox.runtime.server;

import dev.gearbox.runtime.model.LanguageModel;
import java.io.IOException;
import java.nio.file.Path;

/** Loads the checkpoint the server hosts; a seam so tests and benchmarks can supply their own. */
@FunctionalInterface
public interface ModelLoader {

  /** Loads the checkpoint in {@code dir}. */
  LanguageModel load(Path dir) throws IOException;

  /** The CPU model core's loader. */
  static ModelLoader checkpoint() {
    return dir -> {
      throw new IOException(
          "cannot load " + dir + ": the checkpoint loader (dev.gearbox.runtime.model.Models) is not in this build");
    };
  }
}
