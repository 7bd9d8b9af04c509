package dev.gearbox.runtime.search;

import dev.gearbox.runtime.placement.MixerKind;
import java.util.Arrays;

/**
 * How many layers use each mixer kind, regardless of where: the outer level of the search, and all
 * that the decode cost depends on.
 */
public final class Allocation {
  private final int[] counts;

  /**
   * @param counts layers per kind, indexed by {@link MixerKind#ordinal()}
   */
  public Allocation(int[] counts) {
    if (counts.length != MixerKind.values().length) {
      throw new IllegalArgumentException(
          "expected " + MixerKind.values().length + " counts, got " + counts.length);
    }
    for (int c : counts) {
      if (c < 0) {
        throw new IllegalArgumentException("negative mixer count in " + Arrays.toString(counts));
      }
    }
    this.counts = counts.clone();
  }

  /** Layers using {@code kind}. */
  public int count(MixerKind kind) {
    return counts[kind.ordinal()];
  }

  /** A copy of the counts, indexed by {@link MixerKind#ordinal()}. */
  public int[] counts() {
    return counts.clone();
  }

  /** Number of layers. */
  public int layers() {
    int n = 0;
    for (int c : counts) {
      n += c;
    }
    return n;
  }

  /** {@code Σ_m count_m × cost_m / layers}: decode cost relative to all full attention. */
  public double relativeCost() {
    double sum = 0;
    for (MixerKind kind : MixerKind.values()) {
      sum += counts[kind.ordinal()] * kind.relativeCost();
    }
    return sum / layers();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Allocation other && Arrays.equals(counts, other.counts);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(counts);
  }

  /** E.g. {@code fa=2,gdn=2}. */
  @Override
  public String toString() {
    StringBuilder out = new StringBuilder();
    for (MixerKind kind : MixerKind.values()) {
      if (counts[kind.ordinal()] > 0) {
        out.append(out.isEmpty() ? "" : ",").append(kind.shortName()).append('=');
        out.append(counts[kind.ordinal()]);
      }
    }
    return out.toString();
  }
}
