package dev.gearbox.crds;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** What one serving pod asks the scheduler for. */
public class ResourcesSpec {
  /** A Kubernetes quantity such as {@code 32Gi} or {@code 4}, checked by the schema. */
  static final String QUANTITY = "^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$";

  @Default("1")
  @Min(0)
  @Max(16)
  @JsonPropertyDescription("nvidia.com/gpu per pod; 0 runs the CPU backend.")
  private Integer gpus = 1;

  @Default("16Gi")
  @Pattern(QUANTITY)
  @JsonPropertyDescription("Memory of the runtime container (request = limit).")
  private String memory = "16Gi";

  @Default("2")
  @Pattern(QUANTITY)
  @JsonPropertyDescription("CPU request of the runtime container.")
  private String cpu = "2";

  public Integer getGpus() {
    return gpus;
  }

  public void setGpus(Integer gpus) {
    this.gpus = gpus;
  }

  public String getMemory() {
    return memory;
  }

  public void setMemory(String memory) {
    this.memory = memory;
  }

  public String getCpu() {
    return cpu;
  }

  public void setCpu(String cpu) {
    this.cpu = cpu;
  }
}
