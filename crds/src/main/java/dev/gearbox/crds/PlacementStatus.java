package dev.gearbox.crds;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * Observed figures of one placement.
 *
 * @param name placement name
 * @param layers number of layers
 * @param pattern compact form of the resolved mixer list
 * @param relativeCost decode cost relative to all full attention (1.0)
 * @param kvBytesPerToken KV bytes one token adds, when spec.model.shape is given
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PlacementStatus(
    @JsonPropertyDescription("Placement name.") String name,
    @JsonPropertyDescription("Number of layers.") Integer layers,
    @JsonPropertyDescription("Resolved mixers in compact form.") String pattern,
    @JsonPropertyDescription("Decode cost relative to all full attention (1.0).")
        Double relativeCost,
    @JsonPropertyDescription("KV bytes per token; only when spec.model.shape is given.")
        Long kvBytesPerToken) {}
