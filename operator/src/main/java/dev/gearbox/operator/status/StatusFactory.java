package dev.gearbox.operator.status;

import dev.gearbox.crds.HybridModel;
import dev.gearbox.crds.HybridModelStatus;
import dev.gearbox.crds.ModelShape;
import dev.gearbox.crds.PlacementStatus;
import dev.gearbox.operator.desired.Labels;
import dev.gearbox.operator.spec.InvalidSpecException;
import dev.gearbox.operator.spec.PlacementFigures;
import dev.gearbox.operator.spec.ResolvedPlacement;
import dev.gearbox.operator.spec.ResolvedSpec;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Computes a HybridModel's status from what was observed: the spec check and the Deployment.
 *
 * <p>A pure function of its inputs (the clock included), so reconciling twice with nothing changed
 * yields an equal status and no API write.
 */
public final class StatusFactory {
  private StatusFactory() {}

  /**
   * Status for a model whose spec resolved ({@code invalid} null) or was rejected ({@code resolved}
   * null); {@code deployment} is null before it exists.
   */
  public static HybridModelStatus compute(
      HybridModel model,
      ResolvedSpec resolved,
      InvalidSpecException invalid,
      Deployment deployment,
      Instant now) {
    HybridModelStatus previous = model.getStatus();
    List<Condition> old = previous == null ? null : previous.getConditions();
    long generation = generation(model);
    HybridModelStatus status = new HybridModelStatus();
    status.setObservedGeneration(generation);
    status.setSelector(Labels.selectorString(model));
    status.setSloState(
        previous != null && previous.getSloState() != null ? previous.getSloState() : "Unknown");
    status.setKvUtilization(previous == null ? null : previous.getKvUtilization());
    // The closed loop (autoscale.ClosedLoop) refreshes these when it runs; keep them otherwise.
    status.setSlo(previous == null ? null : previous.getSlo());
    status.setScaling(previous == null ? null : previous.getScaling());

    DeploymentStatus observed = deployment == null ? null : deployment.getStatus();
    int replicas = observed == null || observed.getReplicas() == null ? 0 : observed.getReplicas();
    int ready =
        observed == null || observed.getReadyReplicas() == null ? 0 : observed.getReadyReplicas();
    int updated =
        observed == null || observed.getUpdatedReplicas() == null
            ? 0
            : observed.getUpdatedReplicas();
    int desired;
    if (resolved != null) {
      desired = resolved.replicas();
      ModelShape shape = resolved.spec().getModel().getShape();
      List<PlacementStatus> placements = new ArrayList<>();
      for (ResolvedPlacement p : resolved.placements()) {
        placements.add(PlacementFigures.of(p, shape));
      }
      status.setPlacements(placements);
      status.setPlacementNames(
          resolved.placements().stream()
              .map(ResolvedPlacement::name)
              .collect(Collectors.joining(",")));
    } else {
      // Keep serving and reporting what the last valid spec set up.
      desired =
          deployment != null && deployment.getSpec().getReplicas() != null
              ? deployment.getSpec().getReplicas()
              : 0;
      if (previous != null) {
        status.setPlacements(previous.getPlacements());
        status.setPlacementNames(previous.getPlacementNames());
      }
    }
    status.setReplicas(replicas);
    status.setReadyReplicas(ready);
    status.setReady(ready + "/" + desired);

    List<Condition> conditions = new ArrayList<>(3);
    boolean deploymentCurrent =
        deployment != null
            && observed != null
            && observed.getObservedGeneration() != null
            && observed.getObservedGeneration() >= deployment.getMetadata().getGeneration();
    boolean isReady = deployment != null && desired > 0 && ready >= desired;
    String readyReason;
    String readyMessage;
    if (deployment == null) {
      readyReason = "Creating";
      readyMessage = "serving Deployment not created yet";
    } else if (desired == 0) {
      readyReason = "ScaledToZero";
      readyMessage = "spec.replicas is 0";
    } else if (isReady) {
      readyReason = "ReplicasReady";
      readyMessage = ready + "/" + desired + " serving pods ready";
    } else {
      readyReason = "ReplicasNotReady";
      readyMessage =
          ready + "/" + desired + " serving pods ready (scheduling, pulling or loading the model)";
    }
    conditions.add(
        Conditions.next(
            old, Conditions.READY, isReady, readyReason, readyMessage, generation, now));

    boolean rolledOut =
        deploymentCurrent && updated == desired && replicas == desired && ready >= desired;
    if (invalid != null) {
      conditions.add(
          Conditions.next(
              old,
              Conditions.PROGRESSING,
              false,
              "InvalidSpec",
              "spec not applied; the previous configuration keeps serving",
              generation,
              now));
    } else if (rolledOut) {
      conditions.add(
          Conditions.next(
              old,
              Conditions.PROGRESSING,
              false,
              "RolloutComplete",
              "all " + desired + " serving pods run the current spec",
              generation,
              now));
    } else {
      conditions.add(
          Conditions.next(
              old,
              Conditions.PROGRESSING,
              true,
              "RollingOut",
              "updated " + updated + "/" + desired + ", ready " + ready + "/" + desired,
              generation,
              now));
    }

    DeploymentCondition failure = deploymentFailure(observed);
    if (invalid != null) {
      conditions.add(
          Conditions.next(
              old,
              Conditions.DEGRADED,
              true,
              "InvalidSpec",
              invalid.getMessage(),
              generation,
              now));
    } else if (failure != null) {
      conditions.add(
          Conditions.next(
              old,
              Conditions.DEGRADED,
              true,
              failure.getReason(),
              failure.getMessage(),
              generation,
              now));
    } else {
      conditions.add(
          Conditions.next(
              old, Conditions.DEGRADED, false, "AsExpected", "spec accepted", generation, now));
    }
    if (model.getSpec() != null && model.getSpec().getSlo() != null) {
      conditions.add(sloMet(old, generation, now));
    }
    status.setConditions(conditions);
    return status;
  }

  /**
   * SloMet is judged from the router's latency metrics, which the operator does not read yet: a
   * verdict written by that side is kept, otherwise the honest answer is Unknown.
   */
  private static Condition sloMet(List<Condition> old, long generation, Instant now) {
    Condition previous = Conditions.find(old, Conditions.SLO_MET);
    if (previous != null && !"Unknown".equals(previous.getStatus())) {
      return previous;
    }
    return Conditions.next(
        old,
        Conditions.SLO_MET,
        "Unknown",
        "NotMeasured",
        "no latency measurements reported for spec.slo yet",
        generation,
        now);
  }

  /** A Deployment condition that means the rollout cannot finish on its own. */
  private static DeploymentCondition deploymentFailure(DeploymentStatus observed) {
    if (observed == null || observed.getConditions() == null) {
      return null;
    }
    for (DeploymentCondition c : observed.getConditions()) {
      if ("ReplicaFailure".equals(c.getType()) && "True".equals(c.getStatus())) {
        return c;
      }
      if ("Progressing".equals(c.getType())
          && "False".equals(c.getStatus())
          && "ProgressDeadlineExceeded".equals(c.getReason())) {
        return c;
      }
    }
    return null;
  }

  private static long generation(HybridModel model) {
    Long g = model.getMetadata().getGeneration();
    return g == null ? 0 : g;
  }
}
