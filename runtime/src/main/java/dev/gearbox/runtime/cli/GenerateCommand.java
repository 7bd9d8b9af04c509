package dev.gearbox.runtime.cli;

import dev.gearbox.runtime.engine.Completion;
import dev.gearbox.runtime.engine.Engine;
import dev.gearbox.runtime.engine.EngineConfig;
import dev.gearbox.runtime.engine.GenerationListener;
import dev.gearbox.runtime.engine.GenerationRequest;
import dev.gearbox.runtime.engine.SamplingParams;
import dev.gearbox.runtime.model.LanguageModel;
import dev.gearbox.runtime.backend.ModelBackend;
import dev.gearbox.runtime.placement.Placement;
import dev.gearbox.runtime.server.TokenizerDecoder;
import dev.gearbox.runtime.text.Tokenizer;
import dev.gearbox.runtime.text.Tokenizers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@code generate}: one prompt through one placement, streamed to stdout, followed by tokens/s
 * and the decode-state bytes the sequence holds.
 *
 * <pre>
 * generate --model DIR [--placement PATTERN] --prompt TEXT [--max-tokens 64] [--temperature 0]
 *          [--top-k 0] [--top-p 1] [--seed 0] [--stop STRING]... [--threads N]
 *          [--backend cpu|cuda|auto]
 * </pre>
 *
 * It runs through the same {@link Engine} as the server, so what it prints is what a client of
 * the server would get.
 */
public final class GenerateCommand {

  /** Parsed command line. */
  record Options(
      Path model,
      String placement,
      String prompt,
      int maxTokens,
      SamplingParams sampling,
      List<String> stops,
      int threads,
      ModelBackend backend) {}

  /** What one run produced, for tests and for the summary line. */
  record Result(
      String text, Completion completion, Placement placement, double decodeTokensPerSecond) {}

  /** What {@code gearbox generate --help} prints; {@code gearbox help} lists the same flags. */
  public static final String USAGE =
      """
      usage: gearbox generate --model DIR [--placement PATTERN] --prompt TEXT [--max-tokens 64]
                              [--temperature 0] [--top-k 0] [--top-p 1] [--seed 0] [--stop STR]...
                              [--threads N] [--backend cpu|cuda|auto]
        one prompt through one placement, streamed, then tokens/s and the decode-state bytes.""";

  /**
   * Parses and checks the flags (before any weights are read), then generates.
   *
   * @throws CommandFailure with exit status 2 for bad flags
   */
  public static void main(String[] args) throws Exception {
    dev.gearbox.runtime.cli.Main.runOrExit("gearbox generate", () -> generate(args));
  }

