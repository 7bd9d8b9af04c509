package dev.gearbox.operator.desired;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import java.util.Optional;

/**
 * How the checkpoint named by {@code spec.model.uri} reaches the runtime container: a read-only
 * PVC, a node directory, or a copy out of an image made by an init container.
 *
 * @param volume the pod volume mounted at {@link #MOUNT_PATH}
 * @param modelDir the checkpoint directory inside the runtime container
 * @param imageReference the image holding the model under /model, for {@code image://} URIs
 */
public record ModelVolume(Volume volume, String modelDir, String imageReference) {
  public static final String VOLUME = "model";
  public static final String MOUNT_PATH = "/models";

  /** Parses a model URI; the CRD pattern guarantees one of the three schemes. */
  public static ModelVolume of(String uri) {
    if (uri.startsWith("pvc://")) {
      String rest = uri.substring("pvc://".length());
      int slash = rest.indexOf('/');
      String claim = slash < 0 ? rest : rest.substring(0, slash);
      String path = slash < 0 ? "" : rest.substring(slash + 1).replaceAll("/+$", "");
      Volume volume =
          new VolumeBuilder().withName(VOLUME).withNewPersistentVolumeClaim(claim, true).build();
      return new ModelVolume(volume, path.isEmpty() ? MOUNT_PATH : MOUNT_PATH + "/" + path, null);
    }
    if (uri.startsWith("file://")) {
      Volume volume =
          new VolumeBuilder()
              .withName(VOLUME)
              .withNewHostPath(uri.substring("file://".length()), "Directory")
              .build();
      return new ModelVolume(volume, MOUNT_PATH, null);
    }
    if (uri.startsWith("image://")) {
      Volume volume = new VolumeBuilder().withName(VOLUME).withNewEmptyDir().endEmptyDir().build();
      return new ModelVolume(volume, MOUNT_PATH, uri.substring("image://".length()));
    }
    throw new IllegalArgumentException(
        "spec.model.uri '" + uri + "' must start with pvc://, file:// or image://");
  }

  /** For image URIs, the init container that copies the model into the shared volume. */
  public Optional<Container> fetchContainer(String pullPolicy) {
    if (imageReference == null) {
      return Optional.empty();
    }
    return Optional.of(
        new ContainerBuilder()
            .withName("model-fetch")
            .withImage(imageReference)
            .withImagePullPolicy(pullPolicy)
            .withCommand("cp", "-R", "/model/.", MOUNT_PATH + "/")
            .addNewVolumeMount()
            .withName(VOLUME)
            .withMountPath(MOUNT_PATH)
            .endVolumeMount()
            .withSecurityContext(ServingPod.containerSecurity())
            .build());
  }
}
