package dev.gearbox.runtime.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gearbox.runtime.model.ConfigParser;
import dev.gearbox.runtime.model.LayerConfig;
import dev.gearbox.runtime.model.MixerConfig;
import dev.gearbox.runtime.model.ModelConfig;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The model shapes the GPU benchmark runs, written as real {@code config.json} trees and parsed by
 * {@link ConfigParser} (so the benchmark exercises the same config path as a checkpoint), plus a
 * host-side bytes model used to plan device memory before a model is loaded.
 *
 * <p>Shapes: Llama-3.2-1B and Qwen3-1.7B (dense), and SuperApriel-15B as an Apriel2 supernet whose
 * layers carry the mixers its placements need: attention and GDN everywhere, SWA on layers 0-9,
 * KDA on layers 10-14.
 */
public final class BenchShapes {
  /** Llama-3.2-1B: 16 layers, hidden 2048, 32/8 heads of 64, FFN 8192, tied, llama3 RoPE. */
  public static final String LLAMA_1B = "llama-3.2-1b";

  /** Qwen3-1.7B: 28 layers, hidden 2048, 16/8 heads of 128, FFN 6144, qk-norm, tied. */
  public static final String QWEN3_1_7B = "qwen3-1.7b";

  /** SuperApriel-15B supernet: 48 layers, hidden 5120, 32/8 heads of 128, FFN 14336. */
  public static final String SUPER_APRIEL_15B = "superapriel-15b";

  /** All shape names, smallest first (the order the benchmark loads them in). */
  public static final List<String> NAMES = List.of(LLAMA_1B, QWEN3_1_7B, SUPER_APRIEL_15B);

  /** "10 SWA + 5 KDA + 33 GDN" on the 15B supernet. */
  public static final String TURBO = "swa*10,kda*5,gdn*33";

  /** "12 FA + 36 GDN": attention on every 4th layer of the 15B supernet. */
  public static final String HYBRID = "fa,gdn*3 x12";

  /** Sliding window of the 15B supernet's {@code swa} mixer. */
  public static final int SWA_WINDOW = 4096;

  private static final int BF16 = 2;
  private static final int F32 = 4;
  private static final ObjectMapper JSON = new ObjectMapper();

  private BenchShapes() {}

  /** The parsed config of shape {@code name} (one of {@link #NAMES}). */
  public static ModelConfig config(String name) {
    return ConfigParser.parse(Path.of(name + "/config.json"), json(name));
  }

  /** The {@code config.json} tree of shape {@code name}. */
  public static ObjectNode json(String name) {
    return switch (name) {
      case LLAMA_1B -> llama1b();
      case QWEN3_1_7B -> qwen3();
      case SUPER_APRIEL_15B -> superApriel15b();
      default ->
          throw new IllegalArgumentException("unknown shape '" + name + "', expected one of " + NAMES);
    };
  }

  /** All-FA placement pattern of a config: full attention on every layer. */
  public static String allFa(ModelConfig config) {
    return "fa*" + config.numLayers();
  }

  /** All-GDN placement pattern of a config. */
  public static String allGdn(ModelConfig config) {
    return "gdn*" + config.numLayers();
  }

  private static ObjectNode llama1b() {
    ObjectNode c = JSON.createObjectNode();
    c.put("model_type", "llama");
    c.put("hidden_size", 2048);
    c.put("intermediate_size", 8192);
    c.put("num_hidden_layers", 16);
    c.put("num_attention_heads", 32);
    c.put("num_key_value_heads", 8);
    c.put("head_dim", 64);
    c.put("vocab_size", 128256);
    c.put("max_position_embeddings", 131072);
    c.put("rms_norm_eps", 1e-5);
    c.put("rope_theta", 500000.0);
    c.putObject("rope_scaling")
        .put("rope_type", "llama3")
        .put("factor", 32.0)
        .put("low_freq_factor", 1.0)
        .put("high_freq_factor", 4.0)
        .put("original_max_position_embeddings", 8192);
    c.put("tie_word_embeddings", true);
    c.put("bos_token_id", 128000);
    c.put("eos_token_id", 128001);
    return c;
  }

  private static ObjectNode qwen3() {
    ObjectNode c = JSON.createObjectNode();
    c.put("model_type", "qwen3");
    c.put("hidden_size", 2048);
    c.put("intermediate_size", 6144);
    c.put("num_hidden_layers", 28);
    c.put("num_attention_heads", 16);
    c.put("num_key_value_heads", 8);
    c.put("head_dim", 128);
    c.put("vocab_size", 151936);
    c.put("max_position_embeddings", 40960);
    c.put("rms_norm_eps", 1e-6);
    c.put("rope_theta", 1000000.0);
    c.put("tie_word_embeddings", true);
    c.put("bos_token_id", 151643);
    c.put("eos_token_id", 151645);
    return c;
  }

