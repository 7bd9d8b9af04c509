package dev.gearbox.runtime.backend.cuda;

import dev.gearbox.runtime.backend.cuda.DeviceMixer.Input;
import dev.gearbox.runtime.backend.cuda.DeviceMixer.Kernels;
import dev.gearbox.runtime.backend.cuda.DeviceWeights.Part;
import dev.gearbox.runtime.model.LayerConfig;
import dev.gearbox.runtime.model.MixerConfig;
import dev.gearbox.runtime.model.ModelConfig;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import jcuda.driver.CUdeviceptr;

/**
 * The model's weights on the device and the launch sequences over them: a decode step (embedding,
 * per layer norm + the mixers in use over their segments + MLP, final norm, LM head, optional
 * sampling) and a prefill chunk of one sequence. Launches only; no host synchronization, so a
 * decode step can be captured into a CUDA graph.
 */
final class Forward {
  /** One decoder layer: its mixers and the shared norms and MLP. */
  static final class Layer {
    final List<String> mixerNames;
    final DeviceMixer[] mixers;
    final int pairBase;
    final CUdeviceptr inputNorm;
    final CUdeviceptr postNorm;
    final float eps;
    final CUdeviceptr gateUp;
    final CUdeviceptr down;
    final int inter;
    /** The residual normed with {@link #inputNorm} on load (set by {@link Forward#bind}). */
    Input fusedInput;

    Layer(List<String> mixerNames, DeviceMixer[] mixers, int pairBase, CUdeviceptr inputNorm,
        CUdeviceptr postNorm, float eps, CUdeviceptr gateUp, CUdeviceptr down, int inter) {
      this.mixerNames = mixerNames;
      this.mixers = mixers;
      this.pairBase = pairBase;
      this.inputNorm = inputNorm;
      this.postNorm = postNorm;
      this.eps = eps;
      this.gateUp = gateUp;
      this.down = down;
      this.inter = inter;
    }
  }

  final ModelConfig config;
  final int hidden;
  final int vocab;
  final Layer[] layers;
  final int pairs;
  final CUdeviceptr embedding;
  final CUdeviceptr lmHead;
  final CUdeviceptr finalNorm;
  final boolean headIsEmbedding;
  private final Kernels k;
  private Workspace ws;

  Forward(ModelConfig config, DeviceWeights w, Kernels k, int slots) {
    this.config = config;
    this.k = k;
    this.hidden = DeviceMixer.input("hidden_size", config.hiddenSize());
    this.vocab = DeviceMixer.stride("vocab_size", config.vocabSize());
    this.embedding = w.bf16("model.embed_tokens.weight", hidden, vocab);
    this.layers = new Layer[config.numLayers()];
    int pair = 0;
    for (int l = 0; l < layers.length; l++) {
      layers[l] = loadLayer(config.layers().get(l), w, slots, pair);
      pair += layers[l].mixers.length;
    }
    this.pairs = pair;
    this.finalNorm = w.vector("model.norm.weight", hidden, 0f, 1f);
    this.headIsEmbedding =
        config.tieWordEmbeddings() && !w.has("lm_head.weight") && !w.isRandom();
    this.lmHead = headIsEmbedding ? embedding : w.bf16("lm_head.weight", hidden, vocab);
  }

  private Layer loadLayer(LayerConfig layer, DeviceWeights w, int slots, int pairBase) {
    List<String> names = layer.mixerNames();
    DeviceMixer[] mixers = new DeviceMixer[names.size()];
    for (int m = 0; m < mixers.length; m++) {
      String name = names.get(m);
      String prefix = layer.mixerWeights().get(name);
      mixers[m] =
          switch (layer.mixers().get(name)) {
            case MixerConfig.Attention a ->
                new AttentionLayer(a, hidden, prefix, w, k, config.maxPositions());
            case MixerConfig.GatedDeltaNet g -> new GdnLayer(g, hidden, prefix, w, k, slots);
            case MixerConfig.KimiDelta kd -> new KdaLayer(kd, hidden, prefix, w, k, slots);
            case MixerConfig.Mamba m2 -> new MambaLayer(m2, hidden, prefix, w, k, slots);
          };
    }
    String p = layer.blockPrefix();
    int inter = DeviceMixer.input(p + "mlp intermediate_size", layer.intermediateSize());
    return new Layer(
        names,
        mixers,
        pairBase,
        w.vector(p + "input_layernorm.weight", hidden, 0f, 1f),
        w.vector(p + "post_attention_layernorm.weight", hidden, 0f, 1f),
        (float) layer.normEps(),
        w.bf16(hidden, hidden, 2 * inter,
            new Part(p + "mlp.gate_proj.weight", inter, hidden),
            new Part(p + "mlp.up_proj.weight", inter, hidden)),
        w.bf16(p + "mlp.down_proj.weight", inter, hidden),
        inter);
  }

  /** Every attention mixer with its (layer, mixer) pair index. */
  List<AttentionLayer> attentionLayers() {
    List<AttentionLayer> out = new ArrayList<>();
    for (Layer layer : layers) {
      for (DeviceMixer mixer : layer.mixers) {
        if (mixer instanceof AttentionLayer a) {
          out.add(a);
        }
      }
    }
    return out;
  }

  /** Floats per row of each scratch buffer: the widest any mixer or the MLP needs. */
  long[] scratchWidths() {
    long[] widths = new long[0];
    for (Layer layer : layers) {
      widths = widest(widths, new long[] {2L * layer.inter, layer.inter});
      for (DeviceMixer mixer : layer.mixers) {
        widths = widest(widths, mixer.scratchWidths());
      }
    }
    return widths;
  }

