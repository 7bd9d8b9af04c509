package dev.gearbox.runtime.search;

import dev.gearbox.runtime.engine.Sampler;
import dev.gearbox.runtime.model.LanguageModel;
import dev.gearbox.runtime.model.Models;
import dev.gearbox.runtime.model.SequenceState;
import dev.gearbox.runtime.placement.Placement;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * Does the search find placements that are better on real held-out text than chance? For each
 * budget, runs the search on teacher completions, then measures held-out perplexity on the prompts
 * of the teacher samples the search never saw, for the found placement and for random placements of
 * the same allocation (same cost), and prints the ratio.
 *
 * <p>Usage: {@code PlacementSearchBenchmark [--model DIR] [--max-samples 64] [--random 8] [--beam
 * 4] [--seed 0] [--threads N] [--budget 0.6 --budget 0.35]}.
 */
public final class PlacementSearchBenchmark {
  // "Nearly the same cost" for comparators from other allocations, relative to all-FA.
  private static final double SIMILAR_COST = 0.05;

  private PlacementSearchBenchmark() {}

  public static void main(String[] args) {
    Path model = Path.of("examples/models/gearbox-tiny");
    int maxSamples = 64;
    int randomCount = 8;
    int beamWidth = 4;
    long seed = 0;
    int threads = Runtime.getRuntime().availableProcessors();
    List<Double> budgets = new ArrayList<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      String value = args[i + 1];
      switch (args[i]) {
        case "--model" -> model = Path.of(value);
        case "--max-samples" -> maxSamples = Integer.parseInt(value);
        case "--random" -> randomCount = Integer.parseInt(value);
        case "--beam" -> beamWidth = Integer.parseInt(value);
        case "--seed" -> seed = Long.parseLong(value);
        case "--threads" -> threads = Integer.parseInt(value);
        case "--budget" -> budgets.add(Double.parseDouble(value));
        default -> throw new IllegalArgumentException("unknown flag " + args[i]);
      }
    }
    if (budgets.isEmpty()) {
      budgets = List.of(0.6, 0.35);
    }
    TeacherSamples all = TeacherSamples.load(PlacementSearch.defaultSamples(model));
    List<TeacherSample> heldOut = all.after(maxSamples);
    if (heldOut.isEmpty()) {
      throw new IllegalArgumentException(
          "--max-samples " + maxSamples + " leaves no held-out prompts of " + all.size());
    }
    try (LanguageModel lm = Models.load(model, threads)) {
      long start = System.nanoTime();
      PlacementSearch search =
          new PlacementSearch(lm, all.first(maxSamples), beamWidth, beamWidth, seed);
      int heldOutTokens = 0;
      for (TeacherSample s : heldOut) {
        heldOutTokens += s.prompt().length - 1;
      }
      System.out.printf(
          Locale.ROOT,
          "search on %d teacher completions (%d tokens); held-out perplexity on the prompts of the"
              + " other %d samples (%d predicted tokens); beam %d, seed %d, %d threads%n",
          search.scorer().samples().size(),
          search.scorer().samples().completionTokens(),
          heldOut.size(),
          heldOutTokens,
          beamWidth,
          seed,
          threads);
      double teacherPpl = perplexity(lm, lm.defaultPlacement(), heldOut);
      System.out.printf(Locale.ROOT, "all-attention held-out perplexity %.2f%n%n", teacherPpl);
      Random random = new Random(seed);
      for (double budget : budgets) {
        PlacementSearch.Result result = search.search(budget, System.err);
        compare(lm, search, result, heldOut, randomCount, random, teacherPpl);
      }
      System.out.printf(
          Locale.ROOT,
          "%d distinct placements scored, %.0f s in all%n",
          search.scorer().evaluations(),
          (System.nanoTime() - start) / 1e9);
    }
  }

  private static void compare(
      LanguageModel lm,
      PlacementSearch search,
      PlacementSearch.Result result,
      List<TeacherSample> heldOut,
      int randomCount,
      Random random,
      double teacherPpl) {
    PlacementScore found = result.best();
    List<String> foundNames = lm.placement("found", List.of(found.pattern())).mixerNames();
    BeamSearch drawer = new BeamSearch(search.space(), 1, 1, 1, 0);
    // Random placements of the same allocation (all of them when it has fewer arrangements than
    // asked for), topped up from other allocations of nearly the same cost.
    Set<List<String>> sameAllocation = new LinkedHashSet<>();
    for (int tries = 0; sameAllocation.size() < randomCount && tries < 50 * randomCount; tries++) {
      List<String> names = drawer.randomAssignment(result.bestAllocation(), random);
      if (!names.equals(foundNames)) {
        sameAllocation.add(names);
      }
    }
    List<Allocation> similar = new ArrayList<>();
    for (Allocation a : AllocationEnumerator.enumerate(search.space(), result.budget())) {
      if (!a.equals(result.bestAllocation())
          && Math.abs(a.relativeCost() - found.relativeCost()) <= SIMILAR_COST) {
        similar.add(a);
      }
    }
    Set<List<String>> similarCost = new LinkedHashSet<>();
    int missing = randomCount - sameAllocation.size();
    for (int tries = 0;
        similarCost.size() < missing && !similar.isEmpty() && tries < 50 * randomCount;
        tries++) {
      Allocation a = similar.get(random.nextInt(similar.size()));
      similarCost.add(drawer.randomAssignment(a, random));
    }
    System.out.printf(
        Locale.ROOT,
        "budget %.2f: %d allocations searched, found %s (%s), vs %d random placements of the"
            + " same allocation and %d of other allocations within %.2f of its cost%n",
        result.budget(),
        result.allocations(),
        found.pattern(),
        result.bestAllocation(),
        sameAllocation.size(),
        similarCost.size(),
        SIMILAR_COST);
    System.out.printf(
        Locale.ROOT,
        "| placement | cost | search kl/token | ess/N | held-out ppl | vs all-attention |%n"
            + "|---|---:|---:|---:|---:|---:|%n");
    List<double[]> klAndPpl = new ArrayList<>();
    double foundPpl =
        row(lm, search, "**found** " + found.pattern(), foundNames, heldOut, teacherPpl, klAndPpl);
    List<Double> same = new ArrayList<>();
    for (List<String> names : sameAllocation) {
      String label = "random " + search.placement(names).pattern();
      same.add(row(lm, search, label, names, heldOut, teacherPpl, klAndPpl));
    }
    List<Double> all = new ArrayList<>(same);
    for (List<String> names : similarCost) {
      String label = "similar-cost " + search.placement(names).pattern();
      all.add(row(lm, search, label, names, heldOut, teacherPpl, klAndPpl));
    }
    summarise("same allocation", foundPpl, same);
    summarise("all comparators", foundPpl, all);
    System.out.printf(
        Locale.ROOT,
        "Spearman rank correlation of search kl/token and held-out ppl over these %d rows:"
            + " %.2f%n%n",
        klAndPpl.size(),
        spearman(klAndPpl));
  }

  private static void summarise(String what, double foundPpl, List<Double> others) {
    if (others.isEmpty()) {
      return;
    }
    double[] sorted = others.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int n = sorted.length;
    double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    long better = others.stream().filter(p -> p < foundPpl).count();
    System.out.printf(
        Locale.ROOT,
        "%s: found / median random held-out ppl = %.2f / %.2f = %.3f; found / best = %.3f;"
            + " better than found: %d of %d%n",
        what,
        foundPpl,
        median,
        foundPpl / median,
        foundPpl / sorted[0],
        better,
        n);
  }

  /** Rank correlation of the two columns (no tie correction: ties are measure-zero here). */
  static double spearman(List<double[]> pairs) {
    int n = pairs.size();
    double[] rankA = ranks(pairs, 0);
    double[] rankB = ranks(pairs, 1);
    double d2 = 0;
    for (int i = 0; i < n; i++) {
      d2 += (rankA[i] - rankB[i]) * (rankA[i] - rankB[i]);
    }
    return 1 - 6 * d2 / (n * ((double) n * n - 1));
  }

  private static double[] ranks(List<double[]> pairs, int column) {
    Integer[] order = new Integer[pairs.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (x, y) -> Double.compare(pairs.get(x)[column], pairs.get(y)[column]));
    double[] ranks = new double[order.length];
    for (int r = 0; r < order.length; r++) {
      ranks[order[r]] = r;
    }
    return ranks;
  }

  private static double row(
      LanguageModel lm,
      PlacementSearch search,
      String label,
      List<String> names,
      List<TeacherSample> heldOut,
      double teacherPpl,
      List<double[]> klAndPpl) {
    Placement placement = search.placement(names);
    PlacementScore score = search.scorer().score(placement);
    double ppl = perplexity(lm, placement, heldOut);
    System.out.printf(
        Locale.ROOT,
        "| %s | %.3f | %.4f | %.3f | %.2f | %+.1f%% |%n",
        label,
        placement.relativeCost(),
        score.klPerToken(),
        score.essFraction(),
        ppl,
        100 * (ppl / teacherPpl - 1));
    klAndPpl.add(new double[] {score.klPerToken(), ppl});
    return ppl;
  }

  /** Perplexity of each prompt's tokens after the first, each prompt its own context. */
  static double perplexity(LanguageModel lm, Placement placement, List<TeacherSample> samples) {
    int vocab = lm.vocabSize();
    int maxPrompt = samples.stream().mapToInt(s -> s.prompt().length).max().orElse(0);
    float[] logits = new float[maxPrompt * vocab];
    double nll = 0;
    long count = 0;
    for (TeacherSample sample : samples) {
      int[] prompt = sample.prompt();
      SequenceState sequence = lm.newSequence(placement);
      try {
        lm.prefill(sequence, prompt, 0, prompt.length, logits, true);
      } finally {
        sequence.release();
      }
      for (int j = 1; j < prompt.length; j++) {
        nll -= Sampler.logProb(logits, (j - 1) * vocab, vocab, prompt[j]);
        count++;
      }
    }
    return Math.exp(nll / count);
  }
}
