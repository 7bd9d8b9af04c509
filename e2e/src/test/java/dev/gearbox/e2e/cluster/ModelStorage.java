package dev.gearbox.e2e.cluster;

import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;

/**
 * The "models" PersistentVolumeClaim the examples read their checkpoints from ({@code
 * pvc://models/...}), pre-bound to a hostPath volume: what a user creates before applying a
 * HybridModel. Without it the scheduler rightly refuses the serving pods.
 */
public final class ModelStorage {
  public static final String CLAIM = "models";

  private ModelStorage() {}

  public static void provide(KubernetesClient client, String namespace) {
    String volume = "models-" + namespace;
    Map<String, Quantity> size = Map.of("storage", new Quantity("100Gi"));
    client
        .persistentVolumes()
        .resource(
            new PersistentVolumeBuilder()
                .withNewMetadata()
                .withName(volume)
                .endMetadata()
                .withNewSpec()
                .withCapacity(size)
                .withAccessModes("ReadOnlyMany", "ReadWriteOnce")
                .withPersistentVolumeReclaimPolicy("Delete")
                .withStorageClassName("")
                .withNewHostPath()
                .withPath("/models")
                .endHostPath()
                .withNewClaimRef()
                .withNamespace(namespace)
                .withName(CLAIM)
                .endClaimRef()
                .endSpec()
                .build())
        .serverSideApply();
    client
        .persistentVolumeClaims()
        .inNamespace(namespace)
        .resource(
            new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName(CLAIM)
                .withNamespace(namespace)
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadOnlyMany")
                .withStorageClassName("")
                .withVolumeName(volume)
                .withNewResources()
                .withRequests(size)
                .endResources()
                .endSpec()
                .build())
        .serverSideApply();
  }

  /** Removes the volume {@link #provide} created for {@code namespace}. */
  public static void release(KubernetesClient client, String namespace) {
    client.persistentVolumes().withName("models-" + namespace).delete();
  }
}
