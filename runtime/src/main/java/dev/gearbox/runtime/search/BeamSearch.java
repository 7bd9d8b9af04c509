package dev.gearbox.runtime.search;

import dev.gearbox.runtime.placement.MixerKind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The inner loop of the placement search: for one allocation, beam search over which layers get
 * which mixer. Starts from seeded random assignments, expands each beam member by swapping the
 * mixers of two layers or switching a layer to another mixer of the same kind (both keep the
 * allocation, hence the cost), keeps the best {@code beamWidth}, and stops when the beam stops
 * changing. Deterministic for a given seed.
 */
public final class BeamSearch {
  /** Quality of an assignment (one mixer name per layer); higher is better. */
  @FunctionalInterface
  public interface Scorer {
    double score(List<String> mixerNames);
  }

  /** One scored assignment. */
  public record Candidate(List<String> mixerNames, double score) {}

  /**
   * @param best the best assignment found
   * @param beam the final beam, best first
   * @param evaluated distinct assignments this search scored, in the order it scored them
   */
  public record Result(Candidate best, List<Candidate> beam, List<List<String>> evaluated) {}

  private static final Comparator<Candidate> BEST_FIRST =
      Comparator.comparingDouble(Candidate::score)
          .reversed()
          .thenComparing(c -> String.join(",", c.mixerNames()));

  private final SearchSpace space;
  private final int beamWidth;
  private final int randomStarts;
  private final int maxRounds;
  private final long seed;

  /**
   * @param beamWidth assignments kept per round
   * @param randomStarts random assignments drawn to seed the beam
   * @param maxRounds expansion rounds at most (the beam usually settles long before)
   */
  public BeamSearch(SearchSpace space, int beamWidth, int randomStarts, int maxRounds, long seed) {
    if (beamWidth < 1 || randomStarts < 1 || maxRounds < 1) {
      throw new IllegalArgumentException(
          "beam width, random starts and rounds must be >= 1, got "
              + beamWidth
              + ", "
              + randomStarts
              + ", "
              + maxRounds);
    }
    this.space = space;
    this.beamWidth = beamWidth;
    this.randomStarts = randomStarts;
    this.maxRounds = maxRounds;
    this.seed = seed;
  }

  /** Searches assignments of {@code allocation}; it must be feasible for the space. */
  public Result search(Allocation allocation, Scorer scorer) {
    if (!space.feasible(allocation.counts(), 0)) {
      throw new IllegalArgumentException(
          "allocation " + allocation + " does not fit the layers' mixers");
    }
    // Mixing in the allocation keeps each allocation's starts independent of search order.
    Random random = new Random(seed * 1_000_003L + allocation.hashCode());
    Map<List<String>, Candidate> scored = new HashMap<>();
    List<List<String>> order = new ArrayList<>();

    Set<List<String>> starts = new LinkedHashSet<>();
    for (int tries = 0; starts.size() < randomStarts && tries < randomStarts * 20; tries++) {
      starts.add(randomAssignment(allocation, random));
    }
    List<Candidate> beam = top(evaluate(starts, scorer, scored, order));
    for (int round = 0; round < maxRounds; round++) {
      Set<List<String>> pool = new LinkedHashSet<>();
      for (Candidate c : beam) {
        pool.add(c.mixerNames());
        pool.addAll(neighbours(c.mixerNames()));
      }
      List<Candidate> next = top(evaluate(pool, scorer, scored, order));
      if (next.equals(beam)) {
        break;
      }
      beam = next;
    }
    return new Result(beam.get(0), beam, List.copyOf(order));
  }

  /** A uniformly drawn kind per layer among those that keep the rest feasible. */
  List<String> randomAssignment(Allocation allocation, Random random) {
    int[] left = allocation.counts();
    List<String> names = new ArrayList<>();
    for (int l = 0; l < space.numLayers(); l++) {
      List<MixerKind> options = new ArrayList<>();
      for (MixerKind kind : space.kinds()) {
        if (left[kind.ordinal()] > 0 && space.offers(l, kind)) {
          left[kind.ordinal()]--;
          if (space.feasible(left, l + 1)) {
            options.add(kind);
          }
          left[kind.ordinal()]++;
        }
      }
      MixerKind kind = options.get(random.nextInt(options.size()));
      left[kind.ordinal()]--;
      List<String> ofKind = space.names(l, kind);
      names.add(ofKind.get(random.nextInt(ofKind.size())));
    }
    return List.copyOf(names);
  }

  /** Assignments one move away that keep the allocation. */
  List<List<String>> neighbours(List<String> names) {
    int n = names.size();
    MixerKind[] kinds = new MixerKind[n];
    for (int l = 0; l < n; l++) {
      kinds[l] = space.kindOf(l, names.get(l));
    }
    List<List<String>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        if (kinds[i] != kinds[j] && space.offers(i, kinds[j]) && space.offers(j, kinds[i])) {
          List<String> swapped = new ArrayList<>(names);
          swapped.set(i, space.names(i, kinds[j]).get(0));
          swapped.set(j, space.names(j, kinds[i]).get(0));
          out.add(List.copyOf(swapped));
        }
      }
      for (String other : space.names(i, kinds[i])) {
        if (!other.equals(names.get(i))) {
          List<String> switched = new ArrayList<>(names);
          switched.set(i, other);
          out.add(List.copyOf(switched));
        }
      }
    }
    return out;
  }

  private static List<Candidate> evaluate(
      Set<List<String>> assignments,
      Scorer scorer,
      Map<List<String>, Candidate> scored,
      List<List<String>> order) {
    List<Candidate> out = new ArrayList<>();
    for (List<String> names : assignments) {
      Candidate c = scored.get(names);
      if (c == null) {
        c = new Candidate(names, scorer.score(names));
        scored.put(names, c);
        order.add(names);
      }
      out.add(c);
    }
    return out;
  }

  private List<Candidate> top(List<Candidate> candidates) {
    List<Candidate> sorted = new ArrayList<>(candidates);
    sorted.sort(BEST_FIRST);
    return List.copyOf(sorted.subList(0, Math.min(beamWidth, sorted.size())));
  }
}
