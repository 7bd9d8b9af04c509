package dev.gearbox.runtime.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gearbox.runtime.checkpoint.SafetensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Writes checkpoints with random weights in the real layouts: an Apriel2 supernet (every layer a
 * stochastic mixer with attention, swa, gdn, kda and mamba) or a dense Llama/Qwen model. Used by
 * the CPU benchmark and by tests that need a checkpoint of a given shape.
 */
public final class RandomCheckpoint {
  /**
   * Sizes of a random model.
   *
   * @param window sliding window of the supernet's {@code swa} mixer (or the dense config's {@code
   *     sliding_window}; 0 leaves it out)
   */
  public record Spec(
      int hidden,
      int layers,
      int vocab,
      int heads,
      int kvHeads,
      int headDim,
      int intermediate,
      int window,
      int maxPositions) {

    /** Parameters a single placement reads per token, counting one attention mixer per layer. */
    public long denseParameters() {
      long attention = (long) hidden * (2L * heads * headDim + 2L * kvHeads * headDim);
      long mlp = 3L * hidden * intermediate;
      return 2L * vocab * hidden + layers * (attention + mlp + 2L * hidden) + hidden;
    }
  }

  private final SplittableRandom random;
  private final SafetensorsWriter writer = new SafetensorsWriter();

  private RandomCheckpoint(long seed) {
    this.random = new SplittableRandom(seed);
  }

