package dev.gearbox.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SamplerTest {
  private static final float[] LOGITS = {0.1f, 2.0f, -1.0f, 1.5f, 0.5f, 1.9f, -3f, 0f};

  @Test
  void greedyPicksArgmaxAtOffset() {
    Sampler sampler = new Sampler(4);
    float[] rows = {9, 0, 0, 0, /* row 2 */ 0, 1, 3, 2};
    assertEquals(0, sampler.sample(rows, 0, SamplingParams.greedy(), new SplittableRandom(1)));
    assertEquals(2, sampler.sample(rows, 4, SamplingParams.greedy(), new SplittableRandom(1)));
  }

  @Test
  void sameSeedReproducesDifferentSeedsDiffer() {
    Sampler sampler = new Sampler(LOGITS.length);
    SamplingParams params = new SamplingParams(1.5f, 0, 1f, 7);
    int[] a = draw(sampler, params, 7, 64);
    int[] b = draw(sampler, params, 7, 64);
    int[] c = draw(sampler, params, 8, 64);
    assertEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b));
    assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(c));
  }

  @Test
  void topKKeepsOnlyTheKMostLikely() {
    Sampler sampler = new Sampler(LOGITS.length);
    Set<Integer> seen = new HashSet<>();
    for (int t : draw(sampler, new SamplingParams(5f, 3, 1f, 0), 3, 2000)) {
      seen.add(t);
    }
    assertEquals(Set.of(1, 5, 3), seen);
  }

  @Test
  void topPKeepsTheNucleus() {
    Sampler sampler = new Sampler(LOGITS.length);
    // At temperature 1 token 1 holds 0.325 of the mass, tokens 1 and 5 together 0.619.
    Set<Integer> seen = new HashSet<>();
    for (int t : draw(sampler, new SamplingParams(1f, 0, 0.5f, 0), 5, 2000)) {
      seen.add(t);
    }
    assertEquals(Set.of(1, 5), seen);
    Set<Integer> all = new HashSet<>();
    for (int t : draw(sampler, new SamplingParams(1f, 0, 1f, 0), 5, 4000)) {
      all.add(t);
    }
    assertTrue(all.size() >= 7, "unrestricted sampling reaches the tail, saw " + all);
  }

  @Test
  void logProbIsNormalized() {
    double sum = 0;
    for (int t = 0; t < LOGITS.length; t++) {
      sum += Math.exp(Sampler.logProb(LOGITS, 0, LOGITS.length, t));
    }
    assertEquals(1.0, sum, 1e-5);
  }

  @Test
  void invalidParamsNameTheField() {
    assertTrue(assertThrows(InvalidRequestException.class, () -> new SamplingParams(-0.5f, 0, 1f, 0))
        .getMessage().contains("temperature"));
    assertTrue(assertThrows(InvalidRequestException.class, () -> new SamplingParams(Float.NaN, 0, 1f, 0))
        .getMessage().contains("temperature"));
    assertTrue(assertThrows(InvalidRequestException.class, () -> new SamplingParams(1f, -1, 1f, 0))
        .getMessage().contains("top_k"));
    assertTrue(assertThrows(InvalidRequestException.class, () -> new SamplingParams(1f, 0, 1.5f, 0))
        .getMessage().contains("top_p must be in (0, 1]"));
    assertTrue(assertThrows(InvalidRequestException.class, () -> new SamplingParams(1f, 0, 0f, 0))
        .getMessage().contains("top_p"));
  }

  private static int[] draw(Sampler sampler, SamplingParams params, long seed, int n) {
    SplittableRandom random = new SplittableRandom(seed);
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = sampler.sample(LOGITS, 0, params, random);
    }
    return out;
  }
}
