package dev.gearbox.runtime.server;

import dev.gearbox.runtime.backend.ModelBackend;
import dev.gearbox.runtime.backend.cuda.CudaOptions;
import dev.gearbox.runtime.model.LanguageModel;
import dev.gearbox.runtime.model.Models;
import java.io.IOException;
import java.nio.file.Path;

/** Loads the checkpoint the server hosts; a seam so tests and benchmarks can supply their own. */
@FunctionalInterface
public interface ModelLoader {

  /** Loads the checkpoint in {@code dir}. */
  LanguageModel load(Path dir) throws IOException;

  /** The CPU model core's loader ({@link Models#load(Path)}). */
  static ModelLoader checkpoint() {
    return Models::load;
  }

  /** Loads on {@code backend}: the CPU with every core, or the GPU sized by {@code cuda}. */
  static ModelLoader forBackend(ModelBackend backend, CudaOptions cuda) {
    return dir -> backend.load(dir, 0, cuda, System.err);
  }
}