  static void generate(String[] args) throws Exception {
    if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
      System.out.println(USAGE);
      return;
    }
    Options options;
    try {
      options = parse(args);
      check(options);
    } catch (IllegalArgumentException e) {
      throw new CommandFailure(CommandFailure.BAD_FLAGS, e.getMessage());
    }
    Result result = run(options, System.out);
    System.out.println();
    System.out.printf(
        "[%s | %s | relative cost %.2f] %d prompt + %d generated tokens, %.1f tokens/s decode,"
            + " state %s (%s), finish: %s%n",
        result.placement().name(),
        result.placement().pattern(),
        result.placement().relativeCost(),
        result.completion().promptTokens(),
        result.completion().completionTokens(),
        result.decodeTokensPerSecond(),
        bytes(
            result
                .placement()
                .stateBytes(
                    result.completion().promptTokens() + result.completion().completionTokens())),
        bytes(result.placement().kvBytesPerToken()) + "/token KV",
        result.completion().reason());
  }

  /** Loads the model, generates, streams the text to {@code out}. */
  static Result run(Options options, PrintStream out) throws Exception {
    try (LanguageModel model =
        options.backend().load(options.model(), options.threads(), System.err)) {
      Placement placement =
          options.placement() == null
              ? model.defaultPlacement()
              : model.placement("cli", List.of(options.placement()));
      Tokenizer tokenizer = Tokenizers.load(options.model(), model.vocabSize());
      int[] prompt = tokenizer.encode(options.prompt(), true);
      // One request: the budget only has to hold its own state.
      long budget = Math.max(1L << 20, placement.stateBytes(model.maxContextLength()) * 2);
      try (Engine engine =
          new Engine(
              model,
              List.of(placement),
              EngineConfig.withBudget(budget),
              new TokenizerDecoder(tokenizer),
              new SimpleMeterRegistry())) {
        StringBuilder text = new StringBuilder();
        CompletableFuture<Completion> done = new CompletableFuture<>();
        long[] firstAndLast = new long[2];
        GenerationListener listener =
            new GenerationListener() {
              @Override
              public void onToken(int tokenId, String delta) {
                long now = System.nanoTime();
                if (firstAndLast[0] == 0) {
                  firstAndLast[0] = now;
                }
                firstAndLast[1] = now;
                text.append(delta);
                out.print(delta);
                out.flush();
              }

              @Override
              public void onFinished(Completion completion) {
                done.complete(completion);
              }

              @Override
              public void onFailed(RuntimeException error) {
                done.completeExceptionally(error);
              }
            };
        engine.submit(
            new GenerationRequest(
                "cli",
                placement.name(),
                prompt,
                options.sampling(),
                options.maxTokens(),
                null,
                options.stops(),
                Long.MAX_VALUE),
            listener);
        Completion completion = done.join();
        int decoded = completion.completionTokens() - 1;
        double seconds = (firstAndLast[1] - firstAndLast[0]) / 1e9;
        double tokensPerSecond = decoded > 0 && seconds > 0 ? decoded / seconds : 0;
        return new Result(text.toString(), completion, placement, tokensPerSecond);
      }
    }
  }

  /** The model folder has a readable config.json and the placement fits it; no weights read. */
  static void check(Options options) {
    var config = Preflight.model("--model", options.model());
    if (options.placement() != null) {
      Preflight.placement(
          "--placement " + options.placement(), config, "cli", options.placement());
    }
  }

  static Options parse(String[] args) {
    Path model = null;
    String placement = null;
    String prompt = null;
    int maxTokens = 64;
    float temperature = 0;
    int topK = 0;
    float topP = 1;
    long seed = 0;
    int threads = 0;
    ModelBackend backend = ModelBackend.CPU;
    List<String> stops = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      String value = args[++i];
      switch (flag) {
        case "--model" -> model = Path.of(value);
        case "--placement" -> placement = value;
        case "--prompt" -> prompt = value;
        case "--max-tokens" -> maxTokens = Flags.positiveInt(flag, value);
        case "--temperature" -> temperature = Flags.number(flag, value);
        case "--top-k" -> topK = Flags.nonNegativeInt(flag, value);
        case "--top-p" -> topP = Flags.number(flag, value);
        case "--seed" -> seed = Flags.longValue(flag, value);
        case "--stop" -> stops.add(value);
        case "--threads" -> threads = Flags.positiveInt(flag, value);
        case "--backend" -> backend = ModelBackend.parse(value);
        default ->
            throw new IllegalArgumentException(
                "unknown flag " + flag + " (gearbox generate --help lists them)");
      }
    }
    if (model == null) {
      throw new IllegalArgumentException("--model DIR is required");
    }
    if (!Files.isDirectory(model)) {
      throw new IllegalArgumentException("--model " + model + " is not a directory");
    }
    if (prompt == null || prompt.isEmpty()) {
      throw new IllegalArgumentException("--prompt TEXT is required and must not be empty");
    }
    return new Options(
        model,
        placement,
        prompt,
        maxTokens,
        new SamplingParams(temperature, topK, topP, seed),
        stops,
        threads,
        backend);
  }

  static String bytes(long n) {
    if (n >= 1L << 20) {
      return String.format("%.2f MiB", n / (double) (1L << 20));
    }
    if (n >= 1L << 10) {
      return String.format("%.1f KiB", n / 1024.0);
    }
    return n + " B";
  }
}
