package dev.gearbox.crds;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** Latency objectives the router measures against. */
public class SloSpec {
  @Min(1)
  @JsonPropertyDescription("95th percentile time to first token, milliseconds.")
  private Integer ttftP95Ms;

  @Min(1)
  @JsonPropertyDescription("95th percentile time per output token, milliseconds.")
  private Integer tpotP95Ms;

  @Default("300")
  @Min(30)
  @Max(86400)
  @JsonPropertyDescription("Seconds of history the observed percentiles cover.")
  private Integer windowSeconds = 300;

  public Integer getWindowSeconds() {
    return windowSeconds;
  }

  public void setWindowSeconds(Integer windowSeconds) {
    this.windowSeconds = windowSeconds;
  }

  public Integer getTtftP95Ms() {
    return ttftP95Ms;
  }

  public void setTtftP95Ms(Integer ttftP95Ms) {
    this.ttftP95Ms = ttftP95Ms;
  }

  public Integer getTpotP95Ms() {
    return tpotP95Ms;
  }

  public void setTpotP95Ms(Integer tpotP95Ms) {
    this.tpotP95Ms = tpotP95Ms;
  }
}
