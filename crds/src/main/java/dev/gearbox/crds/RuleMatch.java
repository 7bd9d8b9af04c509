package dev.gearbox.crds;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** Conditions on a request; all given fields must hold. */
@ValidationRule(
    value =
        "has(self.workload) || has(self.priority) || has(self.path)"
            + " || has(self.minPromptTokens) || has(self.maxPromptTokens)",
    message =
        "a rule's match needs at least one of workload, priority, path, minPromptTokens,"
            + " maxPromptTokens")
@ValidationRule(
    value =
        "!has(self.minPromptTokens) || !has(self.maxPromptTokens)"
            + " || self.minPromptTokens <= self.maxPromptTokens",
    message = "minPromptTokens must not exceed maxPromptTokens")
public class RuleMatch {
  @Size(min = 1, max = 63)
  @JsonPropertyDescription("Value of the x-gearbox-workload request header, e.g. batch.")
  private String workload;

  @Size(min = 1, max = 63)
  @JsonPropertyDescription("Value of the x-gearbox-priority request header, e.g. high.")
  private String priority;

  @Pattern("^/.*")
  @JsonPropertyDescription("Request path, e.g. /v1/chat/completions.")
  private String path;

  @Min(0)
  @JsonPropertyDescription("Matches prompts of at least this many tokens.")
  private Long minPromptTokens;

  @Min(0)
  @JsonPropertyDescription("Matches prompts of at most this many tokens.")
  private Long maxPromptTokens;

  public String getWorkload() {
    return workload;
  }

  public void setWorkload(String workload) {
    this.workload = workload;
  }

  public String getPriority() {
    return priority;
  }

  public void setPriority(String priority) {
    this.priority = priority;
  }

  public String getPath() {
    return path;
  }

  public void setPath(String path) {
    this.path = path;
  }

  public Long getMinPromptTokens() {
    return minPromptTokens;
  }

  public void setMinPromptTokens(Long minPromptTokens) {
    this.minPromptTokens = minPromptTokens;
  }

  public Long getMaxPromptTokens() {
    return maxPromptTokens;
  }

  public void setMaxPromptTokens(Long maxPromptTokens) {
    this.maxPromptTokens = maxPromptTokens;
  }
}
