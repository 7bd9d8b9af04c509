package dev.gearbox.runtime.engine;

import dev.gearbox.runtime.model.LanguageModel;
import dev.gearbox.runtime.model.SequenceState;
import dev.gearbox.runtime.placement.LayerState;
import dev.gearbox.runtime.placement.MixerKind;
import dev.gearbox.runtime.placement.Placement;
import dev.gearbox.runtime.placement.PlacementPattern;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A deterministic stand-in for a real checkpoint: every layer offers the five mixers of the
 * golden tiny supernet, and the logits of a position are a hash of the sequence's whole token
 * history and of its placement, so any batching mix-up (wrong row, skipped or doubled token,
 * wrong placement) changes the tokens that greedy decoding picks.
 */
public final class TestingLanguageModel implements LanguageModel {
  public static final List<String> MIXERS = List.of("attention", "swa", "gdn", "kda", "mamba");

  private final int vocab;
  private final int layers;
  private final int maxContext;
  private final int[] eos;
  private volatile long stepDelayMillis;

  public final AtomicInteger liveSequences = new AtomicInteger();
  public final AtomicInteger decodeCalls = new AtomicInteger();
  public final AtomicInteger maxDecodeBatch = new AtomicInteger();
  public final AtomicInteger mixedPlacementBatches = new AtomicInteger();
  public final AtomicInteger maxPrefillChunk = new AtomicInteger();

  public TestingLanguageModel(int vocab, int layers, int maxContext, int... eos) {
    this.vocab = vocab;
    this.layers = layers;
    this.maxContext = maxContext;
    this.eos = eos.clone();
  }

  /** Each prefill and decode call sleeps this long, to make steps slow enough to race with. */
  public void setStepDelayMillis(long millis) {
    this.stepDelayMillis = millis;
  }

  @Override
  public int vocabSize() {
    return vocab;
  }

  @Override
  public int numLayers() {
    return layers;
  }

  @Override
  public int maxContextLength() {
    return maxContext;
  }

  @Override
  public int[] eosTokenIds() {
    return eos.clone();
  }

  @Override
  public List<String> mixerNames(int layer) {
    return MIXERS;
  }

  @Override
  public Placement defaultPlacement() {
    return placement("all-attention", List.of("attention*" + layers));
  }

  @Override
  public Placement placement(String name, List<String> layersOrPattern) {
    List<String> names = PlacementPattern.expand(layersOrPattern);
    if (names.size() != layers) {
      throw new IllegalArgumentException(
          "placement '" + name + "' has " + names.size() + " layers, expected " + layers);
    }
    List<LayerState> states = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      states.add(
          switch (names.get(i)) {
            // 2 KV groups x head 16 x (K and V) x 4 bytes.
            case "attention" -> new LayerState(MixerKind.FULL_ATTENTION, 256, 0, 0);
            case "swa" -> new LayerState(MixerKind.SLIDING_WINDOW, 256, 8, 0);
            case "gdn" -> new LayerState(MixerKind.GATED_DELTANET, 0, 0, 4 * 16 * 16 * 4 + 768);
            case "kda" -> new LayerState(MixerKind.KIMI_DELTA, 0, 0, 4 * 16 * 16 * 4 + 768);
            case "mamba" -> new LayerState(MixerKind.MAMBA, 0, 0, 128 * 16 * 4 + 1536);
            default ->
                throw new IllegalArgumentException(
                    "layer " + i + " of placement '" + name + "' uses '" + names.get(i) + "', expected one of " + MIXERS);
          });
    }
    return new Placement(name, names, states);
  }

  @Override
  public SequenceState newSequence(Placement placement) {
    liveSequences.incrementAndGet();
    return new Sequence(placement);
  }

  @Override
  public void prefill(SequenceState sequence, int[] tokens, int offset, int length, float[] logits, boolean allPositions) {
    pause();
    maxPrefillChunk.accumulateAndGet(length, Math::max);
    Sequence s = (Sequence) sequence;
    for (int i = 0; i < length; i++) {
      s.append(tokens[offset + i]);
      if (allPositions) {
        s.logits(logits, i * vocab);
      }
    }
    if (!allPositions) {
      s.logits(logits, 0);
    }
  }

  @Override
  public void decode(SequenceState[] sequences, int[] tokens, int count, float[][] logits) {
    pause();
    decodeCalls.incrementAndGet();
    maxDecodeBatch.accumulateAndGet(count, Math::max);
    boolean mixed = false;
    for (int i = 0; i < count; i++) {
      Sequence s = (Sequence) sequences[i];
      s.append(tokens[i]);
      s.logits(logits[i], 0);
      mixed |= sequences[i].placement() != sequences[0].placement();
    }
    if (mixed) {
      mixedPlacementBatches.incrementAndGet();
    }
  }

  private void pause() {
    long delay = stepDelayMillis;
    if (delay > 0) {
      try {
        Thread.sleep(delay);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void close() {}

  private final class Sequence implements SequenceState {
    private final Placement placement;
    private long hash;
    private int length;
    private boolean released;

    Sequence(Placement placement) {
      this.placement = placement;
      this.hash = placement.mixerNames().hashCode() * 0x9E3779B97F4A7C15L;
    }

    void append(int token) {
      if (released) {
        throw new IllegalStateException("sequence used after release");
      }
      if (length >= maxContext) {
        throw new IllegalStateException("sequence beyond the context limit " + maxContext);
      }
      hash = mix(hash * 31 + token + 1);
      length++;
    }

    void logits(float[] out, int offset) {
      for (int v = 0; v < vocab; v++) {
        long x = mix(hash ^ (v * 0xD1B54A32D192ED03L));
        out[offset + v] = (float) ((x >>> 40) / (double) (1L << 24) * 8.0 - 4.0);
      }
    }

    @Override
    public Placement placement() {
      return placement;
    }

    @Override
    public int length() {
      return length;
    }

    @Override
    public long stateBytes() {
      return placement.stateBytes(length);
    }

    @Override
    public void release() {
      if (released) {
        throw new IllegalStateException("sequence released twice");
      }
      released = true;
      liveSequences.decrementAndGet();
    }
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
