package dev.gearbox.runtime.bench;

import dev.gearbox.runtime.backend.cuda.CudaLanguageModel;
import dev.gearbox.runtime.model.SequenceState;
import dev.gearbox.runtime.placement.Placement;
import java.util.List;

/**
 * Timed runs over one loaded {@link CudaLanguageModel}: decode steps of a batch of sequences (each
 * under its own placement, context made with {@code seedContext}) and prompt prefill, timed with
 * CUDA events on the model's stream; the median of several repeats.
 */
final class DecodeTimings implements AutoCloseable {
  /** Result of a timed decode: tokens per second over all rows, and milliseconds per step. */
  record Rate(double tokensPerSecond, double stepMillis) {}

  private final CudaLanguageModel model;
  private final GpuTimer timer;
  private final int warmup;
  private final int steps;
  private final int repeats;

  DecodeTimings(CudaLanguageModel model, int warmup, int steps, int repeats) {
    this.model = model;
    this.timer = new GpuTimer(model.context());
    this.warmup = warmup;
    this.steps = steps;
    this.repeats = repeats;
  }

  /** Tokens a sequence grows by during one {@link #decode} (warm-up and timed steps). */
  int tokensAdded() {
    return warmup + steps * repeats;
  }

  /** The context length at the middle of the timed steps, for bytes-per-step at that length. */
  int midLength(int context) {
    return context + warmup + steps * repeats / 2;
  }

  /**
   * Greedy {@code decodeSample} over one sequence per entry of {@code rows}, each seeded with
   * {@code context} tokens of context. Warm-up steps first (they also capture the batch's CUDA
   * graph), then {@code repeats} timings of {@code steps} steps; the sequences are released after.
   */
  Rate decode(List<Placement> rows, int context) {
    int n = rows.size();
    SequenceState[] sequences = new SequenceState[n];
    try {
      for (int i = 0; i < n; i++) {
        sequences[i] = model.newSequence(rows.get(i));
        model.seedContext(sequences[i], context);
      }
      int[] tokens = new int[n];
      int[] next = new int[n];
      for (int i = 0; i < n; i++) {
        tokens[i] = (int) ((i * 7919L + 13) % model.vocabSize());
      }
      float[] temperatures = new float[n];
      long[] seeds = new long[n];
      for (int s = 0; s < warmup; s++) {
        model.decodeSample(sequences, tokens, n, temperatures, seeds, next);
        System.arraycopy(next, 0, tokens, 0, n);
      }
      double[] millis = new double[repeats];
      for (int r = 0; r < repeats; r++) {
        timer.start();
        for (int s = 0; s < steps; s++) {
          model.decodeSample(sequences, tokens, n, temperatures, seeds, next);
          System.arraycopy(next, 0, tokens, 0, n);
        }
        millis[r] = timer.stopMillis();
      }
      double stepMillis = GpuTimer.median(millis) / steps;
      return new Rate(n * 1000.0 / stepMillis, stepMillis);
    } finally {
      for (SequenceState sequence : sequences) {
        if (sequence != null) {
          sequence.release();
        }
      }
    }
  }

  /**
   * Prefill of a {@code prompt}-token prompt into a fresh sequence of {@code placement}: one
   * warm-up, then the median of {@code prefillRepeats}. Returns prompt tokens per second.
   */
  double prefill(Placement placement, int prompt, int prefillRepeats) {
    int[] tokens = new int[prompt];
    for (int i = 0; i < prompt; i++) {
      tokens[i] = (int) ((i * 7919L + 13) % model.vocabSize());
    }
    float[] logits = new float[model.vocabSize()];
    double[] millis = new double[prefillRepeats];
    for (int r = -1; r < prefillRepeats; r++) {
      SequenceState sequence = model.newSequence(placement);
      try {
        timer.start();
        model.prefill(sequence, tokens, 0, prompt, logits, false);
        double ms = timer.stopMillis();
        if (r >= 0) {
          millis[r] = ms;
        }
      } finally {
        sequence.release();
      }
    }
    return prompt * 1000.0 / GpuTimer.median(millis);
  }

  @Override
  public void close() {
    timer.close();
  }
}
