package dev.gearbox.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.runtime.model.DeviceSampling;
import dev.gearbox.runtime.model.LanguageModel;
import dev.gearbox.runtime.model.SequenceState;
import dev.gearbox.runtime.placement.Placement;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The engine hands plain greedy/temperature batches to a model that samples on its device. */
class DeviceSamplingTest {
  private static final TokenDecoder LETTERS =
      new TokenDecoder() {
        @Override
        public String decode(int tokenId) {
          return String.valueOf((char) ('a' + tokenId % 26));
        }

        @Override
        public int[] encode(String text) {
          return text.chars().map(c -> c - 'a').toArray();
        }
      };

  @Test
  void greedyBatchesSampleOnTheDeviceWithTheSameTokens() throws Exception {
    List<Integer> host = generate(new TestingLanguageModel(26, 4, 256), SamplingParams.greedy());
    SamplingModel device = new SamplingModel(new TestingLanguageModel(26, 4, 256));
    List<Integer> onDevice = generate(device, SamplingParams.greedy());
    assertEquals(host, onDevice);
    assertTrue(device.deviceSteps > 0, "no decode step sampled on the device");
    assertEquals(0, device.logitSteps, "a greedy batch copied logits to the host");
  }

  @Test
  void temperatureRowsCarryTheirSeedToTheDevice() throws Exception {
    SamplingParams params = new SamplingParams(0.8f, 0, 1f, 7);
    SamplingModel device = new SamplingModel(new TestingLanguageModel(26, 4, 256));
    List<Integer> a = generate(device, params);
    List<Integer> b = generate(device, params);
    assertEquals(a, b);
    assertTrue(device.seenSeeds.contains(7L), "seed 7 never reached the device: " + device.seenSeeds);
    assertTrue(device.seenTemperatures.contains(0.8f));
  }

  @Test
  void topKAndTopPStayOnTheHostSampler() throws Exception {
    SamplingModel device = new SamplingModel(new TestingLanguageModel(26, 4, 256));
    generate(device, new SamplingParams(1f, 5, 1f, 3));
    generate(device, new SamplingParams(1f, 0, 0.9f, 3));
    assertEquals(0, device.deviceSteps);
    assertTrue(device.logitSteps > 0);
  }

  private static List<Integer> generate(LanguageModel model, SamplingParams params) throws Exception {
    Engine engine =
        new Engine(model, List.of(), EngineConfig.withBudget(16L << 20), LETTERS, new SimpleMeterRegistry());
    try {
      List<Integer> tokens = new ArrayList<>();
      CompletableFuture<Completion> done = new CompletableFuture<>();
      engine.submit(
          new GenerationRequest("", "", new int[] {1, 2, 3}, params, 20, null, null, Long.MAX_VALUE),
          new GenerationListener() {
            @Override
            public void onToken(int tokenId, String piece) {
              tokens.add(tokenId);
            }

            @Override
            public void onFinished(Completion c) {
              done.complete(c);
            }

            @Override
            public void onFailed(RuntimeException error) {
              done.completeExceptionally(error);
            }
          });
      assertEquals(FinishReason.LENGTH, done.get(5, TimeUnit.SECONDS).reason());
      return tokens;
    } finally {
      engine.close();
    }
  }

  /** Samples "on the device" from the wrapped model's logits: argmax, or a seeded Gumbel draw. */
  private static final class SamplingModel implements LanguageModel, DeviceSampling {
    private final TestingLanguageModel inner;
    private final float[][] row;
    int deviceSteps;
    int logitSteps;
    final List<Long> seenSeeds = new ArrayList<>();
    final List<Float> seenTemperatures = new ArrayList<>();

    SamplingModel(TestingLanguageModel inner) {
      this.inner = inner;
      this.row = new float[1][inner.vocabSize()];
    }

    @Override
    public void decodeSample(
        SequenceState[] sequences, int[] tokens, int count, float[] temperatures, long[] seeds, int[] next) {
      deviceSteps++;
      for (int i = 0; i < count; i++) {
        inner.decode(new SequenceState[] {sequences[i]}, new int[] {tokens[i]}, 1, row);
        seenSeeds.add(seeds[i]);
        seenTemperatures.add(temperatures[i]);
        SplittableRandom random = new SplittableRandom(seeds[i] * 31 + sequences[i].length());
        int best = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < row[0].length; v++) {
          double gumbel = temperatures[i] <= 0 ? 0 : -Math.log(-Math.log(random.nextDouble()));
          double score = temperatures[i] <= 0 ? row[0][v] : row[0][v] / temperatures[i] + gumbel;
          if (score > bestScore) {
            bestScore = score;
            best = v;
          }
        }
        next[i] = best;
      }
    }

    @Override
    public void decode(SequenceState[] sequences, int[] tokens, int count, float[][] logits) {
      logitSteps++;
      inner.decode(sequences, tokens, count, logits);
    }

    @Override
    public int vocabSize() {
      return inner.vocabSize();
    }

    @Override
    public int numLayers() {
      return inner.numLayers();
    }

    @Override
    public int maxContextLength() {
      return inner.maxContextLength();
    }

    @Override
    public List<String> mixerNames(int layer) {
      return inner.mixerNames(layer);
    }

    @Override
    public Placement defaultPlacement() {
      return inner.defaultPlacement();
    }

    @Override
    public Placement placement(String name, List<String> layersOrPattern) {
      return inner.placement(name, layersOrPattern);
    }

    @Override
    public SequenceState newSequence(Placement placement) {
      return inner.newSequence(placement);
    }

    @Override
    public void prefill(
        SequenceState sequence, int[] tokens, int offset, int length, float[] logits, boolean allPositions) {
      inner.prefill(sequence, tokens, offset, length, logits, allPositions);
    }

    @Override
    public void close() {
      inner.close();
    }
  }
}
