package dev.gearbox.crds;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** One named choice of mixer per layer, given as a compact pattern or an explicit list. */
@ValidationRule(
    value = "has(self.layers) != has(self.mixers)",
    message = "a placement needs exactly one of 'layers' (a pattern) or 'mixers' (a list)")
public class PlacementSpec {
  @Required
  @Size(min = 1, max = 63)
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
  @JsonPropertyDescription(
      "Placement name, used in model ids ('<model>:<placement>') and metric labels.")
  private String name;

  @Size(min = 1, max = 1024)
  @JsonPropertyDescription(
      "Compact pattern, e.g. 'fa*50' or 'fa,gdn*3 x12, fa, gdn'. Names are checkpoint mixer"
          + " names (attention, swa, gdn, kda, mamba) or the alias fa.")
  private String layers;

  @Size(min = 1, max = 4096)
  @JsonPropertyDescription("Explicit mixer name for each layer, in order.")
  private List<String> mixers;

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getLayers() {
    return layers;
  }

  public void setLayers(String layers) {
    this.layers = layers;
  }

  public List<String> getMixers() {
    return mixers;
  }

  public void setMixers(List<String> mixers) {
    this.mixers = mixers;
  }
}
