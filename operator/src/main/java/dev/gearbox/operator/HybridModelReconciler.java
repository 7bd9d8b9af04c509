package dev.gearbox.operator;

import dev.gearbox.crds.HybridModel;
import dev.gearbox.crds.HybridModelStatus;
import dev.gearbox.operator.autoscale.ClosedLoop;
import dev.gearbox.operator.desired.ConfigMapDependent;
import dev.gearbox.operator.desired.DeploymentDependent;
import dev.gearbox.operator.desired.PodDisruptionBudgetDependent;
import dev.gearbox.operator.desired.Resolved;
import dev.gearbox.operator.desired.ServiceDependent;
import dev.gearbox.operator.rollout.RolloutController;
import dev.gearbox.operator.rollout.RolloutEvents;
import dev.gearbox.operator.rollout.RolloutTraffic;
import dev.gearbox.operator.spec.InvalidSpecException;
import dev.gearbox.operator.spec.ResolvedSpec;
import dev.gearbox.operator.spec.SpecResolver;
import dev.gearbox.operator.status.Conditions;
import dev.gearbox.operator.status.Events;
import dev.gearbox.operator.status.Failures;
import dev.gearbox.operator.status.StatusFactory;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Level-triggered reconciler of HybridModels: checks the spec, applies the serving resources as one
 * workflow, and reports status.
 *
 * <p>The workflow runs only for a spec that resolves. A spec that does not leaves the running
 * resources untouched (the last good configuration keeps serving), sets Degraded with the reason
 * and records one Warning event; it is not retried, since only a new spec can fix it.
 */
@ControllerConfiguration(name = HybridModelReconciler.NAME)
@Workflow(
    explicitInvocation = true,
    dependents = {
      @Dependent(name = "config", type = ConfigMapDependent.class),
      @Dependent(name = "deployment", type = DeploymentDependent.class, dependsOn = "config"),
      @Dependent(name = "service", type = ServiceDependent.class),
      @Dependent(name = "pdb", type = PodDisruptionBudgetDependent.class)
    })
public class HybridModelReconciler implements Reconciler<HybridModel> {
  public static final String NAME = "hybridmodel";
  private static final Logger log = LoggerFactory.getLogger(HybridModelReconciler.class);

  private final Clock clock;
  private final ClosedLoop loop;
  private final RolloutController rollouts;

  public HybridModelReconciler() {
    this(Clock.systemUTC());
  }

  public HybridModelReconciler(Clock clock) {
    this(clock, null, RolloutController.inCluster());
  }

  /** With {@code loop}: observe the pods, report KV and SLOs, autoscale (null: none of that). */
  public HybridModelReconciler(Clock clock, ClosedLoop loop) {
    this(clock, loop, RolloutController.inCluster());
  }

  /** A reconciler whose rollouts score and observe through {@code rollouts}, without a loop. */
  public HybridModelReconciler(Clock clock, RolloutController rollouts) {
    this(clock, null, rollouts);
  }

  /** The closed loop (may be null) and the rollouts, as the operator process runs them. */
  public HybridModelReconciler(Clock clock, ClosedLoop loop, RolloutController rollouts) {
    this.clock = clock;
    this.loop = loop;
    this.rollouts = rollouts;
  }

  @Override
  public UpdateControl<HybridModel> reconcile(HybridModel model, Context<HybridModel> context) {
    ResolvedSpec resolved = null;
    InvalidSpecException invalid = null;
    try {
      resolved = SpecResolver.resolve(model.getSpec());
    } catch (InvalidSpecException e) {
      invalid = e;
    }
    RolloutController.Outcome rollout = null;
    if (resolved != null) {
      rollout = rollouts.reconcile(model, resolved, context.getClient(), clock.instant());
      Resolved.put(context, resolved);
      RolloutTraffic.put(context, rollout.rollout());
      context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
    }
    Deployment deployment = context.getSecondaryResource(Deployment.class).orElse(null);
    HybridModelStatus status =
        StatusFactory.compute(model, resolved, invalid, deployment, clock.instant());
    status.setRollout(
        rollout != null
            ? rollout.rollout()
            : model.getStatus() == null ? null : model.getStatus().getRollout());
    if (rollout != null && rollout.transition() != null) {
      RolloutController.Transition t = rollout.transition();
      log.info("{}/{}: {} {}", namespace(model), name(model), t.reason(), t.message());
      RolloutEvents.record(context.getClient(), model, t, clock.instant());
    }
    Duration recheck = rollout == null ? null : rollout.recheckAfter();

    if (invalid != null && isNewRejection(model.getStatus(), status)) {
      log.info("rejected {}/{}: {}", namespace(model), name(model), invalid.getMessage());
      Events.warn(context.getClient(), model, "InvalidSpec", invalid.getMessage(), clock.instant());
    }
    if (loop != null && resolved != null) {
      loop.apply(model, status, context.getClient(), clock.instant());
    }
    // The observer finishes a round per interval; come back for it, or sooner for a rollout step.
    if (loop != null && (recheck == null || loop.interval().compareTo(recheck) < 0)) {
      recheck = loop.interval();
    }
    UpdateControl<HybridModel> control;
    if (status.equals(model.getStatus())) {
      control = UpdateControl.noUpdate();
    } else {
      HybridModel patch = new HybridModel();
      patch.setMetadata(
          new ObjectMetaBuilder().withName(name(model)).withNamespace(namespace(model)).build());
      patch.setStatus(status);
      control = UpdateControl.patchStatus(patch);
    }
    return recheck == null ? control : control.rescheduleAfter(recheck);
  }

