package dev.gearbox.crds;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** Importance-sampling quality estimate a placement must reach against the all-FA teacher. */
public class RolloutGate {
  @Min(0)
  @Max(1)
  @JsonPropertyDescription("Estimated accuracy divided by the teacher's, at least.")
  private Double minEstimatedAccuracyRatio;

  @Min(0)
  @Max(1)
  @JsonPropertyDescription("Effective sample size as a fraction of samples, at least.")
  private Double minEssFraction;

  public Double getMinEstimatedAccuracyRatio() {
    return minEstimatedAccuracyRatio;
  }

  public void setMinEstimatedAccuracyRatio(Double minEstimatedAccuracyRatio) {
    this.minEstimatedAccuracyRatio = minEstimatedAccuracyRatio;
  }

  public Double getMinEssFraction() {
    return minEssFraction;
  }

  public void setMinEssFraction(Double minEssFraction) {
    this.minEssFraction = minEssFraction;
  }
}
