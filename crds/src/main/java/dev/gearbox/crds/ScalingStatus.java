package dev.gearbox.crds;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * What the KV autoscaler saw and decided. Also the state it resumes from after an operator
 * restart: {@code lastScaleTime} keeps the stabilization windows honest across restarts.
 *
 * @param mode kv or external, as in spec.scaling.mode
 * @param desired replicas the autoscaler wants now (in external mode: what it would want)
 * @param reason why, in words
 * @param lastScaleTime when the autoscaler last changed spec.replicas (RFC 3339)
 * @param observedPods ready serving pods polled in the last round
 * @param unreachablePods ready pods whose Stats call failed or timed out in the last round
 * @param kvUtilizationMax highest KV utilization of one pod in the last round
 * @param waitingPerPod requests waiting for memory, per reachable pod, in the last round
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ScalingStatus(
    @JsonPropertyDescription("kv or external.") String mode,
    @JsonPropertyDescription("Replicas the autoscaler wants now.") Integer desired,
    @JsonPropertyDescription("Why the autoscaler wants that many.") String reason,
    @JsonPropertyDescription("When the autoscaler last changed spec.replicas (RFC 3339).")
        String lastScaleTime,
    @JsonPropertyDescription("Ready serving pods polled in the last round.") Integer observedPods,
    @JsonPropertyDescription("Ready pods that did not answer Stats in the last round.")
        Integer unreachablePods,
    @JsonPropertyDescription("Highest KV utilization of one pod (0..1) in the last round.")
        Double kvUtilizationMax,
    @JsonPropertyDescription("Requests waiting for memory per reachable pod, last round.")
        Double waitingPerPod) {}