  /**
   * Reconcile failed. A resource the API server rejects (400/422) can only be fixed by a new spec:
   * Degraded, one Warning event, no retry. Anything else is reported as Degraded too and retried
   * with the SDK's backoff.
   */
  @Override
  public ErrorStatusUpdateControl<HybridModel> updateErrorStatus(
      HybridModel model, Context<HybridModel> context, Exception error) {
    String rejection = Failures.rejection(error);
    String reason = rejection != null ? "RejectedByApiServer" : "ReconcileError";
    String message = rejection != null ? rejection : Failures.describe(error);
    HybridModelStatus previous =
        model.getStatus() != null ? model.getStatus() : new HybridModelStatus();
    Condition before = Conditions.find(previous.getConditions(), Conditions.DEGRADED);
    long generation =
        model.getMetadata().getGeneration() == null ? 0 : model.getMetadata().getGeneration();
    Condition degraded =
        Conditions.next(
            previous.getConditions(),
            Conditions.DEGRADED,
            true,
            reason,
            message,
            generation,
            clock.instant());
    if (rejection != null
        && (before == null
            || !"True".equals(before.getStatus())
            || !Objects.equals(before.getMessage(), message))) {
      Events.warn(context.getClient(), model, reason, message, clock.instant());
    }
    List<Condition> conditions = new ArrayList<>();
    for (Condition c : previous.getConditions()) {
      if (!c.getType().equals(Conditions.DEGRADED)) {
        conditions.add(c);
      }
    }
    conditions.add(new ConditionBuilder(degraded).build());
    HybridModelStatus status = copyOf(previous);
    status.setObservedGeneration(generation);
    status.setConditions(conditions);
    HybridModel patch = new HybridModel();
    patch.setMetadata(
        new ObjectMetaBuilder().withName(name(model)).withNamespace(namespace(model)).build());
    patch.setStatus(status);
    ErrorStatusUpdateControl<HybridModel> control = ErrorStatusUpdateControl.patchStatus(patch);
    return rejection != null ? control.withNoRetry() : control;
  }

  private static HybridModelStatus copyOf(HybridModelStatus s) {
    HybridModelStatus copy = new HybridModelStatus();
    copy.setReplicas(s.getReplicas());
    copy.setReadyReplicas(s.getReadyReplicas());
    copy.setReady(s.getReady());
    copy.setSelector(s.getSelector());
    copy.setPlacementNames(s.getPlacementNames());
    copy.setPlacements(s.getPlacements());
    copy.setKvUtilization(s.getKvUtilization());
    copy.setSloState(s.getSloState());
    copy.setSlo(s.getSlo());
    copy.setScaling(s.getScaling());
    copy.setRollout(s.getRollout());
    return copy;
  }

  /** True when the Degraded/InvalidSpec condition is new or says something new. */
  private static boolean isNewRejection(HybridModelStatus previous, HybridModelStatus next) {
    Condition before =
        previous == null ? null : Conditions.find(previous.getConditions(), Conditions.DEGRADED);
    Condition after = Conditions.find(next.getConditions(), Conditions.DEGRADED);
    return before == null
        || !"True".equals(before.getStatus())
        || !Objects.equals(before.getMessage(), after.getMessage());
  }

  private static String name(HybridModel model) {
    return model.getMetadata().getName();
  }

  private static String namespace(HybridModel model) {
    return model.getMetadata().getNamespace();
  }
}
