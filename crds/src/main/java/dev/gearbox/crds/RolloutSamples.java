package dev.gearbox.crds;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;

/** Where the gate's reference samples are: a ConfigMap key holding teacher-samples.jsonl. */
public class RolloutSamples {
  @Required
  @JsonPropertyDescription(
      "ConfigMap in the model's namespace, e.g. made with kubectl create configmap NAME"
          + " --from-file=teacher-samples.jsonl from the model directory.")
  private String configMap;

  @Default("teacher-samples.jsonl")
  @JsonPropertyDescription(
      "Key holding one JSON object per line: prompt, completion (token ids) and"
          + " teacher_logprobs (the all-FA log-prob of each completion token).")
  private String key;

  public String getConfigMap() {
    return configMap;
  }

  public void setConfigMap(String configMap) {
    this.configMap = configMap;
  }

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }
}
