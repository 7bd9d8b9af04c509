package dev.gearbox.crds;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/** Replica bounds and the KV utilization the autoscaler aims for. */
@ValidationRule(
    value = "self.minReplicas <= self.maxReplicas",
    message = "scaling.minReplicas must not exceed scaling.maxReplicas")
public class ScalingSpec {
  @Default("1")
  @Min(0)
  @Max(1000)
  @JsonPropertyDescription("Fewest serving pods.")
  private Integer minReplicas = 1;

  @Default("1")
  @Min(1)
  @Max(1000)
  @JsonPropertyDescription("Most serving pods.")
  private Integer maxReplicas = 1;

  @Default("0.7")
  @Min(0.05)
  @Max(1)
  @JsonPropertyDescription("KV utilization (0..1) the autoscaler keeps each pod near.")
  private Double targetKvUtilization = 0.7;

  public Integer getMinReplicas() {
    return minReplicas;
  }

  public void setMinReplicas(Integer minReplicas) {
    this.minReplicas = minReplicas;
  }

  public Integer getMaxReplicas() {
    return maxReplicas;
  }

  public void setMaxReplicas(Integer maxReplicas) {
    this.maxReplicas = maxReplicas;
  }

  public Double getTargetKvUtilization() {
    return targetKvUtilization;
  }

  public void setTargetKvUtilization(Double targetKvUtilization) {
    this.targetKvUtilization = targetKvUtilization;
  }
}
