package dev.gearbox.crds;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/**
 * Latency observed against spec.slo over a sliding window, per placement.
 *
 * @param windowSeconds length of the window the percentiles cover
 * @param placements one entry per placement that served requests in the window
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SloStatus(
    @JsonPropertyDescription("Seconds of history the percentiles cover.") Integer windowSeconds,
    @JsonPropertyDescription("Observed percentiles per placement that served requests.")
        List<PlacementSlo> placements) {

  /**
   * Observed latency of one placement, summed over every ready pod.
   *
   * @param name placement name
   * @param ttftP95Ms 95th percentile time to first token, milliseconds
   * @param tpotP95Ms 95th percentile time per output token, milliseconds
   * @param samples requests (for TTFT) finished in the window
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record PlacementSlo(
      @JsonPropertyDescription("Placement name.") String name,
      @JsonPropertyDescription("95th percentile time to first token, ms.") Double ttftP95Ms,
      @JsonPropertyDescription("95th percentile time per output token, ms.") Double tpotP95Ms,
      @JsonPropertyDescription("First tokens measured in the window.") Long samples) {}
}
