package dev.gearbox.crds;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * The quality gate's figures for one placement: the per-token importance-sampling estimate of its
 * accuracy relative to the all-FA teacher, with its uncertainty.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RolloutGateFigures(
    @JsonPropertyDescription("Estimated accuracy divided by the teacher's.") Double accuracyRatio,
    @JsonPropertyDescription("Standard error of accuracyRatio.") Double standardError,
    @JsonPropertyDescription("Lower end of the 95% interval of accuracyRatio.") Double lower95,
    @JsonPropertyDescription("Upper end of the 95% interval of accuracyRatio.") Double upper95,
    @JsonPropertyDescription("Per-token effective sample size over the token count.")
        Double essFraction,
    @JsonPropertyDescription("Reference samples scored.") Integer samples,
    @JsonPropertyDescription("Completion tokens scored.") Long tokens) {}
