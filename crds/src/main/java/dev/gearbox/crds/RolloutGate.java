package dev.gearbox.crds;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** Importance-sampling quality estimate a placement must reach against the all-FA teacher. */
public class RolloutGate {
  @Min(0)
  @Max(1)
  @Default("0.97")
  @JsonPropertyDescription(
      "Per-token importance-sampling estimate of the placement's accuracy divided by the"
          + " teacher's, at least (docs/operator.md, Rollouts).")
  private Double minEstimatedAccuracyRatio;

  @Min(0)
  @Max(1)
  @Default("0.3")
  @JsonPropertyDescription("Per-token effective sample size as a fraction of tokens, at least.")
  private Double minEssFraction;

  @JsonPropertyDescription(
      "Reference samples the gate scores the placement on; without them the gate cannot run"
          + " and the rollout fails.")
  private RolloutSamples samples;

  @Default("600")
  @Min(10)
  @JsonPropertyDescription(
      "Seconds the gate may take, waiting for the pods that serve the placement included.")
  private Integer timeoutSeconds;

  public RolloutSamples getSamples() {
    return samples;
  }

  public void setSamples(RolloutSamples samples) {
    this.samples = samples;
  }

  public Integer getTimeoutSeconds() {
    return timeoutSeconds;
  }

  public void setTimeoutSeconds(Integer timeoutSeconds) {
    this.timeoutSeconds = timeoutSeconds;
  }

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
