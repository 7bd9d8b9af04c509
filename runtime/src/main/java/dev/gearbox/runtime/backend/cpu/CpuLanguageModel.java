package dev.gearbox.runtime.backend.cpu;

import dev.gearbox.runtime.checkpoint.TensorStore;
import dev.gearbox.runtime.model.LanguageModel;
import dev.gearbox.runtime.model.LayerConfig;
import dev.gearbox.runtime.model.MixerConfig;
import dev.gearbox.runtime.model.ModelConfig;
import dev.gearbox.runtime.model.ModelInputs;
import dev.gearbox.runtime.model.PlacementResolver;
import dev.gearbox.runtime.model.SequenceState;
import dev.gearbox.runtime.placement.Placement;
import java.util.List;

/**
 * The CPU {@link LanguageModel}: fp32 weights held once, every placement of the checkpoint served
 * from them. Shared parts (embedding, norms, MLP, LM head) run over all rows of a step; each
 * layer's mixer runs over the rows whose placement selects it.
 *
 * <p>Calls are serialized on the model (scratch buffers are shared); each call uses the worker pool
 * for its matrix work.
 */
public final class CpuLanguageModel implements LanguageModel {
  /** Prefill runs in chunks of at most this many tokens to bound scratch memory. */
  static final int PREFILL_CHUNK = 256;

  private static final int H = 0;
  private static final int XN = 1;
  private static final int MIX = 2;
  private static final int GATE = 3;
  private static final int UP = 4;
  private static final int GATHER_IN = 5;
  private static final int GATHER_OUT = 6;
  private static final int LOGITS = 7;

  private final ModelConfig config;
  private final int hidden;
  private final int vocab;
  private final float[] embedding;
  private final CpuLayer[] layers;
  private final float[] finalNorm;
  private final Linear lmHead;
  private final WorkerPool pool;
  private final Scratch scratch = new Scratch();
  private final PlacementResolver resolver;
  private final Placement defaultPlacement;

  private CpuSequence[] rowSequences = new CpuSequence[0];
  private int[] rowPositions = new int[0];
  private int[] groupRows = new int[0];
  private MixerState[] groupStates = new MixerState[0];
  private int[] groupPositions = new int[0];

  private CpuLanguageModel(ModelConfig config, Weights weights, WorkerPool pool) {
    this.config = config;
    this.hidden = config.hiddenSize();
    this.vocab = config.vocabSize();
    this.pool = pool;
    this.embedding = weights.matrix("model.embed_tokens.weight", vocab, hidden);
    this.layers = new CpuLayer[config.numLayers()];
    for (int i = 0; i < layers.length; i++) {
      layers[i] = loadLayer(config.layers().get(i), weights);
    }
    this.finalNorm = weights.vector("model.norm.weight", hidden);
    float[] head =
        config.tieWordEmbeddings() && !weights.has("lm_head.weight")
            ? embedding
            : weights.matrix("lm_head.weight", vocab, hidden);
    this.lmHead = new Linear(head, null, hidden, vocab);
    this.resolver =
        new PlacementResolver(config.layers(), (layer, name) -> mixer(layer, name).layout());
    this.defaultPlacement = resolver.defaultPlacement("default");
  }

