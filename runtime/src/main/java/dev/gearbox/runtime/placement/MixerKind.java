package dev.gearbox.runtime.placement;

/**
 * The families of sequence mixers Gearbox runs, with their relative decode cost.
 *
 * <p>Relative costs are kernel time relative to full attention from the Apriel-H2 talk ("The cost
 * model: why counts are enough"): FA 1.00, SWA 0.16, GDN 0.09, KDA 0.11. Mamba has no number in
 * the talk; 0.10 is a provisional value between GDN and KDA (same state size class) until our
 * GPU benchmark measures it.
 */
public enum MixerKind {
  FULL_ATTENTION("fa", 1.00),
  SLIDING_WINDOW("swa", 0.16),
  GATED_DELTANET("gdn", 0.09),
  KIMI_DELTA("kda", 0.11),
  MAMBA("mamba", 0.10);

  private final String shortName;
  private final double relativeCost;

  MixerKind(String shortName, double relativeCost) {
    this.shortName = shortName;
    this.relativeCost = relativeCost;
  }

  /** The short name used in patterns and metrics labels ({@code fa}, {@code swa}, ...). */
  public String shortName() {
    return shortName;
  }

  /** Decode kernel time relative to one full-attention layer. */
  public double relativeCost() {
    return relativeCost;
  }

  /** True for mixers whose per-sequence state grows with context (until the window, for SWA). */
  public boolean hasKvCache() {
    return this == FULL_ATTENTION || this == SLIDING_WINDOW;
  }
}
