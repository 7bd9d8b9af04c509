package dev.gearbox.runtime.backend;

import dev.gearbox.runtime.backend.cuda.CudaContext;
import dev.gearbox.runtime.backend.cuda.CudaLanguageModel;
import dev.gearbox.runtime.backend.cuda.CudaOptions;
import dev.gearbox.runtime.backend.cuda.CudaUnavailableException;
import dev.gearbox.runtime.checkpoint.TensorStore;
import dev.gearbox.runtime.model.LanguageModel;
import dev.gearbox.runtime.model.ModelConfig;
import dev.gearbox.runtime.model.Models;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * Which kernels run a model ({@code --backend cpu|cuda|auto}): the CPU backend, the CUDA backend
 * (an error when there is no usable GPU or the jar has no kernels; never a silent fallback), or
 * CUDA when GPU 0 opens and the CPU otherwise, said in one log line.
 */
public enum ModelBackend {
  CPU,
  CUDA,
  AUTO;

  /** Parses a {@code --backend} value. */
  public static ModelBackend parse(String value) {
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "cpu" -> CPU;
      case "cuda", "gpu" -> CUDA;
      case "auto" -> AUTO;
      default ->
          throw new IllegalArgumentException(
              "--backend expects cpu or cuda (or auto), got '" + value + "'");
    };
  }

  /**
   * The backend {@code AUTO} resolves to: CUDA when {@code gpuWorks} says GPU 0 opens, else CPU
   * (with one line on {@code log}). CPU and CUDA resolve to themselves.
   */
  public ModelBackend resolve(BooleanSupplier gpuWorks) {
    if (this != AUTO) {
      return this;
    }
    return gpuWorks.getAsBoolean() ? CUDA : CPU;
  }

  /** Loads the checkpoint in {@code dir} on this backend ({@code threads <= 0}: every core). */
  public LanguageModel load(Path dir, int threads, PrintStream log) {
    return load(dir, threads, CudaOptions.defaults(), log);
  }

  /** As {@link #load(Path, int, PrintStream)}, the GPU model sized by {@code cuda}. */
  public LanguageModel load(Path dir, int threads, CudaOptions cuda, PrintStream log) {
    ModelBackend chosen = resolve(() -> gpuOpens(cuda.device(), log));
    if (chosen == CUDA) {
      return loadCuda(dir, cuda);
    }
    return threads > 0 ? Models.load(dir, threads) : Models.load(dir);
  }

  /** Loads the checkpoint in {@code dir} on GPU {@code options.device()}. */
  public static CudaLanguageModel loadCuda(Path dir, CudaOptions options) {
    ModelConfig config = Models.loadConfig(dir);
    try (TensorStore store = TensorStore.open(dir)) {
      return CudaLanguageModel.load(config, store, options);
    } catch (CudaUnavailableException e) {
      throw new CudaUnavailableException("--backend cuda: " + e.getMessage(), e);
    }
  }

  /** True when GPU {@code device} opens with the Gearbox kernels; else logs why, returns false. */
  static boolean gpuOpens(int device, PrintStream log) {
    try (CudaContext ctx = CudaContext.open(device)) {
      return true;
    } catch (RuntimeException | LinkageError e) {
      log.println("gearbox runtime: --backend auto: no usable GPU (" + e.getMessage()
          + "); running on the CPU");
      return false;
    }
  }
}
