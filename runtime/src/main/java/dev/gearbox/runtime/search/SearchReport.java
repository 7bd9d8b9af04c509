package dev.gearbox.runtime.search;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * Prints search results as one YAML document: the report as comments, then a {@code placements:}
 * list to paste into a HybridModel's {@code spec.placements}.
 */
final class SearchReport {
  private static final int RUNNERS_UP = 3;

  private SearchReport() {}

  static void print(
      PrintStream out,
      SearchOptions options,
      PlacementSearch search,
      List<PlacementSearch.Result> results) {
    TeacherSamples samples = search.scorer().samples();
    out.printf(
        Locale.ROOT,
        "# placement search: model %s, %d teacher samples (%d completion tokens, %s),"
            + " beam %d, %d random starts, seed %d%n",
        options.model(),
        samples.size(),
        samples.completionTokens(),
        samples.labelled() ? "labelled: ranked by SNIS accuracy" : "unlabelled: ranked by KL",
        options.beam(),
        options.starts(),
        options.seed());
    out.printf(
        Locale.ROOT,
        "# %d distinct placements scored in all (one forward pass per sample each)%n",
        search.scorer().evaluations());
    for (PlacementSearch.Result r : results) {
      if (r.best() == null) {
        out.printf(Locale.ROOT, "# budget %.2f: no allocation fits%n", r.budget());
        continue;
      }
      out.printf(
          Locale.ROOT,
          "# budget %.2f: %d allocations; best %s (%s)%n",
          r.budget(),
          r.allocations(),
          r.best().pattern(),
          r.bestAllocation());
      for (int i = 0; i < Math.min(RUNNERS_UP + 1, r.ranking().size()); i++) {
        out.println("#   " + describe(r.ranking().get(i)));
      }
    }
    out.println("placements:");
    for (PlacementSearch.Result r : results) {
      if (r.best() == null) {
        continue;
      }
      out.printf(Locale.ROOT, "  - name: %s%n", name(r.budget()));
      out.printf(Locale.ROOT, "    layers: \"%s\"%n", r.best().pattern());
      out.printf(Locale.ROOT, "    # %s%n", describe(r.best()));
    }
  }

  /** The placement's name for a budget, e.g. {@code turbo-0.50}. */
  static String name(double budget) {
    return String.format(Locale.ROOT, "turbo-%.2f", budget);
  }

  static String describe(PlacementScore s) {
    String text =
        String.format(
            Locale.ROOT,
            "%-36s cost %.3f  kl/token %.4f  ess/N %.3f",
            s.pattern(),
            s.relativeCost(),
            s.klPerToken(),
            s.essFraction());
    if (s.labelled()) {
      text +=
          String.format(
              Locale.ROOT,
              "  accuracy %.3f (teacher %.3f, ratio %.3f)",
              s.accuracy(),
              s.teacherAccuracy(),
              s.accuracyRatio());
    }
    return text;
  }
}
