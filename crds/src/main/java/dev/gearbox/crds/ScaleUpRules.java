package dev.gearbox.crds;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** Scale-up behaviour: pressure must persist for the window, then at most maxPodsPerStep pods. */
public class ScaleUpRules {
  @Default("60")
  @Min(0)
  @Max(3600)
  @JsonPropertyDescription(
      "Seconds pressure must last before pods are added: the lowest recommendation over this"
          + " window is used, so a burst the router's gear shift absorbs never scales.")
  private Integer stabilizationWindowSeconds = 60;

  @Default("4")
  @Min(1)
  @Max(100)
  @JsonPropertyDescription("Most pods added in one step.")
  private Integer maxPodsPerStep = 4;

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
