package dev.gearbox.runtime.text;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Microbenchmark: encodes one long text (about 32k tokens) with a {@code tokenizer.json} and prints
 * tokens/s for the first (cold word cache) and steady-state encodes. Driven by {@code
 * runtime/src/test/python/bench_tokenizer.py}, which times the HF library on the same input and
 * prints the ratio.
 *
 * <p>Usage: {@code TokenizerBenchmark <tokenizer.json> <text file> [iterations [ids file]]}; the
 * ids file receives the encoded ids, one per line, for comparison with the reference.
 */
public final class TokenizerBenchmark {
  private TokenizerBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: TokenizerBenchmark <tokenizer.json> <text file> [iterations]");
      System.exit(2);
    }
    Path json = Path.of(args[0]);
    String text = Files.readString(Path.of(args[1]));
    int iterations = args.length > 2 ? Integer.parseInt(args[2]) : 20;

    long loadStart = System.nanoTime();
    ByteLevelBpeTokenizer tokenizer = ByteLevelBpeTokenizer.load(json);
    double loadMs = (System.nanoTime() - loadStart) / 1e6;

    long coldStart = System.nanoTime();
    int[] ids = tokenizer.encode(text, false);
    double coldSeconds = (System.nanoTime() - coldStart) / 1e9;
    int tokens = ids.length;
    if (args.length > 3) {
      StringBuilder lines = new StringBuilder(tokens * 6);
      for (int id : ids) {
        lines.append(id).append('\n');
      }
      Files.writeString(Path.of(args[3]), lines);
    }

    // Let the JIT settle before timing the steady state.
    for (int i = 0; i < 5; i++) {
      tokenizer.encode(text, false);
    }
    double best = Double.MAX_VALUE;
    double total = 0;
    for (int i = 0; i < iterations; i++) {
      long start = System.nanoTime();
      int n = tokenizer.encode(text, false).length;
      double seconds = (System.nanoTime() - start) / 1e9;
      if (n != tokens) {
        throw new IllegalStateException("encode is not deterministic: " + n + " vs " + tokens);
      }
      best = Math.min(best, seconds);
      total += seconds;
    }
    double mean = total / iterations;
    System.out.printf("java tokens=%d load_ms=%.1f%n", tokens, loadMs);
    System.out.printf("java cold_tokens_per_s=%.0f%n", tokens / coldSeconds);
    System.out.printf("java mean_tokens_per_s=%.0f%n", tokens / mean);
    System.out.printf("java best_tokens_per_s=%.0f%n", tokens / best);
  }
}
