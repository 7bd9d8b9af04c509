package dev.gearbox.operator.desired;

import dev.gearbox.crds.HybridModel;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The Service in front of the routing sidecars: OpenAI-compatible HTTP and gRPC. */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR))
public class ServiceDependent extends CRUDKubernetesDependentResource<Service, HybridModel> {
  public static final int HTTP_PORT = 80;
  public static final int GRPC_PORT = 9090;

  /** The runtime's own gRPC API (Score, Info, Stats), which the operator's rollout gate calls. */
  public static final int RUNTIME_GRPC_PORT = ServingPod.RUNTIME_GRPC_PORT;

  public ServiceDependent() {
    super(Service.class);
  }

  @Override
  protected Service desired(HybridModel model, Context<HybridModel> context) {
    return new ServiceBuilder()
        .withNewMetadata()
        .withName(model.getMetadata().getName())
        .withNamespace(model.getMetadata().getNamespace())
        .withLabels(Labels.common(model))
        .endMetadata()
        .withNewSpec()
        .withSelector(Labels.selector(model))
        .addNewPort()
        .withName("http")
        .withPort(HTTP_PORT)
        .withNewTargetPort("http")
        .withProtocol("TCP")
        .endPort()
        .addNewPort()
        .withName("grpc")
        .withPort(GRPC_PORT)
        .withNewTargetPort("grpc")
        .withProtocol("TCP")
        .withAppProtocol("kubernetes.io/h2c")
        .endPort()
        .addNewPort()
        .withName("runtime-grpc")
        .withPort(RUNTIME_GRPC_PORT)
        .withNewTargetPort("runtime-grpc")
        .withProtocol("TCP")
        .withAppProtocol("kubernetes.io/h2c")
        .endPort()
        .endSpec()
        .build();
  }
}
