package dev.gearbox.runtime.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gearbox.runtime.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses {@code config.json} (+ {@code generation_config.json}) of an Apriel2 supernet or a dense
 * Llama / Mistral / Qwen2 / Qwen3 checkpoint into a {@link ModelConfig}.
 *
 * <p>Errors name the JSON field path, e.g. {@code decoder.block.mixer.mixers.foo.type}.
 */
public final class ConfigParser {
  /**
   * Window given to the {@code swa} variant of a dense checkpoint's attention when its config has
   * no {@code sliding_window}; override with system property {@code gearbox.dense.swaWindow}.
   */
  public static final int DEFAULT_DENSE_WINDOW = 4096;

  private static final List<String> MIXER_TYPES =
      List.of("attention", "gdn", "kda", "mamba", "stochastic");
  private static final List<String> MODEL_TYPES =
      List.of("apriel2_text", "apriel2", "llama", "mistral", "qwen2", "qwen3");

  private final Path file;

  private ConfigParser(Path file) {
    this.file = file;
  }

  /** Reads {@code dir/config.json} and, when present, {@code dir/generation_config.json}. */
  public static ModelConfig load(Path dir) {
    Path configFile = dir.resolve("config.json");
    JsonNode root = readJson(configFile);
    JsonNode generation = null;
    Path generationFile = dir.resolve("generation_config.json");
    if (Files.exists(generationFile)) {
      generation = readJson(generationFile);
    }
    return new ConfigParser(configFile).parse(root, generation);
  }

  /** Parses an already-read config (no generation config). */
  public static ModelConfig parse(Path file, JsonNode root) {
    return new ConfigParser(file).parse(root, null);
  }

  private static JsonNode readJson(Path path) {
    try {
      return new ObjectMapper().readTree(path.toFile());
    } catch (IOException e) {
      throw new CheckpointException(path + ": cannot read JSON: " + e.getMessage(), e);
    }
  }

  private ModelConfig parse(JsonNode root, JsonNode generation) {
    String modelType = text(root, "", "model_type");
    // Apriel2 multimodal configs keep the text model under text_config.
    if (modelType.equals("apriel2") && root.has("text_config") && !root.has("decoder")) {
      root = root.get("text_config");
    }
    List<LayerConfig> layers;
    double finalEps;
    int maxPositions;
    switch (modelType) {
      case "apriel2_text", "apriel2" -> {
        layers = apriel2Layers(root);
        finalEps = headEpsilon(root);
        maxPositions =
            integer(node(root, "", "embeddings"), "embeddings", "max_position_embeddings");
      }
      case "llama", "mistral", "qwen2", "qwen3" -> {
        layers = denseLayers(root, modelType);
        finalEps = root.path("rms_norm_eps").asDouble(1e-6);
        maxPositions = integer(root, "", "max_position_embeddings");
      }
      default ->
          throw error(
              "model_type",
              "unknown model type '" + modelType + "', expected one of " + MODEL_TYPES);
    }
    List<Integer> eos = new ArrayList<>();
    addIds(eos, root.get("eos_token_id"));
    if (generation != null) {
      addIds(eos, generation.get("eos_token_id"));
    }
    int bos = root.path("bos_token_id").asInt(-1);
    if (bos < 0 && generation != null) {
      bos = generation.path("bos_token_id").asInt(-1);
    }
    return new ModelConfig(
        modelType,
        integer(root, "", "hidden_size"),
        integer(root, "", "vocab_size"),
        maxPositions,
        layers,
        finalEps,
        root.path("tie_word_embeddings").asBoolean(false),
        bos,
        eos);
  }

  private static void addIds(List<Integer> ids, JsonNode node) {
    if (node == null || node.isNull()) {
      return;
    }
    if (node.isArray()) {
      for (JsonNode id : node) {
        if (!ids.contains(id.asInt())) {
          ids.add(id.asInt());
        }
      }
    } else if (!ids.contains(node.asInt())) {
      ids.add(node.asInt());
    }
  }

  // ---- Apriel2 ----

  private List<LayerConfig> apriel2Layers(JsonNode root) {
    JsonNode decoder = node(root, "", "decoder");
    int numBlocks = integer(decoder, "decoder", "num_blocks");
    String type = decoder.path("type").asText("fixed");
    // The reference uses head.normalization.epsilon for every RMSNorm of the decoder.
    double eps = headEpsilon(root);
    List<LayerConfig> layers = new ArrayList<>();
    for (int i = 0; i < numBlocks; i++) {
      String path;
      JsonNode block;
      switch (type) {
        case "fixed" -> {
          path = "decoder.block";
          block = node(decoder, "decoder", "block");
        }
        case "pattern" -> {
          JsonNode pattern = node(decoder, "decoder", "pattern");
          if (!pattern.isArray() || pattern.isEmpty()) {
            throw error("decoder.pattern", "expected a non-empty list of block names");
          }
          String name = pattern.get(i % pattern.size()).asText();
          path = "decoder.blocks." + name;
          block = node(node(decoder, "decoder", "blocks"), "decoder.blocks", name);
        }
        default ->
            throw error(
                "decoder.type",
                "unknown decoder type '" + type + "', expected 'fixed' or 'pattern'");
      }
      layers.add(apriel2Block(block, path, "model.decoder.blocks." + i + ".", eps));
    }
    return layers;
  }