  /**
   * The 15B supernet as a pattern decoder of 48 blocks: {@code swa_block} (attention, swa, gdn) on
   * layers 0-9, {@code kda_block} (attention, gdn, kda) on 10-14, {@code gdn_block} (attention,
   * gdn) on 15-47. Max positions 262144 so that 128k contexts plus decode steps fit.
   */
  private static ObjectNode superApriel15b() {
    ObjectNode c = JSON.createObjectNode();
    c.put("model_type", "apriel2_text");
    c.put("hidden_size", 5120);
    c.put("vocab_size", 131072);
    c.put("bos_token_id", 1);
    c.put("eos_token_id", 2);
    c.put("tie_word_embeddings", false);
    c.putObject("embeddings").put("max_position_embeddings", 262144);
    c.putObject("head").putObject("normalization").put("type", "rms_norm").put("epsilon", 1e-5);
    ObjectNode decoder = c.putObject("decoder");
    decoder.put("type", "pattern");
    decoder.put("num_blocks", 48);
    ArrayNode pattern = decoder.putArray("pattern");
    for (int i = 0; i < 48; i++) {
      pattern.add(i < 10 ? "swa_block" : i < 15 ? "kda_block" : "gdn_block");
    }
    ObjectNode blocks = decoder.putObject("blocks");
    block15b(blocks.putObject("swa_block"), "swa");
    block15b(blocks.putObject("kda_block"), "kda");
    block15b(blocks.putObject("gdn_block"), null);
    return c;
  }

  private static void block15b(ObjectNode block, String extra) {
    ObjectNode mixer = block.putObject("mixer");
    mixer.put("type", "stochastic");
    mixer.put("main_mixer_name", "attention");
    ObjectNode mixers = mixer.putObject("mixers");
    attention15b(mixers.putObject("attention"), 0);
    if ("swa".equals(extra)) {
      attention15b(mixers.putObject("swa"), SWA_WINDOW);
    }
    ObjectNode gdn = mixers.putObject("gdn");
    gdn.put("type", "gdn");
    gdn.put("value_heads", 32);
    gdn.put("key_heads", 16);
    gdn.put("key_head_dim", 128);
    gdn.put("value_head_dim", 128);
    gdn.putObject("convolution_layer").put("kernel_size", 4);
    if ("kda".equals(extra)) {
      ObjectNode kda = mixers.putObject("kda");
      kda.put("type", "kda");
      kda.put("heads", 32);
      kda.put("head_dim", 128);
      kda.putObject("convolution_layer").put("kernel_size", 4);
      kda.putObject("normalization").put("epsilon", 1e-5);
    }
    block
        .putObject("mlp")
        .put("type", "mlp")
        .put("intermediate_size", 14336)
        .put("gated", true)
        .put("activation", "silu");
    block.putObject("normalization").put("type", "rms_norm").put("epsilon", 1e-5);
  }

  private static void attention15b(ObjectNode attention, int window) {
    attention.put("type", "attention");
    attention.put("heads", 32);
    attention.put("head_groups", 8);
    attention.put("head_size", 128);
    attention.putObject("rotary").put("type", "mistral_1d").put("theta", 500000.0);
    if (window > 0) {
      attention.put("window_size", window);
    }
  }

  // ---- host-side bytes model (memory planning; the measured tables use the model's own) ----

  /**
   * Bytes of all weights a backend holds on the device for {@code config}: every mixer of every
   * layer (mixers sharing a weight prefix, like a dense model's attention and swa, counted once),
   * MLPs and norms, the embedding, and the LM head unless tied. Linears bf16, the rest f32.
   */
  public static long weightBytes(ModelConfig config) {
    int hidden = config.hiddenSize();
    long total = (long) config.vocabSize() * hidden * BF16 * (config.tieWordEmbeddings() ? 1 : 2);
    total += (long) hidden * F32;
    for (LayerConfig layer : config.layers()) {
      Set<String> prefixes = new HashSet<>();
      for (var entry : layer.mixers().entrySet()) {
        if (prefixes.add(layer.mixerWeights().get(entry.getKey()))) {
          total += mixerWeightBytes(entry.getValue(), hidden);
        }
      }
      total += mlpWeightBytes(hidden, layer.intermediateSize()) + 2L * hidden * F32;
    }
    return total;
  }

