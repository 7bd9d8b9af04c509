package dev.gearbox.crds;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.model.annotation.LabelSelector;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What the operator observed; written only by the operator. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HybridModelStatus {
  @JsonPropertyDescription("metadata.generation of the spec this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription("Ready, Progressing and Degraded, each with a reason and message.")
  private List<Condition> conditions = new ArrayList<>();

  @StatusReplicas
  @JsonPropertyDescription("Serving pods that exist.")
  private Integer replicas;

  @JsonPropertyDescription("Serving pods that have loaded the model and pass readiness.")
  private Integer readyReplicas;

  @JsonPropertyDescription("readyReplicas/desired replicas, for kubectl get.")
  private String ready;

  @LabelSelector
  @JsonPropertyDescription("Label selector of the serving pods, for the /scale subresource.")
  private String selector;

  @JsonPropertyDescription("Comma-separated placement names, for kubectl get.")
  private String placementNames;

  @JsonPropertyDescription("One entry per placement with its cost and memory figures.")
  private List<PlacementStatus> placements = new ArrayList<>();

  @JsonPropertyDescription("Mean KV-cache utilization (0..1) of the ready pods in the last observation round.")
  private Double kvUtilization;

  @JsonPropertyDescription("Met, Missed or Unknown against spec.slo.")
  private String sloState;

  @JsonPropertyDescription("Observed TTFT/TPOT p95 per placement over spec.slo.windowSeconds.")
  private SloStatus slo;

  @JsonPropertyDescription("What the KV autoscaler observed and decided.")
  private ScalingStatus scaling;

  public SloStatus getSlo() {
    return slo;
  }

  public void setSlo(SloStatus slo) {
    this.slo = slo;
  }

  public ScalingStatus getScaling() {
    return scaling;
  }

  public void setScaling(ScalingStatus scaling) {
    this.scaling = scaling;
  }

  @JsonPropertyDescription("The latest placement rollout, while and after it runs.")
  private RolloutStatus rollout;

  public RolloutStatus getRollout() {
    return rollout;
  }

  public void setRollout(RolloutStatus rollout) {
    this.rollout = rollout;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public Integer getReadyReplicas() {
    return readyReplicas;
  }

  public void setReadyReplicas(Integer readyReplicas) {
    this.readyReplicas = readyReplicas;
  }

  public String getReady() {
    return ready;
  }

  public void setReady(String ready) {
    this.ready = ready;
  }

  public String getSelector() {
    return selector;
  }

  public void setSelector(String selector) {
    this.selector = selector;
  }

  public String getPlacementNames() {
    return placementNames;
  }

  public void setPlacementNames(String placementNames) {
    this.placementNames = placementNames;
  }

  public List<PlacementStatus> getPlacements() {
    return placements;
  }

  public void setPlacements(List<PlacementStatus> placements) {
    this.placements = placements;
  }

  public Double getKvUtilization() {
    return kvUtilization;
  }

  public void setKvUtilization(Double kvUtilization) {
    this.kvUtilization = kvUtilization;
  }

  public String getSloState() {
    return sloState;
  }

  public void setSloState(String sloState) {
    this.sloState = sloState;
  }

  /** The condition of {@code type}, or null. */
  public Condition condition(String type) {
    for (Condition c : conditions) {
      if (c.getType().equals(type)) {
        return c;
      }
    }
    return null;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HybridModelStatus s
        && Objects.equals(observedGeneration, s.observedGeneration)
        && Objects.equals(conditions, s.conditions)
        && Objects.equals(replicas, s.replicas)
        && Objects.equals(readyReplicas, s.readyReplicas)
        && Objects.equals(ready, s.ready)
        && Objects.equals(selector, s.selector)
        && Objects.equals(placementNames, s.placementNames)
        && Objects.equals(placements, s.placements)
        && Objects.equals(kvUtilization, s.kvUtilization)
        && Objects.equals(sloState, s.sloState)
        && Objects.equals(slo, s.slo)
        && Objects.equals(scaling, s.scaling)
        && Objects.equals(rollout, s.rollout);
  }

  @Override
  public int hashCode() {
    return Objects.hash(observedGeneration, replicas, readyReplicas, placementNames);
  }
}
