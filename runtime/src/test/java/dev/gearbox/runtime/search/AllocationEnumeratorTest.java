package dev.gearbox.runtime.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.runtime.placement.MixerKind;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AllocationEnumeratorTest {
  private static final List<MixerKind> ALL = List.of(MixerKind.values());

  @Test
  void fullBudgetGivesEveryCompositionOfTheLayers() {
    // Multisets of size 4 over 5 kinds: C(4 + 5 - 1, 4) = C(8, 4) = 70.
    List<Allocation> allocations = AllocationEnumerator.enumerate(ALL, 4, 1.0);
    assertEquals(70, allocations.size());
    assertEquals(70, new HashSet<>(allocations).size());
    for (Allocation a : allocations) {
      assertEquals(4, a.layers());
    }
  }

  @Test
  void budgetsMatchBruteForceOverEveryAssignment() {
    for (double budget : new double[] {0.6, 0.35, 0.16, 0.1, 0.09}) {
      List<Allocation> enumerated = AllocationEnumerator.enumerate(ALL, 4, budget);
      assertEquals(bruteForce(4, budget), new HashSet<>(enumerated), "budget " + budget);
      for (int i = 0; i < enumerated.size(); i++) {
        assertTrue(enumerated.get(i).relativeCost() <= budget + 1e-9);
        if (i > 0) {
          assertTrue(enumerated.get(i - 1).relativeCost() <= enumerated.get(i).relativeCost());
        }
      }
    }
    // Hand-checked edges: 0.09 is exactly all-GDN; all-SWA is exactly 0.16.
    assertEquals(1, AllocationEnumerator.enumerate(ALL, 4, 0.09).size());
    assertTrue(
        AllocationEnumerator.enumerate(ALL, 4, 0.16)
            .contains(new Allocation(new int[] {0, 4, 0, 0, 0})));
    assertEquals(0, AllocationEnumerator.enumerate(ALL, 4, 0.08).size());
  }

  @Test
  void dropsAllocationsTheLayersCannotTake() {
    // Layer 0 has only attention (fa/swa), the others also gdn: at most 3 gdn layers.
    List<Map<MixerKind, List<String>>> layers = new ArrayList<>();
    layers.add(
        Map.of(
            MixerKind.FULL_ATTENTION,
            List.of("attention"),
            MixerKind.SLIDING_WINDOW,
            List.of("swa")));
    for (int l = 1; l < 4; l++) {
      layers.add(
          Map.of(
              MixerKind.FULL_ATTENTION, List.of("attention"),
              MixerKind.SLIDING_WINDOW, List.of("swa"),
              MixerKind.GATED_DELTANET, List.of("gdn")));
    }
    SearchSpace space = new SearchSpace(layers);
    List<Allocation> allocations = AllocationEnumerator.enumerate(space, 1.0);
    // Compositions of 4 over 3 kinds (C(6,2) = 15) minus {gdn=4}.
    assertEquals(14, allocations.size());
    assertTrue(allocations.stream().allMatch(a -> a.count(MixerKind.GATED_DELTANET) <= 3));
    assertTrue(allocations.stream().allMatch(a -> a.count(MixerKind.MAMBA) == 0));
  }

  private static Set<Allocation> bruteForce(int layers, double budget) {
    Set<Allocation> out = new HashSet<>();
    int kinds = MixerKind.values().length;
    int total = (int) Math.pow(kinds, layers);
    for (int code = 0; code < total; code++) {
      int[] counts = new int[kinds];
      double cost = 0;
      for (int l = 0, c = code; l < layers; l++, c /= kinds) {
        counts[c % kinds]++;
        cost += MixerKind.values()[c % kinds].relativeCost();
      }
      if (cost / layers <= budget + 1e-9) {
        out.add(new Allocation(counts));
      }
    }
    return out;
  }

  static Map<MixerKind, List<String>> offering(MixerKind... kinds) {
    Map<MixerKind, List<String>> map = new EnumMap<>(MixerKind.class);
    for (MixerKind k : kinds) {
      map.put(k, List.of(k.shortName()));
    }
    return map;
  }
}
