package dev.gearbox.routing.runtime;

import java.util.List;

/**
 * The runtime's catalogue as the router sees it.
 *
 * @param modelName the served model's name ({@code apriel}); clients address it as {@code apriel}
 *     or {@code apriel:<placement>}
 * @param maxContextLength most tokens (prompt + completion) one sequence may hold
 * @param defaultPlacement the checkpoint's own default placement (all-FA on a supernet)
 * @param placements every placement the runtime hosts
 * @param vocabSize token ids are in {@code [0, vocabSize)}; 0 when unknown
 */
public record RuntimeInfo(
    String modelName,
    int maxContextLength,
    String defaultPlacement,
    List<PlacementInfo> placements,
    int vocabSize) {

  public RuntimeInfo {
    placements = List.copyOf(placements);
  }

  /** A catalogue whose vocabulary size is not known. */
  public RuntimeInfo(
      String modelName,
      int maxContextLength,
      String defaultPlacement,
      List<PlacementInfo> placements) {
    this(modelName, maxContextLength, defaultPlacement, placements, 0);
  }

  /** True when the runtime hosts a placement called {@code name}. */
  public boolean hasPlacement(String name) {
    for (PlacementInfo p : placements) {
      if (p.name().equals(name)) {
        return true;
      }
    }
    return false;
  }

  /** Names of all placements, in the runtime's order. */
  public List<String> placementNames() {
    return placements.stream().map(PlacementInfo::name).toList();
  }

  /**
   * One hosted placement.
   *
   * @param name placement name
   * @param layers compact per-layer pattern ({@code attention,gdn*3})
   * @param relativeCost decode cost relative to all-FA
   * @param kvBytesPerToken KV bytes one more token adds
   * @param stateBytesAtMaxContext decode-state bytes of one sequence at the maximum context
   */
  public record PlacementInfo(
      String name,
      String layers,
      double relativeCost,
      long kvBytesPerToken,
      long stateBytesAtMaxContext) {}
}
