package dev.gearbox.runtime.search;

import dev.gearbox.runtime.model.LanguageModel;
import dev.gearbox.runtime.model.Models;
import dev.gearbox.runtime.placement.Placement;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Training-free placement search: for each cost budget, enumerate the mixer allocations that fit,
 * beam-search each allocation's layer assignments scored by importance sampling against the teacher
 * samples, and report the best placement with a ready-to-paste HybridModel snippet.
 *
 * <p>Usage: {@code PlacementSearch --model DIR [--samples FILE] --budget 0.5 [--budget 0.3 ...]
 * [--beam 4] [--starts N] [--seed 0] [--max-samples N] [--threads N]}. Everything on stdout is one
 * YAML document (the report as comments, then {@code placements:}); progress goes to stderr.
 */
public final class PlacementSearch {
  private static final int MAX_ROUNDS = 50;

  /**
   * The outcome for one budget.
   *
   * @param budget the cost budget relative to all full attention
   * @param allocations allocations that fit the budget and the layers
   * @param best the best placement over all of them, null when none fits
   * @param bestAllocation the allocation {@code best} belongs to
   * @param ranking the best placement of each allocation, best first
   */
  public record Result(
      double budget,
      int allocations,
      PlacementScore best,
      Allocation bestAllocation,
      List<PlacementScore> ranking) {}

  private final LanguageModel model;
  private final ImportanceScorer scorer;
  private final SearchSpace space;
  private final BeamSearch beam;

  public PlacementSearch(
      LanguageModel model, TeacherSamples samples, int beamWidth, int randomStarts, long seed) {
    this.model = model;
    this.scorer = new ImportanceScorer(model, samples);
    this.space = SearchSpace.of(model);
    this.beam = new BeamSearch(space, beamWidth, randomStarts, MAX_ROUNDS, seed);
  }

  /** The scorer, whose cache is shared by every budget searched. */
  public ImportanceScorer scorer() {
    return scorer;
  }

  /** The mixers each layer offers. */
  public SearchSpace space() {
    return space;
  }

  /**
   * Runs the two-level search under {@code budget}; {@code progress} gets one line per allocation.
   */
  public Result search(double budget, PrintStream progress) {
    List<Allocation> allocations = AllocationEnumerator.enumerate(space, budget);
    List<PlacementScore> ranking = new ArrayList<>();
    PlacementScore best = null;
    Allocation bestAllocation = null;
    for (Allocation allocation : allocations) {
      BeamSearch.Result result = beam.search(allocation, names -> score(names).quality());
      PlacementScore top = score(result.best().mixerNames());
      ranking.add(top);
      if (best == null || PlacementScore.BEST_FIRST.compare(top, best) < 0) {
        best = top;
        bestAllocation = allocation;
      }
      progress.printf(
          Locale.ROOT,
          "budget %.2f  %-22s best %-36s kl/token %.4f  (%d placements scored so far)%n",
          budget,
          allocation,
          top.pattern(),
          top.klPerToken(),
          scorer.evaluations());
    }
    ranking.sort(PlacementScore.BEST_FIRST);
    return new Result(budget, allocations.size(), best, bestAllocation, List.copyOf(ranking));
  }

  /** Scores one assignment of mixer names. */
  public PlacementScore score(List<String> mixerNames) {
    return scorer.score(placement(mixerNames));
  }

  /** Resolves an assignment of mixer names against the model. */
  public Placement placement(List<String> mixerNames) {
    return model.placement("candidate", mixerNames);
  }

  public static void main(String[] args) {
    int status = run(args, System.out, System.err);
    if (status != 0) {
      System.exit(status);
    }
  }

  /** Runs the command line; returns the exit status (0 ok, 1 nothing fits, 2 bad arguments). */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    SearchOptions options;
    try {
      options = SearchOptions.parse(args);
    } catch (IllegalArgumentException e) {
      err.println("placement search: " + e.getMessage());
      err.println(SearchOptions.USAGE);
      return 2;
    }
    TeacherSamples samples;
    try {
      samples = TeacherSamples.load(options.samples());
    } catch (IllegalArgumentException | UncheckedIOException e) {
      err.println("placement search: " + e.getMessage());
      return 2;
    }
    if (options.maxSamples() > 0) {
      samples = samples.first(options.maxSamples());
    }
    try (LanguageModel model = Models.load(options.model(), options.threads())) {
      PlacementSearch search =
          new PlacementSearch(model, samples, options.beam(), options.starts(), options.seed());
      List<Result> results = new ArrayList<>();
      for (double budget : options.budgets()) {
        results.add(search.search(budget, err));
      }
      SearchReport.print(out, options, search, results);
      return results.stream().anyMatch(r -> r.best() != null) ? 0 : 1;
    }
  }

  /** Where the teacher samples live when {@code --samples} is not given. */
  static Path defaultSamples(Path model) {
    return model.resolve("teacher-samples.jsonl");
  }
}