  /** Bytes of the weights of one mixer (projections bf16, small parameters f32). */
  public static long mixerWeightBytes(MixerConfig mixer, int hidden) {
    return switch (mixer) {
      case MixerConfig.Attention a -> {
        long q = (long) a.heads() * a.headDim();
        long kv = (long) a.kvHeads() * a.headDim();
        long linear = (q + 2 * kv) * hidden + q * hidden;
        long small = (a.qkvBias() ? q + 2 * kv : 0) + (a.outBias() ? hidden : 0);
        small += a.qkNorm() ? 2L * a.headDim() : 0;
        yield linear * BF16 + small * F32;
      }
      case MixerConfig.GatedDeltaNet g -> {
        long keyDim = (long) g.keyHeads() * g.keyHeadDim();
        long valueDim = (long) g.valueHeads() * g.valueHeadDim();
        long linear =
            (2 * keyDim + 2 * valueDim) * hidden + 2L * g.valueHeads() * hidden + valueDim * hidden;
        long convDim = 2 * keyDim + valueDim;
        long small = convDim * g.convKernel() + 2L * g.valueHeads() + g.valueHeadDim();
        yield linear * BF16 + small * F32;
      }
      case MixerConfig.KimiDelta k -> {
        long proj = (long) k.heads() * k.headDim();
        long hd = k.headDim();
        long linear =
            3 * proj * hidden // q, k, v
                + 2 * (hd * hidden + proj * hd) // f_a, f_b, g_a, g_b
                + (long) k.heads() * hidden // beta
                + proj * hidden; // o
        long small = 3 * proj * k.convKernel() + k.heads() + proj + hd;
        yield linear * BF16 + small * F32;
      }
      case MixerConfig.Mamba m ->
          throw new IllegalArgumentException("the GPU benchmark shapes have no Mamba mixers");
    };
  }

  /** Bytes of a gated SiLU MLP's three bf16 projections. */
  public static long mlpWeightBytes(int hidden, int intermediate) {
    return 3L * hidden * intermediate * BF16;
  }

  /** KV-cache bytes per token of context (bf16 K and V) of the full-attention layers used. */
  public static long kvBytesPerToken(ModelConfig config, List<String> mixerPerLayer) {
    long total = 0;
    for (int i = 0; i < mixerPerLayer.size(); i++) {
      if (config.layers().get(i).mixers().get(mixerPerLayer.get(i))
              instanceof MixerConfig.Attention a
          && a.window() == 0) {
        total += 2L * a.kvHeads() * a.headDim() * BF16;
      }
    }
    return total;
  }

  /**
   * Bytes one batch-1 decode step reads and writes: the used mixers' weights, MLPs, norms and LM
   * head; KV of {@code length} tokens per full-attention layer and {@code min(length, window)}
   * per windowed one; recurrent state read and written (f32).
   *
   * @param mixerPerLayer the checkpoint's mixer name per layer (a resolved placement)
   */
  public static long stepBytes(ModelConfig config, List<String> mixerPerLayer, long length) {
    int hidden = config.hiddenSize();
    long total = (long) config.vocabSize() * hidden * BF16 + (long) hidden * (F32 + BF16);
    for (int i = 0; i < mixerPerLayer.size(); i++) {
      LayerConfig layer = config.layers().get(i);
      MixerConfig mixer = layer.mixers().get(mixerPerLayer.get(i));
      total += mixerWeightBytes(mixer, hidden);
      total += mlpWeightBytes(hidden, layer.intermediateSize()) + 2L * hidden * F32;
      total +=
          switch (mixer) {
            case MixerConfig.Attention a -> {
              long tokens = a.window() > 0 ? Math.min(length, a.window()) : length;
              yield tokens * 2L * a.kvHeads() * a.headDim() * BF16;
            }
            case MixerConfig.GatedDeltaNet g -> {
              long keyDim = (long) g.keyHeads() * g.keyHeadDim();
              long convDim = 2 * keyDim + (long) g.valueHeads() * g.valueHeadDim();
              long state =
                  (long) g.valueHeads() * g.keyHeadDim() * g.valueHeadDim()
                      + convDim * (g.convKernel() - 1);
              yield 2 * state * F32;
            }
            case MixerConfig.KimiDelta k -> {
              long proj = (long) k.heads() * k.headDim();
              long state = (long) k.heads() * k.headDim() * k.headDim() + 3 * proj * (k.convKernel() - 1);
              yield 2 * state * F32;
            }
            case MixerConfig.Mamba m ->
                throw new IllegalArgumentException("the GPU benchmark shapes have no Mamba mixers");
          };
    }
    return total;
  }

  /** Predicted decode speedup of {@code turbo} over all-FA: bytes(FA) / bytes(turbo). */
  public static double predictedSpeedup(long faBytesPerStep, long turboBytesPerStep) {
    if (faBytesPerStep <= 0 || turboBytesPerStep <= 0) {
      throw new IllegalArgumentException(
          "bytes per step must be positive: " + faBytesPerStep + ", " + turboBytesPerStep);
    }
    return (double) faBytesPerStep / turboBytesPerStep;
  }
}
