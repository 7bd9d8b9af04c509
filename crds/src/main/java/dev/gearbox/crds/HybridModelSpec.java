package dev.gearbox.crds;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.model.annotation.SpecReplicas;
import java.util.List;

/**
 * Desired state of a HybridModel: the checkpoint, its placements and how traffic, scaling and
 * rollouts treat them. Rules across fields are CEL rules here, so the API server rejects them.
 */
@ValidationRule(
    value = "self.placements.all(p, self.placements.exists_one(q, q.name == p.name))",
    message = "placement names must be unique",
    fieldPath = ".placements")
@ValidationRule(
    value =
        "!has(self.routing) || !has(self.routing.default)"
            + " || self.placements.exists(p, p.name == self.routing.default)",
    message = "routing.default must name one of spec.placements",
    fieldPath = ".routing")
@ValidationRule(
    value =
        "!has(self.routing) || !has(self.routing.rules)"
            + " || self.routing.rules.all(r, self.placements.exists(p, p.name == r.placement))",
    message = "every routing.rules[].placement must name one of spec.placements",
    fieldPath = ".routing")
@ValidationRule(
    value =
        "!has(self.routing) || !has(self.routing.underKvPressure)"
            + " || self.placements.exists(p, p.name == self.routing.underKvPressure.shiftTo)",
    message = "routing.underKvPressure.shiftTo must name one of spec.placements",
    fieldPath = ".routing")
@ValidationRule(
    value = "self.replicas <= self.scaling.maxReplicas",
    message = "spec.replicas must not exceed scaling.maxReplicas",
    fieldPath = ".replicas")
public class HybridModelSpec {
  @Required
  @JsonPropertyDescription("The checkpoint every placement shares.")
  private ModelSource model;

  @Required
  @Size(min = 1, max = 16)
  @JsonPropertyDescription("Placements served; the first is the safe default unless routed.")
  private List<PlacementSpec> placements;

  @JsonPropertyDescription("Per-request placement choice.")
  private RoutingSpec routing;

  @JsonPropertyDescription("Latency objectives.")
  private SloSpec slo;

  @Default("{}")
  @JsonPropertyDescription("Replica bounds and autoscaling target.")
  private ScalingSpec scaling;

  @SpecReplicas
  @Default("1")
  @Min(0)
  @Max(1000)
  @JsonPropertyDescription(
      "Serving pods wanted now; written by kubectl scale / HPA through /scale. The operator"
          + " runs at least scaling.minReplicas.")
  private Integer replicas;

  @JsonPropertyDescription("Staged traffic for changed placements.")
  private RolloutSpec rollout;

  @JsonPropertyDescription("Per-pod compute.")
  private ResourcesSpec resources;

  @JsonPropertyDescription("Container images.")
  private ImagesSpec images;

  @JsonPropertyDescription("Pod-level overrides.")
  private OverridesSpec overrides;

  public ModelSource getModel() {
    return model;
  }

  public void setModel(ModelSource model) {
    this.model = model;
  }

  public List<PlacementSpec> getPlacements() {
    return placements;
  }

  public void setPlacements(List<PlacementSpec> placements) {
    this.placements = placements;
  }

  public RoutingSpec getRouting() {
    return routing;
  }

  public void setRouting(RoutingSpec routing) {
    this.routing = routing;
  }

  public SloSpec getSlo() {
    return slo;
  }

  public void setSlo(SloSpec slo) {
    this.slo = slo;
  }

  public ScalingSpec getScaling() {
    return scaling;
  }

  public void setScaling(ScalingSpec scaling) {
    this.scaling = scaling;
  }

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public RolloutSpec getRollout() {
    return rollout;
  }

  public void setRollout(RolloutSpec rollout) {
    this.rollout = rollout;
  }

  public ResourcesSpec getResources() {
    return resources;
  }

  public void setResources(ResourcesSpec resources) {
    this.resources = resources;
  }

  public ImagesSpec getImages() {
    return images;
  }

  public void setImages(ImagesSpec images) {
    this.images = images;
  }

  public OverridesSpec getOverrides() {
    return overrides;
  }

  public void setOverrides(OverridesSpec overrides) {
    this.overrides = overrides;
  }
}