  private LayerConfig apriel2Block(JsonNode block, String path, String prefix, double eps) {
    JsonNode mixer = node(block, path, "mixer");
    String mixerPath = path + ".mixer";
    String mixerType = mixer.path("type").asText("attention");
    Map<String, MixerConfig> mixers = new LinkedHashMap<>();
    Map<String, String> weights = new LinkedHashMap<>();
    String main;
    if (mixerType.equals("stochastic")) {
      JsonNode subs = node(mixer, mixerPath, "mixers");
      for (Iterator<Map.Entry<String, JsonNode>> it = subs.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> entry = it.next();
        String subPath = mixerPath + ".mixers." + entry.getKey();
        String subType = entry.getValue().path("type").asText("attention");
        if (subType.equals("stochastic")) {
          throw error(subPath + ".type", "stochastic mixers cannot be nested");
        }
        mixers.put(entry.getKey(), apriel2Mixer(entry.getValue(), subPath, subType));
        weights.put(entry.getKey(), prefix + "mixer.mixers." + entry.getKey() + ".");
      }
      if (mixers.isEmpty()) {
        throw error(mixerPath + ".mixers", "a stochastic mixer needs at least one mixer");
      }
      main = mixer.path("main_mixer_name").asText(mixers.keySet().iterator().next());
      if (!mixers.containsKey(main)) {
        throw error(
            mixerPath + ".main_mixer_name", "'" + main + "' is not one of " + mixers.keySet());
      }
    } else {
      main = mixerType;
      mixers.put(main, apriel2Mixer(mixer, mixerPath, mixerType));
      weights.put(main, prefix + "mixer.");
    }
    JsonNode mlp = node(block, path, "mlp");
    String mlpType = mlp.path("type").asText("mlp");
    if (!mlpType.equals("mlp")) {
      throw error(path + ".mlp.type", "unknown MLP type '" + mlpType + "', expected 'mlp'");
    }
    if (!mlp.path("gated").asBoolean(false)
        || !mlp.path("activation").asText("silu").equals("silu")) {
      throw error(
          path + ".mlp", "only the gated SiLU MLP is supported (gated: true, activation: silu)");
    }
    if (mlp.path("add_linear_biases").asBoolean(false)) {
      throw error(path + ".mlp.add_linear_biases", "MLP biases are not supported");
    }
    String normType = block.path("normalization").path("type").asText("rms_norm");
    if (!normType.equals("rms_norm")) {
      throw error(
          path + ".normalization.type",
          "unknown normalization '" + normType + "', expected 'rms_norm'");
    }
    return new LayerConfig(
        mixers, weights, main, prefix, integer(mlp, path + ".mlp", "intermediate_size"), eps);
  }

  private MixerConfig apriel2Mixer(JsonNode m, String path, String type) {
    return switch (type) {
      case "attention" -> {
        int heads = integer(m, path, "heads");
        JsonNode rotary = node(m, path, "rotary");
        String ropeType = rotary.path("type").asText("default");
        if (!ropeType.equals("mistral_1d") && !ropeType.equals("default")) {
          throw error(
              path + ".rotary.type",
              "unknown rotary type '" + ropeType + "', expected 'mistral_1d' or 'default'");
        }
        boolean bias = m.path("add_linear_biases").asBoolean(false);
        boolean qkvBias = m.path("query_layer").path("bias").path("enabled").asBoolean(bias);
        boolean outBias = m.path("dense_layer").path("bias").path("enabled").asBoolean(bias);
        int window = m.path("window_size").isNull() ? 0 : m.path("window_size").asInt(0);
        yield new MixerConfig.Attention(
            heads,
            m.path("head_groups").asInt(heads),
            integer(m, path, "head_size"),
            Rope.plain(rotary.path("theta").asDouble(10000.0)),
            window,
            qkvBias,
            outBias,
            false,
            1e-5);
      }
      case "gdn" ->
          new MixerConfig.GatedDeltaNet(
              m.path("value_heads").asInt(32),
              m.path("key_heads").asInt(8),
              m.path("key_head_dim").asInt(64),
              m.path("value_head_dim").asInt(64),
              integer(
                  node(m, path, "convolution_layer"), path + ".convolution_layer", "kernel_size"),
              m.path("norm_eps").asDouble(1e-5));
      case "kda" ->
          new MixerConfig.KimiDelta(
              m.path("heads").asInt(32),
              m.path("head_dim").asInt(64),
              m.path("convolution_layer").path("kernel_size").asInt(4),
              m.path("normalization").path("epsilon").asDouble(1e-5),
              m.path("normalization").path("activation").asText("silu").equals("sigmoid"));
      case "mamba" -> {
        int dInner = integer(m, path, "d_inner");
        // The reference reads 'state_size' (default 16); accept 'd_state' too, shapes are checked.
        int dState =
            m.has("state_size") ? m.get("state_size").asInt() : m.path("d_state").asInt(16);
        JsonNode dtRank = m.path("dt_rank");
        if (!dtRank.isInt()) {
          throw error(
              path + ".dt_rank",
              "expected an integer ('auto' needs the hidden size; give it explicitly)");
        }
        yield new MixerConfig.Mamba(
            dInner,
            dState,
            m.path("d_xb").asInt(0),
            dtRank.asInt(),
            m.path("d_conv").asInt(4),
            m.path("conv_bias").asBoolean(true),
            m.path("dt_proj_bias").asBoolean(true),
            m.path("add_linear_biases").asBoolean(false),
            m.path("repeat_kv_before_conv").asBoolean(true));
      }
      default ->
          throw error(
              path + ".type", "unknown mixer type '" + type + "', expected one of " + MIXER_TYPES);
    };
  }

