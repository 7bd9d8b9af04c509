package dev.gearbox.runtime.search;

import dev.gearbox.runtime.engine.Sampler;
import dev.gearbox.runtime.model.LanguageModel;
import dev.gearbox.runtime.model.SequenceState;
import dev.gearbox.runtime.placement.Placement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores placements of one model against stored teacher samples by importance sampling: one forward
 * pass per sample (prompt and completion in one prefill) gives {@code log q(x_i)}, and each
 * distinct placement is evaluated once.
 */
public final class ImportanceScorer {
  private final LanguageModel model;
  private final TeacherSamples samples;
  private final Map<List<String>, PlacementScore> cache = new HashMap<>();
  private final float[] logits;
  private final boolean[] labels;

  /**
   * @throws IllegalArgumentException when a token id is outside the model's vocabulary or a sample
   *     is longer than the model's context
   */
  public ImportanceScorer(LanguageModel model, TeacherSamples samples) {
    this.model = model;
    this.samples = samples;
    samples.checkVocabulary(model.vocabSize());
    if (samples.maxLength() > model.maxContextLength()) {
      throw new IllegalArgumentException(
          "a teacher sample has "
              + samples.maxLength()
              + " tokens, more than the model's context of "
              + model.maxContextLength());
    }
    this.logits = new float[samples.maxLength() * model.vocabSize()];
    if (samples.labelled()) {
      labels = new boolean[samples.size()];
      for (int i = 0; i < labels.length; i++) {
        labels[i] = samples.samples().get(i).correct().orElseThrow();
      }
    } else {
      labels = null;
    }
  }

  /** The samples this scorer weighs. */
  public TeacherSamples samples() {
    return samples;
  }

  /** The IS estimate of {@code placement}, computed on first request and cached by mixer list. */
  public synchronized PlacementScore score(Placement placement) {
    PlacementScore cached = cache.get(placement.mixerNames());
    if (cached != null) {
      return cached;
    }
    double[] logWeights = logWeights(placement);
    PlacementScore score =
        ImportanceWeights.score(
            placement.pattern(),
            placement.relativeCost(),
            logWeights,
            samples.completionTokens(),
            labels);
    cache.put(placement.mixerNames(), score);
    return score;
  }

  /** Distinct placements scored so far (each cost one forward pass per sample). */
  public synchronized int evaluations() {
    return cache.size();
  }

  /** {@code log q(x_i) - log p(x_i)} for every sample, uncached. */
  public synchronized double[] logWeights(Placement placement) {
    List<TeacherSample> all = samples.samples();
    double[] logWeights = new double[all.size()];
    for (int i = 0; i < all.size(); i++) {
      TeacherSample sample = all.get(i);
      logWeights[i] = logQ(placement, sample) - sample.teacherLogProb();
    }
    return logWeights;
  }

  /** {@code log q(completion | prompt)} under {@code placement}, from one prefill. */
  public synchronized double logQ(Placement placement, TeacherSample sample) {
    double sum = 0;
    for (double lp : completionLogProbs(placement, sample)) {
      sum += lp;
    }
    return sum;
  }

  /**
   * The per-token estimate of {@code placement}'s quality relative to the teacher, with its
   * uncertainty (see {@link TokenImportance}); uncached.
   */
  public synchronized QualityEstimate estimate(Placement placement) {
    List<double[]> teacher = new ArrayList<>();
    List<double[]> candidate = new ArrayList<>();
    for (TeacherSample sample : samples.samples()) {
      teacher.add(sample.teacherLogProbs());
      candidate.add(completionLogProbs(placement, sample));
    }
    return TokenImportance.estimate(teacher, candidate);
  }

  /** {@code log q(completion[j] | prompt, completion[..j])} for each completion token. */
  public synchronized double[] completionLogProbs(Placement placement, TeacherSample sample) {
    int[] tokens = sample.tokens();
    int promptLength = sample.prompt().length;
    int vocab = model.vocabSize();
    SequenceState sequence = model.newSequence(placement);
    try {
      model.prefill(sequence, tokens, 0, tokens.length, logits, true);
    } finally {
      sequence.release();
    }
    double[] logProbs = new double[sample.completion().length];
    for (int j = 0; j < logProbs.length; j++) {
      // Row (promptLength - 1 + j) holds the distribution of the token at promptLength + j.
      logProbs[j] =
          Sampler.logProb(logits, (promptLength - 1 + j) * vocab, vocab, sample.completion()[j]);
    }
    return logProbs;
  }
}
