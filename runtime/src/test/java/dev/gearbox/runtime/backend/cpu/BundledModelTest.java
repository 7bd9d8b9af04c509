package dev.gearbox.runtime.backend.cpu;

import static dev.gearbox.runtime.backend.cpu.GoldenLogitsTest.argmax;
import static dev.gearbox.runtime.backend.cpu.GoldenLogitsTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gearbox.runtime.checkpoint.SafetensorsFile;
import dev.gearbox.runtime.model.LanguageModel;
import dev.gearbox.runtime.model.Models;
import dev.gearbox.runtime.model.SequenceState;
import dev.gearbox.runtime.placement.Placement;
import dev.gearbox.runtime.text.Tokenizer;
import dev.gearbox.runtime.text.Tokenizers;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bundled default model (examples/models/gearbox-tiny, bf16) against the recorded forward
 * pass of the PyTorch code that trained it (tools/supernet): logits, cached greedy decoding past
 * the sliding window, and the tokenizer's encoding of the sample prompt.
 */
class BundledModelTest {
  static final Path DIR = Path.of("../examples/models/gearbox-tiny");
  private static JsonNode sample;
  private static SafetensorsFile reference;
  private static LanguageModel model;

  @BeforeAll
  static void load() throws IOException {
    sample = new ObjectMapper().readTree(DIR.resolve("reference-sample.json").toFile());
    reference = SafetensorsFile.open(DIR.resolve("reference-sample.safetensors"));
    model = Models.load(DIR, 2);
  }

  @AfterAll
  static void close() {
    model.close();
    reference.close();
  }

  static Stream<String> placements() throws IOException {
    List<String> names = new ArrayList<>();
    new ObjectMapper()
        .readTree(DIR.resolve("reference-sample.json").toFile())
        .get("placements")
        .fieldNames()
        .forEachRemaining(names::add);
    return names.stream();
  }

  private static Placement placement(String name) {
    List<String> layers = new ArrayList<>();
    sample.get("placements").get(name).forEach(n -> layers.add(n.asText()));
    return model.placement(name, layers);
  }

  private static int[] prompt() {
    long[] ids = reference.longs("prompt_ids");
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = (int) ids[i];
    }
    return out;
  }

  @Test
  void tokenizerEncodesTheSamplePromptAsTheTrainingCodeDid() {
    Tokenizer tokenizer = Tokenizers.load(DIR, model.vocabSize());
    int[] ids = tokenizer.encode(sample.get("prompt_text").asText(), false);
    int[] expected = prompt();
    // The recorded prompt may start with BOS; compare the text part.
    int offset = expected.length - ids.length;
    assertArrayEquals(
        java.util.Arrays.copyOfRange(expected, offset, expected.length), ids, "prompt ids");
  }

  @Test
  void eosFromTheConfigEndsGeneration() {
    // config.json says eos_token_id 2 (</s>); the engine stops on every id listed here.
    assertArrayEquals(new int[] {2}, model.eosTokenIds());
  }

  @ParameterizedTest
  @MethodSource("placements")
  void prefillLogitsMatchTheTrainingCode(String name) {
    int[] prompt = prompt();
    SequenceState seq = model.newSequence(placement(name));
    float[] logits = new float[prompt.length * model.vocabSize()];
    model.prefill(seq, prompt, 0, prompt.length, logits, true);
    assertClose(reference.floats(name + ".logits"), logits, "bundled " + name + " prefill");
  }

  @ParameterizedTest
  @MethodSource("placements")
  void cachedGreedyDecodingMatchesTheTrainingCode(String name) {
    int[] prompt = prompt();
    long[] expected = reference.longs(name + ".greedy_tokens");
    SequenceState seq = model.newSequence(placement(name));
    float[][] logits = new float[1][model.vocabSize()];
    model.prefill(seq, prompt, 0, prompt.length, logits[0], false);
    long[] actual = new long[expected.length];
    for (int i = 0; i < expected.length; i++) {
      actual[i] = argmax(logits[0]);
      if (i + 1 < expected.length) {
        model.decode(new SequenceState[] {seq}, new int[] {(int) actual[i]}, 1, logits);
      }
    }
    assertArrayEquals(expected, actual, name + " greedy tokens");
  }
}
