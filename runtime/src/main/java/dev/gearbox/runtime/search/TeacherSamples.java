package dev.gearbox.runtime.search;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The teacher samples of a checkpoint, read from JSON Lines ({@code teacher-samples.jsonl}): one
 * object per line with {@code id}, {@code prompt}, {@code completion}, {@code teacher_logprobs} and
 * an optional {@code correct} label.
 */
public final class TeacherSamples {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<TeacherSample> samples;
  private final boolean labelled;

  private TeacherSamples(List<TeacherSample> samples, boolean labelled) {
    this.samples = List.copyOf(samples);
    this.labelled = labelled;
  }

  /**
   * Reads and validates {@code file}; blank lines are skipped.
   *
   * @throws IllegalArgumentException naming the file, the 1-based line and the field at fault
   */
  public static TeacherSamples load(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read teacher samples " + file, e);
    }
    return parse(file.toString(), lines);
  }

  /** Parses lines already in memory; {@code source} names them in errors. */
  public static TeacherSamples parse(String source, List<String> lines) {
    List<TeacherSample> samples = new ArrayList<>();
    Set<Long> ids = new HashSet<>();
    Boolean labelled = null;
    int firstLabelLine = 0;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      LineReader reader = new LineReader(source, i + 1);
      TeacherSample sample = reader.read(line);
      if (!ids.add(sample.id())) {
        throw reader.error("id", "duplicates an earlier sample's id " + sample.id());
      }
      boolean hasLabel = sample.correct().isPresent();
      if (labelled == null) {
        labelled = hasLabel;
        firstLabelLine = i + 1;
      } else if (labelled != hasLabel) {
        // A half-labelled set would silently bias the accuracy estimate towards labelled lines.
        throw reader.error(
            "correct",
            (hasLabel ? "is present" : "is missing")
                + " but line "
                + firstLabelLine
                + (labelled ? " has it" : " does not")
                + "; label every sample or none");
      }
      samples.add(sample);
    }
    if (samples.isEmpty()) {
      throw new IllegalArgumentException(source + ": no teacher samples (the file is empty)");
    }
    return new TeacherSamples(samples, labelled);
  }

  /** The samples, in file order. */
  public List<TeacherSample> samples() {
    return samples;
  }

  /** Number of samples. */
  public int size() {
    return samples.size();
  }

  /** True when every sample carries a {@code correct} label. */
  public boolean labelled() {
    return labelled;
  }

  /** Total completion tokens over all samples. */
  public long completionTokens() {
    long n = 0;
    for (TeacherSample s : samples) {
      n += s.completion().length;
    }
    return n;
  }

  /** Longest prompt + completion, the context one scoring pass needs. */
  public int maxLength() {
    int max = 0;
    for (TeacherSample s : samples) {
      max = Math.max(max, s.prompt().length + s.completion().length);
    }
    return max;
  }

  /** The first {@code n} samples (all of them when {@code n >= size()}). */
  public TeacherSamples first(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("sample count must be >= 1, got " + n);
    }
    return new TeacherSamples(samples.subList(0, Math.min(n, samples.size())), labelled);
  }

  /** The samples after the first {@code n}: text the search never scored. */
  public List<TeacherSample> after(int n) {
    return samples.subList(Math.min(n, samples.size()), samples.size());
  }

  /**
   * Checks every token id against a model's vocabulary.
   *
   * @throws IllegalArgumentException naming the sample id, field and position
   */
  public void checkVocabulary(int vocabSize) {
    for (TeacherSample s : samples) {
      checkIds(s.id(), "prompt", s.prompt(), vocabSize);
      checkIds(s.id(), "completion", s.completion(), vocabSize);
    }
  }

  private static void checkIds(long id, String field, int[] ids, int vocabSize) {
    for (int j = 0; j < ids.length; j++) {
      if (ids[j] >= vocabSize) {
        throw new IllegalArgumentException(
            "teacher sample id "
                + id
                + ": "
                + field
                + "["
                + j
                + "] = "
                + ids[j]
                + " is outside the model's vocabulary of "
                + vocabSize
                + " tokens");
      }
    }
  }

  /** Reads one line; every error names the line and the field. */
  private record LineReader(String source, int lineNumber) {

    TeacherSample read(String line) {
      JsonNode node;
      try {
        node = JSON.readTree(line);
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException(
            source + " line " + lineNumber + ": not valid JSON: " + e.getOriginalMessage());
      }
      if (node == null || !node.isObject()) {
        throw new IllegalArgumentException(
            source + " line " + lineNumber + ": expected a JSON object, got " + node);
      }
      JsonNode idNode = required(node, "id");
      if (!idNode.canConvertToLong() || !idNode.isIntegralNumber()) {
        throw error("id", "expected an integer, got " + idNode);
      }
      int[] prompt = tokenIds(node, "prompt");
      int[] completion = tokenIds(node, "completion");
      double[] logProbs = logProbs(node, completion.length);
      Optional<Boolean> correct = Optional.empty();
      JsonNode label = node.get("correct");
      if (label != null && !label.isNull()) {
        if (!label.isBoolean()) {
          throw error("correct", "expected true or false, got " + label);
        }
        correct = Optional.of(label.booleanValue());
      }
      return new TeacherSample(idNode.longValue(), prompt, completion, logProbs, correct);
    }

    private JsonNode required(JsonNode node, String field) {
      JsonNode value = node.get(field);
      if (value == null || value.isNull()) {
        throw error(field, "is missing");
      }
      return value;
    }

    private int[] tokenIds(JsonNode node, String field) {
      JsonNode array = required(node, field);
      if (!array.isArray() || array.isEmpty()) {
        throw error(field, "expected a non-empty array of token ids, got " + abbreviate(array));
      }
      int[] ids = new int[array.size()];
      for (int j = 0; j < ids.length; j++) {
        JsonNode v = array.get(j);
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
          throw error(field + "[" + j + "]", "expected a token id >= 0, got " + v);
        }
        ids[j] = v.intValue();
      }
      return ids;
    }

    private double[] logProbs(JsonNode node, int completionLength) {
      String field = "teacher_logprobs";
      JsonNode array = required(node, field);
      if (!array.isArray()) {
        throw error(field, "expected an array of numbers, got " + abbreviate(array));
      }
      if (array.size() != completionLength) {
        throw error(
            field,
            "has "
                + array.size()
                + " values, expected one per completion token ("
                + completionLength
                + ")");
      }
      double[] values = new double[completionLength];
      for (int j = 0; j < values.length; j++) {
        JsonNode v = array.get(j);
        // Tiny positive values are fp32 rounding of log(1); anything larger is not a log-prob.
        if (!v.isNumber() || !Double.isFinite(v.doubleValue()) || v.doubleValue() > 1e-4) {
          throw error(field + "[" + j + "]", "expected a finite log-probability <= 0, got " + v);
        }
        values[j] = Math.min(0, v.doubleValue());
      }
      return values;
    }

    IllegalArgumentException error(String field, String what) {
      return new IllegalArgumentException(
          source + " line " + lineNumber + ": field '" + field + "' " + what);
    }

    private static String abbreviate(JsonNode node) {
      String text = node.toString();
      return text.length() > 60 ? text.substring(0, 57) + "..." : text;
    }
  }
}
