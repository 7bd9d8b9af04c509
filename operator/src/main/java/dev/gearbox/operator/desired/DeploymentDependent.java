package dev.gearbox.operator.desired;

import dev.gearbox.crds.HybridModel;
import dev.gearbox.crds.RolloutStatus;
import dev.gearbox.operator.rollout.RolloutTraffic;
import dev.gearbox.operator.spec.ResolvedSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The Deployment of serving pods (runtime + routing sidecar). */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR))
public class DeploymentDependent extends CRUDKubernetesDependentResource<Deployment, HybridModel> {

  public DeploymentDependent() {
    super(Deployment.class);
  }

  @Override
  protected Deployment desired(HybridModel model, Context<HybridModel> context) {
    return build(model, Resolved.of(context), RolloutTraffic.of(context));
  }

  /** Pure function of the model and its resolved spec. */
  public static Deployment build(HybridModel model, ResolvedSpec resolved) {
    return build(model, resolved, null);
  }

  /** Pure function of the model, its resolved spec and its rollout (may be null). */
  public static Deployment build(HybridModel model, ResolvedSpec resolved, RolloutStatus rollout) {
    String configHash = ServingConfig.podHash(model, resolved, rollout);
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName(Labels.deploymentName(model))
        .withNamespace(model.getMetadata().getNamespace())
        .withLabels(Labels.common(model))
        .endMetadata()
        .withNewSpec()
        .withReplicas(resolved.replicas())
        .withNewSelector()
        .withMatchLabels(Labels.selector(model))
        .endSelector()
        // A GPU is rarely free for a surge pod, but losing capacity mid-rollout is worse than a
        // slower rollout: surge one, never go below the desired ready count.
        .withNewStrategy()
        .withType("RollingUpdate")
        .withNewRollingUpdate()
        .withNewMaxSurge(1)
        .withNewMaxUnavailable(0)
        .endRollingUpdate()
        .endStrategy()
        .withTemplate(ServingPod.template(model, resolved, configHash))
        .endSpec()
        .build();
  }
}
