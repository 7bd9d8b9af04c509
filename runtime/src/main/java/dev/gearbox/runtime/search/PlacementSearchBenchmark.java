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
    // Random placements of the same allocation; an allocation with fewer arrangements than
    // asked for contributes all of them.
    Set<List<String>> others = new LinkedHashSet<>();
    for (int tries = 0; others.size() < randomCount && tries < 50 * randomCount; tries++) {
      List<String> names = drawer.randomAssignment(result.bestAllocation(), random);
      if (!names.equals(foundNames)) {
        others.add(names);
      }
    }
    System.out.printf(
        Locale.ROOT,
        "budget %.2f: %d allocations searched, found %s (%s), vs %d random placements of the"
            + " same allocation%n",
        result.budget(),
        result.allocations(),
        found.pattern(),
        result.bestAllocation(),
        others.size());
    System.out.printf(
        Locale.ROOT,
        "| placement | cost | search kl/token | ess/N | held-out ppl | vs all-attention |%n"
            + "|---|---:|---:|---:|---:|---:|%n");
    double foundPpl =
        row(lm, search, "**found** " + found.pattern(), foundNames, heldOut, teacherPpl);
    double[] randomPpl = new double[others.size()];
    int i = 0;
    for (List<String> names : others) {
      randomPpl[i++] =
          row(
              lm,
              search,
              "random " + search.placement(names).pattern(),
              names,
              heldOut,
              teacherPpl);
    }
    double[] sorted = randomPpl.clone();
    Arrays.sort(sorted);
    int better = 0;
    for (double p : randomPpl) {
      better += p < foundPpl ? 1 : 0;
    }
    double median =
        sorted.length == 0
            ? Double.NaN
            : sorted.length % 2 == 1
                ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    System.out.printf(
        Locale.ROOT,
        "found / median random held-out ppl = %.2f / %.2f = %.3f; found / best random = %.3f;"
            + " random placements better than found: %d of %d%n%n",
        foundPpl,
        median,
        foundPpl / median,
        sorted.length == 0 ? Double.NaN : foundPpl / sorted[0],
        better,
        randomPpl.length);
  }

  private static double row(
      LanguageModel lm,
      PlacementSearch search,
      String label,
      List<String> names,
      List<TeacherSample> heldOut,
      double teacherPpl) {
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
