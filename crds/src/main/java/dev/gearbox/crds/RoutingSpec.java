package dev.gearbox.crds;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** How the routing sidecar picks a placement for each request. */
public class RoutingSpec {
  @JsonProperty("default")
  @Size(max = 63)
  @JsonPropertyDescription("Placement for requests no rule matches; defaults to the first one.")
  private String defaultPlacement;

  @Size(max = 32)
  @JsonPropertyDescription("Rules tried in order; the first match wins.")
  private List<RoutingRule> rules;

  @JsonPropertyDescription("Shift some traffic to a cheaper placement when KV memory runs low.")
  private KvPressureShift underKvPressure;

  public String getDefaultPlacement() {
    return defaultPlacement;
  }

  public void setDefaultPlacement(String defaultPlacement) {
    this.defaultPlacement = defaultPlacement;
  }

  public List<RoutingRule> getRules() {
    return rules;
  }

  public void setRules(List<RoutingRule> rules) {
    this.rules = rules;
  }

  public KvPressureShift getUnderKvPressure() {
    return underKvPressure;
  }

  public void setUnderKvPressure(KvPressureShift underKvPressure) {
    this.underKvPressure = underKvPressure;
  }
}
