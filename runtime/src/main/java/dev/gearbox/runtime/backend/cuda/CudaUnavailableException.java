package dev.gearbox.runtime.backend.cuda;

/** No GPU backend here: no CUDA driver, no such device, or a jar built without its kernels. */
public final class CudaUnavailableException extends RuntimeException {
  public CudaUnavailableException(String message) {
    super(message);
  }

  public CudaUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
