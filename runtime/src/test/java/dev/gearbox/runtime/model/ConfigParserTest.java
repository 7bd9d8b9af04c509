package dev.gearbox.runtime.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gearbox.runtime.checkpoint.CheckpointException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Config shapes beyond the golden supernet: pattern decoders, Mistral windows, Llama-3 RoPE. */
class ConfigParserTest {
  private static final Path FILE = Path.of("config.json");

  private static ModelConfig parse(String json) throws Exception {
    return ConfigParser.parse(FILE, new ObjectMapper().readTree(json.replace('\'', '"')));
  }

  private static final String PATTERN =
      "{'model_type':'apriel2_text','hidden_size':64,'vocab_size':100,"
          + "'embeddings':{'max_position_embeddings':2048},'head':{'normalization':{'epsilon':1e-6}},"
          + "'decoder':{'type':'pattern','num_blocks':5,'pattern':['fa','lin'],'blocks':{"
          + "'fa':{'mixer':{'type':'attention','heads':4,'head_groups':2,'head_size':16,"
          + "'rotary':{'type':'mistral_1d','theta':500000}},"
          + "'mlp':{'type':'mlp','intermediate_size':128,'gated':true},'normalization':{'type':'rms_norm'}},"
          + "'lin':{'mixer':{'type':'gdn','value_heads':4,'key_heads':2,'key_head_dim':16,'value_head_dim':16,"
          + "'convolution_layer':{'kernel_size':4}},"
          + "'mlp':{'type':'mlp','intermediate_size':128,'gated':true},'normalization':{'type':'rms_norm'}}}}}";

  @Test
  void patternDecoderCyclesBlocksWithDirectMixerWeights() throws Exception {
    ModelConfig config = parse(PATTERN);
    assertEquals(5, config.numLayers());
    assertEquals(List.of("attention"), config.layers().get(0).mixerNames());
    assertEquals(List.of("gdn"), config.layers().get(1).mixerNames());
    assertEquals(List.of("attention"), config.layers().get(4).mixerNames());
    assertEquals("model.decoder.blocks.3.mixer.", config.layers().get(3).mixerWeights().get("gdn"));
    assertEquals(1e-6, config.layers().get(2).normEps());
    var attention =
        assertInstanceOf(
            MixerConfig.Attention.class, config.layers().get(0).mixers().get("attention"));
    assertEquals(500000, attention.rope().theta());
    assertEquals(2, config.kvHeads());
    assertEquals(2048, config.maxPositions());
  }

  @Test
  void patternNamingAnUnknownBlockFails() throws Exception {
    var error =
        assertThrows(
            CheckpointException.class,
            () -> parse(PATTERN.replace("['fa','lin']", "['fa','xyz']")));
    assertEquals("config.json: decoder.blocks.xyz: missing field", error.getMessage());
  }

  @Test
  void mistralWithAWindowRunsWindowedByDefault() throws Exception {
    ModelConfig config =
        parse(
            "{'model_type':'mistral','hidden_size':64,'vocab_size':100,'num_hidden_layers':2,"
                + "'num_attention_heads':4,'num_key_value_heads':2,'intermediate_size':128,"
                + "'max_position_embeddings':4096,'sliding_window':1024,'eos_token_id':[2,7]}");
    assertEquals("swa", config.layers().get(0).mainMixer());
    assertEquals(
        1024, ((MixerConfig.Attention) config.layers().get(0).mixers().get("swa")).window());
    assertEquals(16, config.headDim());
    assertEquals(List.of(2, 7), config.eosTokenIds());
  }

  @Test
  void llamaWithoutWindowGetsTheDocumentedDefault() throws Exception {
    ModelConfig config =
        parse(
            "{'model_type':'llama','hidden_size':64,'vocab_size':100,'num_hidden_layers':1,"
                + "'num_attention_heads':4,'intermediate_size':128,'max_position_embeddings':4096,"
                + "'rope_theta':500000.0,'rope_scaling':{'rope_type':'llama3','factor':8.0,"
                + "'low_freq_factor':1.0,'high_freq_factor':4.0,'original_max_position_embeddings':8192}}");
    LayerConfig layer = config.layers().get(0);
    assertEquals("attention", layer.mainMixer());
    var swa = (MixerConfig.Attention) layer.mixers().get("swa");
    assertEquals(ConfigParser.DEFAULT_DENSE_WINDOW, swa.window());
    float[] scaled = swa.rope().inverseFrequencies(16);
    float[] plain = Rope.plain(500000.0).inverseFrequencies(16);
    // Short wavelengths (high frequencies) are kept, the longest are divided by the factor.
    assertEquals(plain[0], scaled[0]);
    assertEquals(plain[7] / 8, scaled[7], 1e-12);
  }
}
