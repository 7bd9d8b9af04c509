package dev.gearbox.operator.desired;

import dev.gearbox.crds.HybridModel;
import dev.gearbox.operator.rollout.RolloutTraffic;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The ConfigMap with the runtime's placements and the router's policy. */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR))
public class ConfigMapDependent extends CRUDKubernetesDependentResource<ConfigMap, HybridModel> {

  public ConfigMapDependent() {
    super(ConfigMap.class);
  }

  @Override
  protected ConfigMap desired(HybridModel model, Context<HybridModel> context) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(Labels.configMapName(model))
        .withNamespace(model.getMetadata().getNamespace())
        .withLabels(Labels.common(model))
        .endMetadata()
        .withData(ServingConfig.files(model, Resolved.of(context), RolloutTraffic.of(context)))
        .build();
  }
}
