package dev.gearbox.crds;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

/**
 * How fast the KV autoscaler moves in each direction, in the spirit of the HPA's {@code behavior}:
 * up after pressure has lasted a short window (the router's gear shift absorbs shorter bursts),
 * down only after the load has stayed low for minutes.
 */
public class ScalingBehavior {
  @Default("{}")
  @JsonPropertyDescription("Scale-up: stabilization window and largest step.")
  private ScaleUpRules scaleUp = new ScaleUpRules();

  @Default("{}")
  @JsonPropertyDescription("Scale-down: stabilization window and largest step.")
  private ScaleDownRules scaleDown = new ScaleDownRules();

  public ScaleUpRules getScaleUp() {
    return scaleUp;
  }

  public void setScaleUp(ScaleUpRules scaleUp) {
    this.scaleUp = scaleUp;
  }

  public ScaleDownRules getScaleDown() {
    return scaleDown;
  }

  public void setScaleDown(ScaleDownRules scaleDown) {
    this.scaleDown = scaleDown;
  }
}
