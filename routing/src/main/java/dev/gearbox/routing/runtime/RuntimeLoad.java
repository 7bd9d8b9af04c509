package dev.gearbox.routing.runtime;

/**
 * A snapshot of the runtime's load, used for the KV-pressure gear shift and readiness.
 *
 * @param ready whether the model is loaded and the runtime accepts work
 * @param kvUtilization fraction of the KV/state pool in use, 0..1
 * @param runningSequences sequences currently decoding
 * @param queuedSequences sequences waiting for admission
 * @param memoryBytesInUse bytes of KV/state memory in use
 */
public record RuntimeLoad(
    boolean ready,
    double kvUtilization,
    int runningSequences,
    int queuedSequences,
    long memoryBytesInUse) {

  /** The load reported while the runtime cannot be reached. */
  public static final RuntimeLoad UNKNOWN = new RuntimeLoad(false, 0, 0, 0, 0);
}