  // ---- dense Llama / Mistral / Qwen ----

  private List<LayerConfig> denseLayers(JsonNode root, String modelType) {
    int hidden = integer(root, "", "hidden_size");
    int heads = integer(root, "", "num_attention_heads");
    int kvHeads = root.path("num_key_value_heads").asInt(heads);
    int headDim = root.hasNonNull("head_dim") ? root.get("head_dim").asInt() : hidden / heads;
    double eps = root.path("rms_norm_eps").asDouble(1e-6);
    Rope rope = denseRope(root);
    boolean qkvBias = modelType.equals("qwen2") || root.path("attention_bias").asBoolean(false);
    boolean outBias = !modelType.startsWith("qwen") && root.path("attention_bias").asBoolean(false);
    boolean qkNorm = modelType.equals("qwen3");
    int configured = root.path("sliding_window").isInt() ? root.get("sliding_window").asInt() : 0;
    int swaWindow =
        configured > 0
            ? configured
            : Integer.getInteger("gearbox.dense.swaWindow", DEFAULT_DENSE_WINDOW);
    // Mistral applies its sliding window in every layer, so there the windowed variant is the main
    // one.
    boolean mainIsWindowed = modelType.equals("mistral") && configured > 0;
    int numLayers = integer(root, "", "num_hidden_layers");
    int intermediate = integer(root, "", "intermediate_size");
    List<LayerConfig> layers = new ArrayList<>();
    for (int i = 0; i < numLayers; i++) {
      String prefix = "model.layers." + i + ".";
      Map<String, MixerConfig> mixers = new LinkedHashMap<>();
      Map<String, String> weights = new LinkedHashMap<>();
      mixers.put(
          "attention",
          new MixerConfig.Attention(
              heads, kvHeads, headDim, rope, 0, qkvBias, outBias, qkNorm, eps));
      mixers.put(
          "swa",
          new MixerConfig.Attention(
              heads, kvHeads, headDim, rope, swaWindow, qkvBias, outBias, qkNorm, eps));
      weights.put("attention", prefix + "self_attn.");
      weights.put("swa", prefix + "self_attn.");
      layers.add(
          new LayerConfig(
              mixers, weights, mainIsWindowed ? "swa" : "attention", prefix, intermediate, eps));
    }
    return layers;
  }

  private Rope denseRope(JsonNode root) {
    double theta = root.path("rope_theta").asDouble(10000.0);
    JsonNode scaling = root.get("rope_scaling");
    if (scaling == null || scaling.isNull()) {
      return Rope.plain(theta);
    }
    String type = scaling.path("rope_type").asText(scaling.path("type").asText("default"));
    return switch (type) {
      case "default" -> Rope.plain(theta);
      case "llama3" ->
          new Rope(
              theta,
              scaling.path("factor").asDouble(8.0),
              scaling.path("low_freq_factor").asDouble(1.0),
              scaling.path("high_freq_factor").asDouble(4.0),
              scaling.path("original_max_position_embeddings").asInt(8192));
      default ->
          throw error(
              "rope_scaling.rope_type",
              "unsupported rope scaling '" + type + "', expected 'default' or 'llama3'");
    };
  }

  // ---- JSON helpers that name the field path ----

  private JsonNode node(JsonNode parent, String path, String field) {
    JsonNode child = parent == null ? null : parent.get(field);
    if (child == null || child.isNull()) {
      throw error(join(path, field), "missing field");
    }
    return child;
  }

  private int integer(JsonNode parent, String path, String field) {
    JsonNode child = node(parent, path, field);
    if (!child.canConvertToInt() || !child.isIntegralNumber()) {
      throw error(join(path, field), "expected an integer, got " + child);
    }
    return child.asInt();
  }

  private String text(JsonNode parent, String path, String field) {
    JsonNode child = node(parent, path, field);
    if (!child.isTextual()) {
      throw error(join(path, field), "expected a string, got " + child);
    }
    return child.asText();
  }

  private static double headEpsilon(JsonNode root) {
    return root.path("head").path("normalization").path("epsilon").asDouble(1e-5);
  }

  private static String join(String path, String field) {
    return path.isEmpty() ? field : path + "." + field;
  }

  private CheckpointException error(String fieldPath, String what) {
    return new CheckpointException(file + ": " + fieldPath + ": " + what);
  }
}