  /** Writes an Apriel2 supernet checkpoint ({@code config.json}, {@code model.safetensors}). */
  public static void writeApriel2Supernet(Path dir, Spec spec, long seed) {
    RandomCheckpoint out = new RandomCheckpoint(seed);
    ObjectMapper json = new ObjectMapper();
    ObjectNode config = json.createObjectNode();
    config.put("model_type", "apriel2_text");
    config.put("hidden_size", spec.hidden());
    config.put("vocab_size", spec.vocab());
    config.put("bos_token_id", 1);
    config.put("eos_token_id", 2);
    config.put("tie_word_embeddings", false);
    config.putObject("embeddings").put("max_position_embeddings", spec.maxPositions());
    config
        .putObject("head")
        .putObject("normalization")
        .put("type", "rms_norm")
        .put("epsilon", 1e-5);
    ObjectNode decoder = config.putObject("decoder");
    decoder.put("type", "fixed");
    decoder.put("num_blocks", spec.layers());
    ObjectNode block = decoder.putObject("block");
    ObjectNode mixer = block.putObject("mixer");
    mixer.put("type", "stochastic");
    mixer.put("main_mixer_name", "attention");
    ObjectNode mixers = mixer.putObject("mixers");
    for (String name : new String[] {"attention", "swa"}) {
      ObjectNode attention = mixers.putObject(name);
      attention.put("type", "attention");
      attention.put("heads", spec.heads());
      attention.put("head_groups", spec.kvHeads());
      attention.put("head_size", spec.headDim());
      attention.putObject("rotary").put("type", "mistral_1d").put("theta", 10000.0);
      if (name.equals("swa")) {
        attention.put("window_size", spec.window());
      }
    }
    int keyHeads = spec.kvHeads();
    ObjectNode gdn = mixers.putObject("gdn");
    gdn.put("type", "gdn");
    gdn.put("value_heads", spec.heads());
    gdn.put("key_heads", keyHeads);
    gdn.put("key_head_dim", spec.headDim());
    gdn.put("value_head_dim", spec.headDim());
    gdn.putObject("convolution_layer").put("kernel_size", 4);
    ObjectNode kda = mixers.putObject("kda");
    kda.put("type", "kda");
    kda.put("heads", spec.heads());
    kda.put("head_dim", spec.headDim());
    kda.putObject("convolution_layer").put("kernel_size", 4);
    kda.putObject("normalization").put("epsilon", 1e-5);
    int dInner = 2 * spec.hidden();
    int dState = 16;
    int dXb = spec.kvHeads() * spec.headDim();
    int dtRank = Math.max(1, spec.hidden() / 16);
    ObjectNode mamba = mixers.putObject("mamba");
    mamba.put("type", "mamba");
    mamba.put("d_inner", dInner);
    mamba.put("d_state", dState);
    mamba.put("d_xb", dXb);
    mamba.put("dt_rank", dtRank);
    mamba.put("d_conv", 4);
    mamba.put("conv_bias", true);
    mamba.put("dt_proj_bias", true);
    mamba.put("repeat_kv_before_conv", true);
    ObjectNode mlp = block.putObject("mlp");
    mlp.put("type", "mlp")
        .put("intermediate_size", spec.intermediate())
        .put("gated", true)
        .put("activation", "silu");
    block.putObject("normalization").put("type", "rms_norm").put("epsilon", 1e-5);

    int h = spec.hidden();
    out.linear("model.embed_tokens.weight", spec.vocab(), h, 1.0);
    for (int l = 0; l < spec.layers(); l++) {
      String p = "model.decoder.blocks." + l + ".";
      out.ones(p + "input_layernorm.weight", h);
      out.ones(p + "post_attention_layernorm.weight", h);
      out.mlp(p + "mlp.", h, spec.intermediate());
      for (String name : new String[] {"attention", "swa"}) {
        String m = p + "mixer.mixers." + name + ".";
        out.linear(m + "q_proj.weight", spec.heads() * spec.headDim(), h);
        out.linear(m + "k_proj.weight", spec.kvHeads() * spec.headDim(), h);
        out.linear(m + "v_proj.weight", spec.kvHeads() * spec.headDim(), h);
        out.linear(m + "o_proj.weight", h, spec.heads() * spec.headDim());
      }
      String g = p + "mixer.mixers.gdn.";
      int keyDim = keyHeads * spec.headDim();
      int valueDim = spec.heads() * spec.headDim();
      out.linear(g + "in_proj_qkvz.weight", 2 * keyDim + 2 * valueDim, h);
      out.linear(g + "in_proj_ba.weight", 2 * spec.heads(), h);
      out.conv(g + "convolution.weight", 2 * keyDim + valueDim, 4);
      out.uniform(g + "dt_bias", new long[] {spec.heads()}, 0.5, 1.5);
      out.logUniform(g + "A_log", new long[] {spec.heads()}, 1, 16);
      out.ones(g + "norm.weight", spec.headDim());
      out.linear(g + "out_proj.weight", h, valueDim);
      String k = p + "mixer.mixers.kda.";
      int proj = spec.heads() * spec.headDim();
      out.linear(k + "q_proj.weight", proj, h);
      out.linear(k + "k_proj.weight", proj, h);
      out.linear(k + "v_proj.weight", proj, h);
      out.conv(k + "q_conv.weight", proj, 4);
      out.conv(k + "k_conv.weight", proj, 4);
      out.conv(k + "v_conv.weight", proj, 4);
      out.linear(k + "f_a_proj.weight", spec.headDim(), h);
      out.linear(k + "f_b_proj.weight", proj, spec.headDim());
      out.linear(k + "g_a_proj.weight", spec.headDim(), h);
      out.linear(k + "g_b_proj.weight", proj, spec.headDim());
      out.linear(k + "beta_proj.weight", spec.heads(), h);
      out.linear(k + "o_proj.weight", h, proj);
      out.logUniform(k + "A_log", new long[] {spec.heads()}, 1, 16);
      out.uniform(k + "dt_bias", new long[] {proj}, 0.5, 1.5);
      out.ones(k + "norm.weight", spec.headDim());
      String mb = p + "mixer.mixers.mamba.";
      out.linear(mb + "in_proj.weight", 2 * dXb + 2 * dInner, h);
      out.linear(mb + "dt_in_proj.weight", dtRank, h);
      out.linear(mb + "dt_proj.weight", dInner, dtRank);
      out.uniform(mb + "dt_proj.bias", new long[] {dInner}, -4.6, -2.3);
      out.conv(mb + "conv1d.weight", dInner, 4);
      out.uniform(mb + "conv1d.bias", new long[] {dInner}, -0.1, 0.1);
      float[] aLog = new float[dInner * dState];
      for (int i = 0; i < aLog.length; i++) {
        aLog[i] = (float) Math.log(1 + i % dState);
      }
      out.writer.add(mb + "A_log", new long[] {dInner, dState}, aLog);
      out.ones(mb + "D", dInner);
      out.linear(mb + "out_proj.weight", h, dInner);
    }
    out.ones("model.norm.weight", h);
    out.linear("lm_head.weight", spec.vocab(), h);
    out.finish(dir, json, config);
  }

