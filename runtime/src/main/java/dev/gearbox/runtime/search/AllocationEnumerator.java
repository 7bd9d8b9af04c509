package dev.gearbox.runtime.search;

import dev.gearbox.runtime.placement.MixerKind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Enumerates every mixer-count vector over the available kinds whose relative decode cost fits a
 * budget: the outer loop of the two-level search, cheap because cost depends on counts only.
 */
public final class AllocationEnumerator {
  // Costs such as 4 × 0.16 / 4 must not miss a budget of 0.16 by a rounding error.
  private static final double EPSILON = 1e-9;

  private AllocationEnumerator() {}

  /**
   * All allocations of {@code layers} layers over {@code kinds} with relative cost at most {@code
   * budget}, cheapest first.
   */
  public static List<Allocation> enumerate(List<MixerKind> kinds, int layers, double budget) {
    if (layers < 1) {
      throw new IllegalArgumentException("layers must be >= 1, got " + layers);
    }
    if (kinds.isEmpty()) {
      throw new IllegalArgumentException("no mixer kinds to allocate");
    }
    if (!(budget > 0)) {
      throw new IllegalArgumentException("budget must be > 0, got " + budget);
    }
    List<Allocation> out = new ArrayList<>();
    double maxTotalCost = budget * layers + EPSILON;
    compose(kinds, 0, layers, new int[MixerKind.values().length], 0, maxTotalCost, out);
    out.sort(
        Comparator.comparingDouble(Allocation::relativeCost).thenComparing(Allocation::toString));
    return out;
  }

  /** Allocations of {@code space} within {@code budget} that its layers can actually take. */
  public static List<Allocation> enumerate(SearchSpace space, double budget) {
    List<Allocation> out = new ArrayList<>();
    for (Allocation a : enumerate(space.kinds(), space.numLayers(), budget)) {
      if (space.feasible(a.counts(), 0)) {
        out.add(a);
      }
    }
    return out;
  }

  private static void compose(
      List<MixerKind> kinds,
      int index,
      int remaining,
      int[] counts,
      double cost,
      double maxCost,
      List<Allocation> out) {
    if (index == kinds.size() - 1) {
      MixerKind last = kinds.get(index);
      if (cost + remaining * last.relativeCost() <= maxCost) {
        counts[last.ordinal()] = remaining;
        out.add(new Allocation(counts));
        counts[last.ordinal()] = 0;
      }
      return;
    }
    MixerKind kind = kinds.get(index);
    for (int n = 0; n <= remaining; n++) {
      double withKind = cost + n * kind.relativeCost();
      if (withKind > maxCost) {
        break;
      }
      counts[kind.ordinal()] = n;
      compose(kinds, index + 1, remaining - n, counts, withKind, maxCost, out);
    }
    counts[kind.ordinal()] = 0;
  }
}
