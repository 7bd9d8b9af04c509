package dev.gearbox.crds;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** Sends requests that match to one placement. */
public class RoutingRule {
  @Required
  @JsonPropertyDescription("What a request must look like; every given field must match.")
  private RuleMatch match;

  @Required
  @Size(max = 63)
  @JsonPropertyDescription("Name of the placement matching requests go to.")
  private String placement;

  public RuleMatch getMatch() {
    return match;
  }

  public void setMatch(RuleMatch match) {
    this.match = match;
  }

  public String getPlacement() {
    return placement;
  }

  public void setPlacement(String placement) {
    this.placement = placement;
  }
}