  private static long[] widest(long[] a, long[] b) {
    long[] out = java.util.Arrays.copyOf(a, Math.max(a.length, b.length));
    for (int i = 0; i < b.length; i++) {
      out[i] = Math.max(out[i], b[i]);
    }
    return out;
  }

  void bind(Workspace workspace) {
    this.ws = workspace;
    for (Layer layer : layers) {
      layer.fusedInput = new Input(workspace.h, layer.inputNorm, layer.eps);
    }
  }

  DeviceMixer mixer(int pair) {
    for (Layer layer : layers) {
      if (pair < layer.pairBase + layer.mixers.length) {
        return layer.mixers[pair - layer.pairBase];
      }
    }
    throw new IllegalArgumentException("no (layer, mixer) pair " + pair);
  }

  /**
   * One decode step over {@code rows} rows (a bucket; inputs and segments already sent): for each
   * layer only the mixers whose pair is in {@code used}. Logits land in {@link Workspace#logits};
   * with {@code sample} the sampled tokens in {@link Workspace#outTokens}.
   */
  void decodeStep(int rows, BitSet used, boolean sample) {
    DenseKernels d = k.dense();
    // Up to GEMV_MAX_ROWS rows every norm is fused into the GEMV that reads it (the residual h
    // stays un-normed); more rows run the GEMM, after a separate RMSNorm into xn.
    boolean fused = rows <= DenseKernels.GEMV_MAX_ROWS;
    Input normed = Input.normed(ws.xn);
    d.embed(embedding, ws.tokens(), ws.h, rows, hidden);
    for (Layer layer : layers) {
      Input input = fused ? layer.fusedInput : normed;
      if (!fused) {
        d.rmsNorm(ws.h, layer.inputNorm, ws.xn, rows, hidden, layer.eps);
      }
      for (int m = 0; m < layer.mixers.length; m++) {
        int pair = layer.pairBase + m;
        if (used.get(pair)) {
          layer.mixers[m].decode(ws, input, rows, ws.segment(pair));
        }
      }
      mlp(layer, rows, fused);
    }
    float eps = (float) config.finalNormEps();
    if (fused) {
      d.linearNorm(ws.h, hidden, finalNorm, eps, lmHead, null, ws.logits, vocab, rows, hidden,
          vocab, null, false);
    } else {
      d.rmsNorm(ws.h, finalNorm, ws.xn, rows, hidden, eps);
      d.linear(ws.xn, hidden, lmHead, null, ws.logits, vocab, rows, hidden, vocab, null, false);
    }
    if (sample) {
      d.sample(ws.logits, rows, vocab, ws.temperatures(), ws.seeds(), ws.counters(),
          ws.outTokens);
    }
  }

  /**
   * One prefill chunk of {@code rows} consecutive tokens of one sequence (inputs already sent):
   * each layer's mixer {@code mixerIndex[l]} over all rows. Leaves the final-normed hidden states
   * in {@link Workspace#xn}; {@link #head} turns rows of it into logits.
   */
  void prefillChunk(int rows, int[] mixerIndex, int slot, int firstPosition) {
    DenseKernels d = k.dense();
    d.embed(embedding, ws.tokens(), ws.h, rows, hidden);
    for (int l = 0; l < layers.length; l++) {
      Layer layer = layers[l];
      d.rmsNorm(ws.h, layer.inputNorm, ws.xn, rows, hidden, layer.eps);
      layer.mixers[mixerIndex[l]].prefill(ws, rows, slot, firstPosition);
      mlp(layer, rows, false);
    }
    d.rmsNorm(ws.h, finalNorm, ws.xn, rows, hidden, (float) config.finalNormEps());
  }

  /** Logits of {@code rows} rows of {@link Workspace#xn} from {@code firstRow}, into logits. */
  void head(int firstRow, int rows) {
    k.dense().linear(Workspace.row(ws.xn, firstRow, hidden), hidden, lmHead, null, ws.logits,
        vocab, rows, hidden, vocab, null, false);
  }

  /**
   * Post-mixer norm and gated SiLU MLP, the down projection added into the residual; {@code
   * fused} (rows <= GEMV_MAX_ROWS): the norm applied as gate|up loads h and the SiLU gating as
   * the down projection loads gate|up (two launches).
   */
  private void mlp(Layer layer, int rows, boolean fused) {
    DenseKernels d = k.dense();
    int inter = layer.inter;
    if (fused) {
      d.linearNorm(ws.h, hidden, layer.postNorm, layer.eps, layer.gateUp, null, ws.scratch[0],
          2 * inter, rows, hidden, 2 * inter, null, false);
      d.linearSiluMul(ws.scratch[0], 2 * inter, layer.down, null, ws.h, hidden, rows, inter,
          hidden, null, true);
    } else {
      d.rmsNorm(ws.h, layer.postNorm, ws.xn, rows, hidden, layer.eps);
      d.linear(ws.xn, hidden, layer.gateUp, null, ws.scratch[0], 2 * inter, rows, hidden,
          2 * inter, null, false);
      d.siluMul(ws.scratch[0], ws.scratch[1], rows, inter);
      d.linear(ws.scratch[1], inter, layer.down, null, ws.h, hidden, rows, inter, hidden, null,
          true);
    }
  }
}
