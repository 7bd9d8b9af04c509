package dev.gearbox.runtime.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gearbox.runtime.model.LanguageModel;
import dev.gearbox.runtime.model.Models;
import dev.gearbox.runtime.placement.Placement;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How the rollout gate's estimate compares with real held-out perplexity: for each placement the
 * bundled model serves ({@code placements.json}), each placement of the model card ({@code
 * eval.json}) and the search's runners-up, prints the whole-completion ESS/N the old estimator had,
 * the per-token ESS/N, the estimated accuracy ratio with its 95% interval, the default gate's
 * verdict, and the held-out perplexity ratio to all-attention: on the teacher samples' 31-token
 * prompts (real text the estimate never scores) and, where the model card has it, on 256-token
 * windows.
 *
 * <p>Usage: {@code QualityGateBenchmark [--model DIR] [--threads N] [--placement PATTERN]...}.
 */
public final class QualityGateBenchmark {
  // The search's runners-up at budgets 0.60 and 0.35 (docs/benchmarks/placement-search.md).
  private static final List<String> RUNNERS_UP =
      List.of(
          "swa,mamba,attention*2",
          "swa,kda,attention*2",
          "swa,gdn,attention*2",
          "swa,mamba,attention,kda",
          "swa,kda,attention,kda",
          "swa,kda,attention,gdn");

  private QualityGateBenchmark() {}

  public static void main(String[] args) throws IOException {
    Path model = Path.of("examples/models/gearbox-tiny");
    int threads = Runtime.getRuntime().availableProcessors();
    Map<String, String> rows = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--model" -> model = Path.of(args[i + 1]);
        case "--threads" -> threads = Integer.parseInt(args[i + 1]);
        case "--placement" -> rows.put(args[i + 1], "given");
        default -> throw new IllegalArgumentException("unknown flag " + args[i]);
      }
    }
    ObjectMapper json = new ObjectMapper();
    Map<List<String>, Double> cardRatios = new LinkedHashMap<>();
    JsonNode card = json.readTree(model.resolve("eval.json").toFile());
    JsonNode served = json.readTree(model.resolve("placements.json").toFile());
    TeacherSamples samples = TeacherSamples.load(PlacementSearch.defaultSamples(model));
    try (LanguageModel lm = Models.load(model, threads)) {
      if (rows.isEmpty()) {
        for (JsonNode p : served.get("placements")) {
          rows.put(canonical(lm, p.get("pattern").asText()), "served " + p.get("name").asText());
        }
        for (JsonNode p : card.get("placements")) {
          rows.putIfAbsent(
              canonical(lm, String.join(",", json.convertValue(p.get("layers"), String[].class))),
              "card " + p.get("name").asText());
        }
        for (String r : RUNNERS_UP) {
          rows.putIfAbsent(canonical(lm, r), "runner-up");
        }
      }
      for (JsonNode p : card.get("placements")) {
        List<String> layers = List.of(json.convertValue(p.get("layers"), String[].class));
        cardRatios.put(
            lm.placement("card", layers).mixerNames(),
            p.get("ppl_ratio_vs_all_attention").asDouble());
      }
      ImportanceScorer scorer = new ImportanceScorer(lm, samples);
      double teacherPpl =
          PlacementSearchBenchmark.perplexity(lm, lm.defaultPlacement(), samples.samples());
      System.out.printf(
          Locale.ROOT,
          "estimate on %d teacher completions (%d tokens); held-out perplexity on their %d prompts"
              + " (31 predicted tokens each); gate: ratio >= %.2f and per-token ess/N >= %.2f%n",
          samples.size(),
          samples.completionTokens(),
          samples.size(),
          QualityGate.DEFAULT.minAccuracyRatio(),
          QualityGate.DEFAULT.minEssFraction());
      System.out.println(
          "| placement | from | cost | ess/N sequence | ess/N token | kl/token | estimated ratio"
              + " (95%) | default gate | held-out ppl ratio, 31-token prompts | model card,"
              + " 256 tokens |");
      System.out.println("|---|---|---:|---:|---:|---:|---:|---|---:|---:|");
      for (Map.Entry<String, String> row : rows.entrySet()) {
        Placement placement = lm.placement("row", List.of(row.getKey()));
        QualityEstimate e = scorer.estimate(placement);
        double ppl = PlacementSearchBenchmark.perplexity(lm, placement, samples.samples());
        Double cardRatio = cardRatios.get(placement.mixerNames());
        System.out.printf(
            Locale.ROOT,
            "| %s | %s | %.3f | %.3f | %.3f | %.3f | %.3f [%.3f, %.3f] | %s | %.3f | %s |%n",
            placement.pattern(),
            row.getValue(),
            placement.relativeCost(),
            e.sequenceEssFraction(),
            e.tokenEssFraction(),
            e.klPerToken(),
            e.accuracyRatio(),
            e.lower95(),
            e.upper95(),
            QualityGate.DEFAULT.passes(e) ? "pass" : "**fail**",
            ppl / teacherPpl,
            cardRatio == null ? "" : String.format(Locale.ROOT, "%.3f", cardRatio));
      }
    }
  }

  private static String canonical(LanguageModel lm, String pattern) {
    return lm.placement("row", List.of(pattern)).pattern();
  }
}
