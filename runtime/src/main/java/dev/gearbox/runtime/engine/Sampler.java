package dev.gearbox.runtime.engine;

import java.util.SplittableRandom;

/**
 * Picks the next token from one row of logits: argmax when greedy, otherwise softmax with
 * temperature over the top-k / top-p candidates, drawing from the request's own random stream.
 *
 * <p>One instance belongs to the scheduler thread and reuses its scratch arrays, so a step
 * allocates nothing. Not thread-safe.
 */
public final class Sampler {
  private final int vocabSize;
  // Candidate token ids; after selection, the first n are the candidates sorted by logit.
  private final int[] order;
  // Unnormalized probabilities of the candidates in `order`.
  private final double[] weights;

  public Sampler(int vocabSize) {
    this.vocabSize = vocabSize;
    this.order = new int[vocabSize];
    this.weights = new double[vocabSize];
  }

  /** Samples a token id from {@code logits[offset .. offset + vocabSize)}. */
  public int sample(float[] logits, int offset, SamplingParams params, SplittableRandom random) {
    if (params.isGreedy()) {
      return argmax(logits, offset);
    }
    int n = vocabSize;
    boolean restricted = params.topK() > 0 && params.topK() < vocabSize || params.topP() < 1f;
    for (int i = 0; i < vocabSize; i++) {
      order[i] = i;
    }
    if (restricted) {
      if (params.topK() > 0 && params.topK() < vocabSize) {
        n = params.topK();
        select(logits, offset, 0, vocabSize - 1, n);
      }
      sortDescending(logits, offset, 0, n - 1);
    }
    double max = logits[offset + (restricted ? order[0] : argmax(logits, offset))];
    double invT = 1.0 / params.temperature();
    double total = 0;
    for (int i = 0; i < n; i++) {
      double w = Math.exp((logits[offset + order[i]] - max) * invT);
      weights[i] = w;
      total += w;
    }
    if (params.topP() < 1f) {
      // Candidates are sorted, so the nucleus is a prefix: cut it where the mass reaches top_p.
      double target = params.topP() * total;
      double mass = 0;
      int cut = n;
      for (int i = 0; i < n; i++) {
        mass += weights[i];
        if (mass >= target) {
          cut = i + 1;
          break;
        }
      }
      n = cut;
      total = mass;
    }
    double u = random.nextDouble() * total;
    double acc = 0;
    for (int i = 0; i < n; i++) {
      acc += weights[i];
      if (u < acc) {
        return order[i];
      }
    }
    return order[n - 1];
  }

  /** The index of the largest logit; the lowest index wins ties, so greedy is deterministic. */
  public int argmax(float[] logits, int offset) {
    int best = 0;
    float bestValue = logits[offset];
    for (int i = 1; i < vocabSize; i++) {
      float v = logits[offset + i];
      if (v > bestValue) {
        bestValue = v;
        best = i;
      }
    }
    return best;
  }

  /** Natural-log softmax probability of {@code token} in one row of logits. */
  public static float logProb(float[] logits, int offset, int vocabSize, int token) {
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < vocabSize; i++) {
      max = Math.max(max, logits[offset + i]);
    }
    double sum = 0;
    for (int i = 0; i < vocabSize; i++) {
      sum += Math.exp(logits[offset + i] - max);
    }
    return (float) (logits[offset + token] - max - Math.log(sum));
  }

  // Quickselect: afterwards order[lo .. k-1] holds the k largest logits (unsorted).
  private void select(float[] logits, int offset, int lo, int hi, int k) {
    while (lo < hi) {
      int p = partition(logits, offset, lo, hi);
      if (p == k - 1 || p == k) {
        return;
      } else if (p < k - 1) {
        lo = p + 1;
      } else {
        hi = p - 1;
      }
    }
  }

  private void sortDescending(float[] logits, int offset, int lo, int hi) {
    while (lo < hi) {
      int p = partition(logits, offset, lo, hi);
      // Recurse into the smaller side so the stack stays logarithmic.
      if (p - lo < hi - p) {
        sortDescending(logits, offset, lo, p - 1);
        lo = p + 1;
      } else {
        sortDescending(logits, offset, p + 1, hi);
        hi = p - 1;
      }
    }
  }

  // Lomuto partition around the middle element, larger logits first; ties broken by token id so
  // the candidate order never depends on the order of the previous step.
  private int partition(float[] logits, int offset, int lo, int hi) {
    int mid = (lo + hi) >>> 1;
    swap(mid, hi);
    int pivot = order[hi];
    int store = lo;
    for (int i = lo; i < hi; i++) {
      if (before(logits, offset, order[i], pivot)) {
        swap(i, store++);
      }
    }
    swap(store, hi);
    return store;
  }

  private static boolean before(float[] logits, int offset, int a, int b) {
    float la = logits[offset + a];
    float lb = logits[offset + b];
    return la > lb || (la == lb && a < b);
  }

  private void swap(int i, int j) {
    int t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
}
