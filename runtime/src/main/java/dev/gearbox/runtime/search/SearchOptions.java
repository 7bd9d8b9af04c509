package dev.gearbox.runtime.search;

import dev.gearbox.runtime.cli.Flags;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The placement search's command-line options.
 *
 * @param maxSamples use only the first N teacher samples; 0 for all
 * @param starts random assignments that seed each allocation's beam
 */
record SearchOptions(
    Path model,
    Path samples,
    List<Double> budgets,
    int beam,
    int starts,
    long seed,
    int maxSamples,
    int threads) {

  static final String USAGE =
      "usage: PlacementSearch --model DIR [--samples FILE] --budget 0.5 [--budget 0.3 ...]"
          + " [--beam 4] [--starts N] [--seed 0] [--max-samples N] [--threads N]";

  static SearchOptions parse(String[] args) {
    Path model = null;
    Path samples = null;
    List<Double> budgets = new ArrayList<>();
    int beam = 4;
    int starts = -1;
    long seed = 0;
    int maxSamples = 0;
    int threads = Runtime.getRuntime().availableProcessors();
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      String value = args[++i];
      switch (flag) {
        case "--model" -> model = Path.of(value);
        case "--samples" -> samples = Path.of(value);
        case "--budget" -> budgets.add(budget(value));
        case "--beam" -> beam = Flags.positiveInt(flag, value);
        case "--starts" -> starts = Flags.positiveInt(flag, value);
        case "--seed" -> seed = Flags.longValue(flag, value);
        case "--max-samples" -> maxSamples = Flags.positiveInt(flag, value);
        case "--threads" -> threads = Flags.positiveInt(flag, value);
        default -> throw new IllegalArgumentException("unknown flag " + flag);
      }
    }
    if (model == null) {
      throw new IllegalArgumentException("--model DIR is required");
    }
    if (budgets.isEmpty()) {
      throw new IllegalArgumentException("at least one --budget is required, e.g. --budget 0.5");
    }
    return new SearchOptions(
        model,
        samples != null ? samples : PlacementSearch.defaultSamples(model),
        List.copyOf(budgets),
        beam,
        starts > 0 ? starts : beam,
        seed,
        maxSamples,
        threads);
  }

  private static double budget(String value) {
    double b;
    try {
      b = Double.parseDouble(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--budget expects a number, got '" + value + "'");
    }
    if (!(b > 0 && b <= 1)) {
      throw new IllegalArgumentException(
          "--budget is a cost relative to all full attention, in (0, 1]; got " + value);
    }
    return b;
  }


}