  /**
   * Writes a dense checkpoint of {@code modelType} (llama, mistral, qwen2 or qwen3): q/k/v biases
   * for qwen2, q/k norms for qwen3, {@code sliding_window} when {@code spec.window() > 0}.
   */
  public static void writeDense(
      Path dir, String modelType, Spec spec, boolean tieEmbeddings, long seed) {
    RandomCheckpoint out = new RandomCheckpoint(seed);
    ObjectMapper json = new ObjectMapper();
    ObjectNode config = json.createObjectNode();
    config.put("model_type", modelType);
    config.put("hidden_size", spec.hidden());
    config.put("vocab_size", spec.vocab());
    config.put("num_hidden_layers", spec.layers());
    config.put("num_attention_heads", spec.heads());
    config.put("num_key_value_heads", spec.kvHeads());
    config.put("head_dim", spec.headDim());
    config.put("intermediate_size", spec.intermediate());
    config.put("max_position_embeddings", spec.maxPositions());
    config.put("rms_norm_eps", 1e-6);
    config.put("rope_theta", 10000.0);
    config.put("tie_word_embeddings", tieEmbeddings);
    config.put("bos_token_id", 1);
    config.put("eos_token_id", 2);
    if (spec.window() > 0) {
      config.put("sliding_window", spec.window());
    }
    int h = spec.hidden();
    int q = spec.heads() * spec.headDim();
    int kv = spec.kvHeads() * spec.headDim();
    out.linear("model.embed_tokens.weight", spec.vocab(), h, 1.0);
    for (int l = 0; l < spec.layers(); l++) {
      String p = "model.layers." + l + ".";
      out.ones(p + "input_layernorm.weight", h);
      out.ones(p + "post_attention_layernorm.weight", h);
      out.mlp(p + "mlp.", h, spec.intermediate());
      out.linear(p + "self_attn.q_proj.weight", q, h);
      out.linear(p + "self_attn.k_proj.weight", kv, h);
      out.linear(p + "self_attn.v_proj.weight", kv, h);
      out.linear(p + "self_attn.o_proj.weight", h, q);
      if (modelType.equals("qwen2")) {
        out.uniform(p + "self_attn.q_proj.bias", new long[] {q}, -0.1, 0.1);
        out.uniform(p + "self_attn.k_proj.bias", new long[] {kv}, -0.1, 0.1);
        out.uniform(p + "self_attn.v_proj.bias", new long[] {kv}, -0.1, 0.1);
      }
      if (modelType.equals("qwen3")) {
        out.uniform(p + "self_attn.q_norm.weight", new long[] {spec.headDim()}, 0.8, 1.2);
        out.uniform(p + "self_attn.k_norm.weight", new long[] {spec.headDim()}, 0.8, 1.2);
      }
    }
    out.ones("model.norm.weight", h);
    if (!tieEmbeddings) {
      out.linear("lm_head.weight", spec.vocab(), h);
    }
    out.finish(dir, json, config);
  }

  private void finish(Path dir, ObjectMapper json, ObjectNode config) {
    try {
      json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), config);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    writer.write(dir.resolve("model.safetensors"));
  }

  private void mlp(String prefix, int hidden, int intermediate) {
    linear(prefix + "gate_proj.weight", intermediate, hidden);
    linear(prefix + "up_proj.weight", intermediate, hidden);
    linear(prefix + "down_proj.weight", hidden, intermediate);
  }

  /** Uniform weights with variance 1/in, so activations keep their scale through the layer. */
  private void linear(String name, int out, int in) {
    linear(name, out, in, 1.0 / Math.sqrt(in));
  }

  private void linear(String name, int out, int in, double std) {
    double bound = std * Math.sqrt(3);
    uniform(name, new long[] {out, in}, -bound, bound);
  }

  private void conv(String name, int channels, int kernel) {
    uniform(name, new long[] {channels, 1, kernel}, -0.5, 0.5);
  }

  private void ones(String name, int n) {
    float[] data = new float[n];
    java.util.Arrays.fill(data, 1f);
    writer.add(name, new long[] {n}, data);
  }

  private void uniform(String name, long[] shape, double low, double high) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    float[] data = new float[Math.toIntExact(n)];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) (low + (high - low) * random.nextDouble());
    }
    writer.add(name, shape, data);
  }

  private void logUniform(String name, long[] shape, double low, double high) {
    float[] data = new float[Math.toIntExact(shape[0])];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) Math.log(low + (high - low) * random.nextDouble());
    }
    writer.add(name, shape, data);
  }
}
