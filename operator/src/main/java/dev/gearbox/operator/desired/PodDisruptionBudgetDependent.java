package dev.gearbox.operator.desired;

import dev.gearbox.crds.HybridModel;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/**
 * Lets node drains evict one serving pod at a time, so a drain never takes a model fully down while
 * more than one replica runs.
 */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR))
public class PodDisruptionBudgetDependent
    extends CRUDKubernetesDependentResource<PodDisruptionBudget, HybridModel> {

  public PodDisruptionBudgetDependent() {
    super(PodDisruptionBudget.class);
  }

  @Override
  protected PodDisruptionBudget desired(HybridModel model, Context<HybridModel> context) {
    return new PodDisruptionBudgetBuilder()
        .withNewMetadata()
        .withName(model.getMetadata().getName())
        .withNamespace(model.getMetadata().getNamespace())
        .withLabels(Labels.common(model))
        .endMetadata()
        .withNewSpec()
        .withNewMaxUnavailable(1)
        .withNewSelector()
        .withMatchLabels(Labels.selector(model))
        .endSelector()
        .endSpec()
        .build();
  }
}
