package dev.gearbox.runtime.search;

import static dev.gearbox.runtime.search.AllocationEnumeratorTest.offering;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.runtime.placement.MixerKind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BeamSearchTest {
  private static final MixerKind[] KINDS = {
    MixerKind.FULL_ATTENTION,
    MixerKind.SLIDING_WINDOW,
    MixerKind.GATED_DELTANET,
    MixerKind.KIMI_DELTA
  };

  @Test
  void findsAKnownOptimumWithoutTryingEveryArrangement() {
    SearchSpace space = uniform(8, KINDS);
    List<String> target = List.of("gdn", "fa", "kda", "swa", "gdn", "fa", "kda", "gdn");
    Allocation allocation = allocationOf(space, target);
    BeamSearch.Result result =
        new BeamSearch(space, 2, 2, 50, 7).search(allocation, names -> matches(names, target));
    assertEquals(target, result.best().mixerNames());
    assertEquals(8, result.best().score());
    // 8! / (2! 1! 3! 2!) = 1680 arrangements; the beam climbs instead of enumerating.
    assertTrue(result.evaluated().size() < 1680 / 2, "evaluated " + result.evaluated().size());
    for (List<String> names : result.evaluated()) {
      assertEquals(allocation, allocationOf(space, names), "left the allocation: " + names);
    }
  }

  @Test
  void sameSeedSameSearchDifferentSeedDifferentStarts() {
    SearchSpace space = uniform(8, KINDS);
    List<String> target = List.of("gdn", "fa", "kda", "swa", "gdn", "fa", "kda", "gdn");
    Allocation allocation = allocationOf(space, target);
    BeamSearch.Scorer scorer = names -> matches(names, target);
    BeamSearch.Result a = new BeamSearch(space, 3, 4, 50, 42).search(allocation, scorer);
    BeamSearch.Result b = new BeamSearch(space, 3, 4, 50, 42).search(allocation, scorer);
    BeamSearch.Result c = new BeamSearch(space, 3, 4, 50, 43).search(allocation, scorer);
    assertEquals(a.evaluated(), b.evaluated());
    assertEquals(a.beam(), b.beam());
    assertNotEquals(a.evaluated().subList(0, 4), c.evaluated().subList(0, 4));
  }

  @Test
  void matchesExhaustiveSearchOnAnInteractingScorer() {
    // Per-layer preferences plus a bonus for attention right after a linear mixer: the kind of
    // interaction that makes placement matter beyond counts.
    SearchSpace space =
        uniform(6, MixerKind.FULL_ATTENTION, MixerKind.SLIDING_WINDOW, MixerKind.GATED_DELTANET);
    Random random = new Random(3);
    Map<String, double[]> preference =
        Map.of(
            "fa", random.doubles(6).toArray(),
            "swa", random.doubles(6).toArray(),
            "gdn", random.doubles(6).toArray());
    BeamSearch.Scorer scorer =
        names -> {
          double s = 0;
          for (int l = 0; l < names.size(); l++) {
            s += preference.get(names.get(l))[l];
            if (l > 0 && names.get(l).equals("fa") && names.get(l - 1).equals("gdn")) {
              s += 0.7;
            }
          }
          return s;
        };
    List<String> seedArrangement = List.of("fa", "fa", "swa", "swa", "gdn", "gdn");
    Allocation allocation = allocationOf(space, seedArrangement);
    List<String> best = null;
    for (List<String> p : permutations(seedArrangement)) {
      if (best == null || scorer.score(p) > scorer.score(best)) {
        best = p;
      }
    }
    BeamSearch.Result result = new BeamSearch(space, 4, 4, 50, 0).search(allocation, scorer);
    assertEquals(best, result.best().mixerNames());
  }

  @Test
  void switchesBetweenMixersOfTheSameKind() {
    List<Map<MixerKind, List<String>>> layers = new ArrayList<>();
    layers.add(offering(MixerKind.FULL_ATTENTION, MixerKind.GATED_DELTANET));
    Map<MixerKind, List<String>> twoGdn = new EnumMap<>(offering(MixerKind.FULL_ATTENTION));
    twoGdn.put(MixerKind.GATED_DELTANET, List.of("gdn", "gdn_wide"));
    layers.add(twoGdn);
    layers.add(offering(MixerKind.FULL_ATTENTION, MixerKind.GATED_DELTANET));
    SearchSpace space = new SearchSpace(layers);
    Allocation allocation = new Allocation(new int[] {1, 0, 2, 0, 0});
    BeamSearch.Scorer scorer =
        names -> (names.get(0).equals("fa") ? 1 : 0) + (names.get(1).equals("gdn_wide") ? 1 : 0);
    BeamSearch.Result result = new BeamSearch(space, 1, 1, 50, 5).search(allocation, scorer);
    assertEquals(List.of("fa", "gdn_wide", "gdn"), result.best().mixerNames());
  }

  @Test
  void randomStartsRespectWhatEachLayerOffers() {
    List<Map<MixerKind, List<String>>> layers = new ArrayList<>();
    layers.add(offering(MixerKind.FULL_ATTENTION));
    layers.add(offering(MixerKind.FULL_ATTENTION, MixerKind.GATED_DELTANET));
    layers.add(offering(MixerKind.FULL_ATTENTION, MixerKind.GATED_DELTANET));
    SearchSpace space = new SearchSpace(layers);
    BeamSearch search = new BeamSearch(space, 1, 1, 1, 0);
    Random random = new Random(1);
    Set<List<String>> seen = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      seen.add(search.randomAssignment(new Allocation(new int[] {2, 0, 1, 0, 0}), random));
    }
    assertEquals(Set.of(List.of("fa", "fa", "gdn"), List.of("fa", "gdn", "fa")), seen);
  }

  private static double matches(List<String> names, List<String> target) {
    int n = 0;
    for (int l = 0; l < names.size(); l++) {
      n += names.get(l).equals(target.get(l)) ? 1 : 0;
    }
    return n;
  }

  static SearchSpace uniform(int layers, MixerKind... kinds) {
    return new SearchSpace(Collections.nCopies(layers, offering(kinds)));
  }

  static Allocation allocationOf(SearchSpace space, List<String> names) {
    int[] counts = new int[MixerKind.values().length];
    for (int l = 0; l < names.size(); l++) {
      counts[space.kindOf(l, names.get(l)).ordinal()]++;
    }
    return new Allocation(counts);
  }

  private static Set<List<String>> permutations(List<String> items) {
    Set<List<String>> out = new HashSet<>();
    if (items.isEmpty()) {
      out.add(List.of());
      return out;
    }
    for (int i = 0; i < items.size(); i++) {
      List<String> rest = new ArrayList<>(items);
      String head = rest.remove(i);
      for (List<String> tail : permutations(rest)) {
        List<String> p = new ArrayList<>();
        p.add(head);
        p.addAll(tail);
        out.add(p);
      }
    }
    return out;
  }
}
