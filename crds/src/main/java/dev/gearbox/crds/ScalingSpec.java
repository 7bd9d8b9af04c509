package dev.gearbox.crds;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/** Replica bounds, the KV utilization the autoscaler aims for, and how it moves. */
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

  @Default("kv")
  @ValidationRule(value = "self == 'kv' || self == 'external'", message = "must be kv or external")
  @JsonPropertyDescription(
      "kv: the operator sets spec.replicas from KV pressure. external: it never writes replicas"
          + " (kubectl scale, an HPA or KEDA do) but still reports what it would want.")
  private String mode = "kv";

  @Default("0.1")
  @Min(0)
  @Max(0.5)
  @JsonPropertyDescription(
      "No scaling while utilization / targetKvUtilization stays within 1 +/- tolerance.")
  private Double tolerance = 0.1;

  @Default("2")
  @Min(0)
  @Max(10000)
  @JsonPropertyDescription(
      "Queue-depth trigger: add a pod when more requests than this wait for memory per pod;"
          + " 0 disables it.")
  private Integer maxWaitingPerPod = 2;

  @Default("{}")
  @JsonPropertyDescription("Stabilization windows and step sizes for scaling up and down.")
  private ScalingBehavior behavior = new ScalingBehavior();

  public String getMode() {
    return mode;
  }

  public void setMode(String mode) {
    this.mode = mode;
  }

  public Double getTolerance() {
    return tolerance;
  }

  public void setTolerance(Double tolerance) {
    this.tolerance = tolerance;
  }

  public Integer getMaxWaitingPerPod() {
    return maxWaitingPerPod;
  }

  public void setMaxWaitingPerPod(Integer maxWaitingPerPod) {
    this.maxWaitingPerPod = maxWaitingPerPod;
  }

  public ScalingBehavior getBehavior() {
    return behavior;
  }

  public void setBehavior(ScalingBehavior behavior) {
    this.behavior = behavior;
  }

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
