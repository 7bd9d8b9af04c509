package dev.gearbox.crds;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** Scale-down behaviour: load must stay low for the window, then at most maxPodsPerStep pods go. */
public class ScaleDownRules {
  @Default("300")
  @Min(0)
  @Max(3600)
  @JsonPropertyDescription(
      "Seconds the load must stay low before pods are removed: the highest recommendation over"
          + " this window is used, so oscillating load does not flap.")
  private Integer stabilizationWindowSeconds = 300;

  @Default("1")
  @Min(1)
  @Max(100)
  @JsonPropertyDescription(
      "Most pods removed in one step; each removed pod drains its requests first.")
  private Integer maxPodsPerStep = 1;

  public Integer getStabilizationWindowSeconds() {
    return stabilizationWindowSeconds;
  }

  public void setStabilizationWindowSeconds(Integer stabilizationWindowSeconds) {
    this.stabilizationWindowSeconds = stabilizationWindowSeconds;
  }

  public Integer getMaxPodsPerStep() {
    return maxPodsPerStep;
  }

  public void setMaxPodsPerStep(Integer maxPodsPerStep) {
    this.maxPodsPerStep = maxPodsPerStep;
  }
}
