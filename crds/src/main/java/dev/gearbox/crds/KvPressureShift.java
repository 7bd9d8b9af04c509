package dev.gearbox.crds;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** Turns KV-memory pressure into a gear shift before it turns into a queue. */
public class KvPressureShift {
  @Required
  @Min(0)
  @Max(1)
  @JsonPropertyDescription("KV utilization (0..1) above which eligible requests shift.")
  private Double above;

  @Required
  @Size(max = 63)
  @JsonPropertyDescription("Placement that takes the shifted requests.")
  private String shiftTo;

  @Size(max = 16)
  @JsonPropertyDescription("Only requests of these workloads shift; all when empty.")
  private List<String> onlyWorkloads;

  public Double getAbove() {
    return above;
  }

  public void setAbove(Double above) {
    this.above = above;
  }

  public String getShiftTo() {
    return shiftTo;
  }

  public void setShiftTo(String shiftTo) {
    this.shiftTo = shiftTo;
  }

  public List<String> getOnlyWorkloads() {
    return onlyWorkloads;
  }

  public void setOnlyWorkloads(List<String> onlyWorkloads) {
    this.onlyWorkloads = onlyWorkloads;
  }
}
