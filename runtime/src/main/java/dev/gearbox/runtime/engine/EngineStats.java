package dev.gearbox.runtime.engine;

import dev.gearbox.runtime.placement.MixerKind;
import java.util.Map;

/**
 * A snapshot of the engine's load.
 *
 * @param capacityBytes the memory budget
 * @param usedBytes bytes reserved by admitted requests
 * @param filledBytes bytes of state written so far
 * @param running requests in the batch
 * @param waiting requests queued for memory
 * @param pools per state kind: {used, filled} bytes
 * @param placements per placement name
 * @param generationTokensPerSecond recent generation throughput
 * @param promptTokensTotal prompt tokens prefilled since start
 * @param generationTokensTotal tokens generated since start
 */
public record EngineStats(
    long capacityBytes,
    long usedBytes,
    long filledBytes,
    int running,
    int waiting,
    Map<MixerKind, long[]> pools,
    Map<String, PlacementLoad> placements,
    double generationTokensPerSecond,
    long promptTokensTotal,
    long generationTokensTotal) {

  /** used / capacity: the KV pressure. */
  public double utilization() {
    return (double) usedBytes / capacityBytes;
  }

  /**
   * Load of one placement.
   *
   * @param timeToFirstToken TTFT histogram since start
   * @param timePerOutputToken TPOT histogram since start
   */
  public record PlacementLoad(
      int running,
      int waiting,
      long usedBytes,
      long filledBytes,
      LatencyHistogram.Snapshot timeToFirstToken,
      LatencyHistogram.Snapshot timePerOutputToken) {}
}