  /** Loads the weights of {@code config} from {@code store}, running on {@code threads} threads. */
  public static CpuLanguageModel load(ModelConfig config, TensorStore store, int threads) {
    WorkerPool pool = new WorkerPool(threads);
    try {
      return new CpuLanguageModel(config, new Weights(store), pool);
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  private CpuLayer loadLayer(LayerConfig layer, Weights weights) {
    List<String> names = layer.mixerNames();
    CpuMixer[] mixers = new CpuMixer[names.size()];
    for (int m = 0; m < mixers.length; m++) {
      String name = names.get(m);
      mixers[m] = createMixer(layer.mixers().get(name), layer.mixerWeights().get(name), weights);
    }
    String p = layer.blockPrefix();
    int inter = layer.intermediateSize();
    return new CpuLayer(
        names,
        mixers,
        weights.vector(p + "input_layernorm.weight", hidden),
        weights.vector(p + "post_attention_layernorm.weight", hidden),
        (float) layer.normEps(),
        weights.linear(p + "mlp.gate_proj", hidden, inter, false),
        weights.linear(p + "mlp.up_proj", hidden, inter, false),
        weights.linear(p + "mlp.down_proj", inter, hidden, false));
  }

  private CpuMixer createMixer(MixerConfig mixer, String prefix, Weights weights) {
    return switch (mixer) {
      case MixerConfig.Attention a -> new AttentionMixer(a, hidden, prefix, weights, pool, scratch);
      case MixerConfig.GatedDeltaNet g ->
          new GatedDeltaNetMixer(g, hidden, prefix, weights, pool, scratch);
      case MixerConfig.KimiDelta k -> new KimiDeltaMixer(k, hidden, prefix, weights, pool, scratch);
      case MixerConfig.Mamba m -> new MambaMixer(m, hidden, prefix, weights, pool, scratch);
    };
  }

  private CpuMixer mixer(int layer, String name) {
    int index = layers[layer].mixerNames.indexOf(name);
    if (index < 0) {
      throw new IllegalArgumentException(
          "layer " + layer + " has no mixer '" + name + "'; it has " + layers[layer].mixerNames);
    }
    return layers[layer].mixers[index];
  }

  /** The parsed checkpoint configuration. */
  public ModelConfig config() {
    return config;
  }

  @Override
  public int[] eosTokenIds() {
    return config.eosTokenIds().stream().mapToInt(Integer::intValue).toArray();
  }

  @Override
  public int vocabSize() {
    return vocab;
  }

  @Override
  public int numLayers() {
    return layers.length;
  }

  @Override
  public int maxContextLength() {
    return config.maxPositions();
  }

  @Override
  public List<String> mixerNames(int layer) {
    return layers[layer].mixerNames;
  }

  @Override
  public Placement defaultPlacement() {
    return defaultPlacement;
  }

  @Override
  public Placement placement(String name, List<String> layersOrPattern) {
    return resolver.resolve(name, layersOrPattern);
  }

  @Override
  public SequenceState newSequence(Placement placement) {
    int[] index = ModelInputs.mixerIndices(placement, layers.length, l -> layers[l].mixerNames);
    MixerState[] states = new MixerState[layers.length];
    for (int l = 0; l < layers.length; l++) {
      states[l] = layers[l].mixers[index[l]].newState();
    }
    return new CpuSequence(this, placement, index, states);
  }

  /**
   * An independent copy of {@code sequence} (same placement, same tokens so far), e.g. to serve
   * several continuations of one prompt without prefilling it again.
   */
  public SequenceState fork(SequenceState sequence) {
    CpuSequence seq = own(sequence, 0);
    MixerState[] states = new MixerState[seq.states.length];
    for (int l = 0; l < states.length; l++) {
      states[l] = seq.states[l].copy();
    }
    CpuSequence copy = new CpuSequence(this, seq.placement, seq.mixerIndex.clone(), states);
    copy.length = seq.length;
    return copy;
  }

  /** Bytes of weights one decode step of {@code placement} reads (embedding rows aside). */
  public long weightBytesPerStep(Placement placement) {
    long bytes = lmHead.weightBytes() + 4L * finalNorm.length;
    for (int l = 0; l < layers.length; l++) {
      CpuLayer layer = layers[l];
      bytes += mixer(l, placement.mixerNames().get(l)).weightBytes();
      bytes += layer.gate.weightBytes() + layer.up.weightBytes() + layer.down.weightBytes();
      bytes += 8L * hidden;
    }
    return bytes;
  }

  @Override
  public synchronized void prefill(
      SequenceState sequence,
      int[] tokens,
      int offset,
      int length,
      float[] logits,
      boolean allPositions) {
    CpuSequence seq = own(sequence, 0);
    if (length <= 0) {
      throw new IllegalArgumentException("prefill needs at least one token, got length " + length);
    }
    if (offset < 0 || offset + length > tokens.length) {
      throw new IllegalArgumentException(
          "prefill range ["
              + offset
              + ", "
              + (offset + length)
              + ") is outside tokens["
              + tokens.length
              + "]");
    }
    ModelInputs.checkRoom(seq.length, length, maxContextLength());
    int needed = allPositions ? length * vocab : vocab;
    if (logits.length < needed) {
      throw new IllegalArgumentException(
          "logits has " + logits.length + " floats, expected at least " + needed);
    }
    for (int start = 0; start < length; start += PREFILL_CHUNK) {
      int rows = Math.min(PREFILL_CHUNK, length - start);
      ensureRows(rows);
      for (int r = 0; r < rows; r++) {
        rowSequences[r] = seq;
        rowPositions[r] = seq.length + r;
      }
      float[] h = embed(tokens, offset + start, rows);
      forwardLayers(h, rows);
      seq.length += rows;
      float[] out = scratch.get(LOGITS, rows * vocab);
      if (allPositions) {
        headRows(h, 0, rows, out);
        System.arraycopy(out, 0, logits, start * vocab, rows * vocab);
      } else if (start + rows == length) {
        headRows(h, rows - 1, 1, out);
        System.arraycopy(out, 0, logits, 0, vocab);
      }
    }
    clearRows(length);
  }

  @Override
  public synchronized void decode(
      SequenceState[] sequences, int[] tokens, int count, float[][] logits) {
    if (count <= 0) {
      return;
    }
    if (sequences.length < count || tokens.length < count || logits.length < count) {
      throw new IllegalArgumentException(
          "decode of "
              + count
              + " rows got "
              + sequences.length
              + " sequences, "
              + tokens.length
              + " tokens and "
              + logits.length
              + " logits rows");
    }
    ensureRows(count);
    for (int r = 0; r < count; r++) {
      if (logits[r].length < vocab) {
        throw new IllegalArgumentException(
            "logits row " + r + " has " + logits[r].length + " floats, expected " + vocab);
      }
      CpuSequence seq = own(sequences[r], r);
      ModelInputs.checkRoom(seq.length, 1, maxContextLength());
      ModelInputs.checkDistinct(sequences, r);
      rowSequences[r] = seq;
      rowPositions[r] = seq.length;
    }
    float[] h = embed(tokens, 0, count);
    forwardLayers(h, count);
    float[] out = scratch.get(LOGITS, count * vocab);
    headRows(h, 0, count, out);
    for (int r = 0; r < count; r++) {
      rowSequences[r].length++;
      System.arraycopy(out, r * vocab, logits[r], 0, vocab);
    }
    clearRows(count);
  }

  private CpuSequence own(SequenceState state, int row) {
    if (!(state instanceof CpuSequence seq) || seq.model != this) {
      throw new IllegalArgumentException(
          "sequence at row " + row + " was not created by this model");
    }
    if (seq.released) {
      throw new IllegalStateException("sequence at row " + row + " was released");
    }
    return seq;
  }

  private float[] embed(int[] tokens, int offset, int rows) {
    float[] h = scratch.get(H, rows * hidden);
    for (int r = 0; r < rows; r++) {
      int token = tokens[offset + r];
      ModelInputs.checkToken(token, offset + r, vocab);
      System.arraycopy(embedding, token * hidden, h, r * hidden, hidden);
    }
    return h;
  }

  private void forwardLayers(float[] h, int rows) {
    int n = rows * hidden;
    for (int l = 0; l < layers.length; l++) {
      CpuLayer layer = layers[l];
      float[] xn = scratch.get(XN, n);
      for (int r = 0; r < rows; r++) {
        Ops.rmsNorm(h, r * hidden, layer.inputNorm, layer.normEps, xn, r * hidden, hidden);
      }
      float[] mix = scratch.get(MIX, n);
      runMixers(l, xn, mix, rows);
      for (int i = 0; i < n; i++) {
        h[i] += mix[i];
      }
      for (int r = 0; r < rows; r++) {
        Ops.rmsNorm(h, r * hidden, layer.postNorm, layer.normEps, xn, r * hidden, hidden);
      }
      int inter = layer.gate.out;
      float[] gate = scratch.get(GATE, rows * inter);
      float[] up = scratch.get(UP, rows * inter);
      layer.gate.apply(pool, xn, rows, gate);
      layer.up.apply(pool, xn, rows, up);
      for (int i = 0; i < rows * inter; i++) {
        gate[i] = Ops.silu(gate[i]) * up[i];
      }
      layer.down.apply(pool, gate, rows, mix);
      for (int i = 0; i < n; i++) {
        h[i] += mix[i];
      }
    }
    for (int r = 0; r < rows; r++) {
      Ops.rmsNorm(h, r * hidden, finalNorm, (float) config.finalNormEps(), h, r * hidden, hidden);
    }
  }

  /** Runs layer {@code l}'s mixers, each over the rows whose placement picks it. */
  private void runMixers(int l, float[] xn, float[] mix, int rows) {
    CpuLayer layer = layers[l];
    for (int m = 0; m < layer.mixers.length; m++) {
      int count = 0;
      for (int r = 0; r < rows; r++) {
        if (rowSequences[r].mixerIndex[l] == m) {
          groupRows[count] = r;
          groupStates[count] = rowSequences[r].states[l];
          groupPositions[count] = rowPositions[r];
          count++;
        }
      }
      if (count == 0) {
        continue;
      }
      if (count == rows) {
        layer.mixers[m].forward(xn, mix, rows, groupStates, groupPositions);
        return;
      }
      float[] in = scratch.get(GATHER_IN, count * hidden);
      float[] out = scratch.get(GATHER_OUT, count * hidden);
      for (int g = 0; g < count; g++) {
        System.arraycopy(xn, groupRows[g] * hidden, in, g * hidden, hidden);
      }
      layer.mixers[m].forward(in, out, count, groupStates, groupPositions);
      for (int g = 0; g < count; g++) {
        System.arraycopy(out, g * hidden, mix, groupRows[g] * hidden, hidden);
      }
    }
  }

  private void headRows(float[] h, int firstRow, int rows, float[] out) {
    lmHead.apply(pool, h, firstRow * hidden, rows, out);
  }

  private void ensureRows(int rows) {
    if (rowSequences.length < rows) {
      rowSequences = new CpuSequence[rows];
      rowPositions = new int[rows];
      groupRows = new int[rows];
      groupStates = new MixerState[rows];
      groupPositions = new int[rows];
    }
  }

  /** Drops references to sequences so released ones can be collected. */
  private void clearRows(int rows) {
    for (int r = 0; r < Math.min(rows, rowSequences.length); r++) {
      rowSequences[r] = null;
      groupStates[r] = null;
    }
  }

  @Override
  public void close() {
    pool.close();
  }
}
