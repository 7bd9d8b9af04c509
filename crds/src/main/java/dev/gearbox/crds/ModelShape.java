package dev.gearbox.crds;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

/** The few checkpoint dimensions that decide per-token KV memory. */
public class ModelShape {
  @Required
  @Min(1)
  @Max(4096)
  @JsonPropertyDescription("Number of decoder layers; every placement must have this many.")
  private Integer layers;

  @Required
  @Min(1)
  @JsonPropertyDescription("Key/value heads of the attention mixers (h_kv).")
  private Integer kvHeads;

  @Required
  @Min(1)
  @JsonPropertyDescription("Dimension of one attention head (d_h).")
  private Integer headDim;

  @Default("2")
  @Min(1)
  @Max(8)
  @JsonPropertyDescription("Bytes per cached element: 2 for bf16/fp16, 1 for fp8.")
  private Integer bytesPerElement = 2;

  @Min(1)
  @JsonPropertyDescription("Window of the sliding-window attention layers, in tokens.")
  private Integer slidingWindow;

  public Integer getLayers() {
    return layers;
  }

  public void setLayers(Integer layers) {
    this.layers = layers;
  }

  public Integer getKvHeads() {
    return kvHeads;
  }

  public void setKvHeads(Integer kvHeads) {
    this.kvHeads = kvHeads;
  }

  public Integer getHeadDim() {
    return headDim;
  }

  public void setHeadDim(Integer headDim) {
    this.headDim = headDim;
  }

  public Integer getBytesPerElement() {
    return bytesPerElement;
  }

  public void setBytesPerElement(Integer bytesPerElement) {
    this.bytesPerElement = bytesPerElement;
  }

  public Integer getSlidingWindow() {
    return slidingWindow;
  }

  public void setSlidingWindow(Integer slidingWindow) {
    this.slidingWindow = slidingWindow;
  }
}
