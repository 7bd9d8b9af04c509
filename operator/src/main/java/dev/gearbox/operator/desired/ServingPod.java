package dev.gearbox.operator.desired;

import dev.gearbox.crds.HybridModel;
import dev.gearbox.crds.HybridModelSpec;
import dev.gearbox.crds.ImagesSpec;
import dev.gearbox.crds.OverridesSpec;
import dev.gearbox.crds.ResourcesSpec;
import dev.gearbox.operator.spec.ResolvedSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The serving pod: the runtime (model server) and the routing sidecar sharing one network
 * namespace, hardened (non-root, read-only root filesystem, no service-account token).
 */
public final class ServingPod {
  public static final String RUNTIME = "runtime";
  public static final String ROUTER = "router";
  public static final int RUNTIME_GRPC_PORT = 9000;
  /** The runtime's Prometheus endpoint (KV cache usage, queue, TTFT/TPOT per placement). */
  public static final int RUNTIME_METRICS_PORT = 9400;
  public static final int ROUTER_HTTP_PORT = 8080;
  public static final int ROUTER_GRPC_PORT = 8081;
  public static final String GPU = "nvidia.com/gpu";
  static final String CONFIG_DIR = "/etc/gearbox";
  static final long USER = 10001;

  /** Seconds a pod may take to load the model before the kubelet restarts it. */
  static final int MODEL_LOAD_SECONDS = 1800;

  /** Seconds the router may spend finishing in-flight requests after the pod is told to stop. */
  static final int DRAIN_SECONDS = 60;

  private ServingPod() {}

  /** The pod template; {@code configHash} is the ConfigMap content hash. */
  public static PodTemplateSpec template(
      HybridModel model, ResolvedSpec resolved, String configHash) {
    HybridModelSpec spec = resolved.spec();
    ImagesSpec images = spec.getImages() != null ? spec.getImages() : new ImagesSpec();
    OverridesSpec overrides =
        spec.getOverrides() != null ? spec.getOverrides() : new OverridesSpec();
    ModelVolume modelVolume = ModelVolume.of(spec.getModel().getUri());

    Map<String, String> labels = new TreeMap<>();
    if (overrides.getPodLabels() != null) {
      labels.putAll(overrides.getPodLabels());
    }
    labels.putAll(Labels.common(model));
    Map<String, String> annotations = new TreeMap<>();
    if (overrides.getPodAnnotations() != null) {
      annotations.putAll(overrides.getPodAnnotations());
    }
    annotations.put(Labels.CONFIG_HASH, configHash);

    List<Container> initContainers = new ArrayList<>();
    modelVolume.fetchContainer(images.getPullPolicy()).ifPresent(initContainers::add);

    return new PodTemplateSpecBuilder()
        .withNewMetadata()
        .withLabels(labels)
        .withAnnotations(annotations)
        .endMetadata()
        .withNewSpec()
        .withSecurityContext(podSecurity())
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        .withTerminationGracePeriodSeconds((long) DRAIN_SECONDS + 30)
        .withServiceAccountName(overrides.getServiceAccountName())
        .withPriorityClassName(overrides.getPriorityClassName())
        .withNodeSelector(overrides.getNodeSelector())
        .withTolerations(overrides.getTolerations())
        .withInitContainers(initContainers)
        .withContainers(runtime(images, spec.getResources(), modelVolume), router(images, modelVolume))
        .withVolumes(
            modelVolume.volume(),
            new VolumeBuilder()
                .withName("config")
                .withNewConfigMap()
                .withName(Labels.configMapName(model))
                .endConfigMap()
                .build(),
            new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build())
        .endSpec()
        .build();
  }

  private static Container runtime(
      ImagesSpec images, ResourcesSpec resources, ModelVolume modelVolume) {
    ResourcesSpec r = resources != null ? resources : new ResourcesSpec();
    Map<String, Quantity> requests = new LinkedHashMap<>();
    Map<String, Quantity> limits = new LinkedHashMap<>();
    requests.put("cpu", new Quantity(r.getCpu()));
    requests.put("memory", new Quantity(r.getMemory()));
    limits.put("memory", new Quantity(r.getMemory()));
    if (r.getGpus() != null && r.getGpus() > 0) {
      // Extended resources cannot be overcommitted: request must equal limit.
      requests.put(GPU, new Quantity(Integer.toString(r.getGpus())));
      limits.put(GPU, new Quantity(Integer.toString(r.getGpus())));
    }
    Probe grpcHealth =
        new ProbeBuilder().withNewGrpc().withPort(RUNTIME_GRPC_PORT).endGrpc().build();
    return new ContainerBuilder()
        .withName(RUNTIME)
        .withImage(images.getRuntime())
        .withImagePullPolicy(images.getPullPolicy())
        .withArgs(
            "--model-dir=" + modelVolume.modelDir(),
            "--placements=" + CONFIG_DIR + "/" + ServingConfig.PLACEMENTS_FILE,
            "--grpc-port=" + RUNTIME_GRPC_PORT,
            "--metrics-port=" + RUNTIME_METRICS_PORT,
            "--backend=" + (r.getGpus() != null && r.getGpus() > 0 ? "cuda" : "cpu"))
        .addNewPort()
        .withName("runtime-grpc")
        .withContainerPort(RUNTIME_GRPC_PORT)
        .withProtocol("TCP")
        .endPort()
        .addNewPort()
        .withName("runtime-metrics")
        .withContainerPort(RUNTIME_METRICS_PORT)
        .withProtocol("TCP")
        .endPort()
        .withResources(
            new ResourceRequirementsBuilder().withRequests(requests).withLimits(limits).build())
        // Loading weights can take many minutes: the startup probe holds off liveness until the
        // runtime's gRPC health service answers SERVING, which it does only after the load.
        .withStartupProbe(
            new ProbeBuilder(grpcHealth)
                .withPeriodSeconds(10)
                .withFailureThreshold(MODEL_LOAD_SECONDS / 10)
                .build())
        .withReadinessProbe(new ProbeBuilder(grpcHealth).withPeriodSeconds(5).build())
        .withLivenessProbe(
            new ProbeBuilder(grpcHealth).withPeriodSeconds(20).withFailureThreshold(3).build())
        // The runtime must outlive the router's drain, so it only starts stopping afterwards.
        .withNewLifecycle()
        .withNewPreStop()
        .withNewSleep((long) DRAIN_SECONDS)
        .endPreStop()
        .endLifecycle()
        .addNewVolumeMount()
        .withName(ModelVolume.VOLUME)
        .withMountPath(ModelVolume.MOUNT_PATH)
        .withReadOnly(true)
        .endVolumeMount()
        .addNewVolumeMount()
        .withName("config")
        .withMountPath(CONFIG_DIR)
        .withReadOnly(true)
        .endVolumeMount()
        .addNewVolumeMount()
        .withName("tmp")
        .withMountPath("/tmp")
        .endVolumeMount()
        .withSecurityContext(containerSecurity())
        .build();
  }

  private static Container router(ImagesSpec images, ModelVolume modelVolume) {
    ResourceRequirements resources =
        new ResourceRequirementsBuilder()
            .addToRequests("cpu", new Quantity("250m"))
            .addToRequests("memory", new Quantity("256Mi"))
            .addToLimits("memory", new Quantity("512Mi"))
            .build();
    return new ContainerBuilder()
        .withName(ROUTER)
        .withImage(images.getRouter())
        .withImagePullPolicy(images.getPullPolicy())
        .withArgs(
            "--config=" + CONFIG_DIR + "/" + ServingConfig.ROUTER_FILE,
            "--http-port=" + ROUTER_HTTP_PORT,
            "--grpc-port=" + ROUTER_GRPC_PORT,
            "--runtime=localhost:" + RUNTIME_GRPC_PORT)
        .addNewPort()
        .withName("http")
        .withContainerPort(ROUTER_HTTP_PORT)
        .withProtocol("TCP")
        .endPort()
        .addNewPort()
        .withName("grpc")
        .withContainerPort(ROUTER_GRPC_PORT)
        .withProtocol("TCP")
        .endPort()
        .withResources(resources)
        // The router reports ready only when its runtime is, so the Service never sends
        // traffic to a pod whose model is still loading.
        .withReadinessProbe(
            new ProbeBuilder()
                .withNewHttpGet()
                .withPath("/ready")
                .withNewPort(ROUTER_HTTP_PORT)
                .endHttpGet()
                .withPeriodSeconds(5)
                .build())
        .withLivenessProbe(
            new ProbeBuilder()
                .withNewHttpGet()
                .withPath("/live")
                .withNewPort(ROUTER_HTTP_PORT)
                .endHttpGet()
                .withPeriodSeconds(20)
                .build())
        // Stop taking new requests and wait for in-flight ones before SIGTERM.
        .withNewLifecycle()
        .withNewPreStop()
        .withNewHttpGet()
        .withPath("/drain?timeoutSeconds=" + DRAIN_SECONDS)
        .withNewPort(ROUTER_HTTP_PORT)
        .endHttpGet()
        .endPreStop()
        .endLifecycle()
        .addNewVolumeMount()
        .withName("config")
        .withMountPath(CONFIG_DIR)
        .withReadOnly(true)
        .endVolumeMount()
        // The router tokenizes and renders chat templates, so it reads the checkpoint's
        // tokenizer files from the same model volume (at placements.json's modelDir).
        .addNewVolumeMount()
        .withName(ModelVolume.VOLUME)
        .withMountPath(ModelVolume.MOUNT_PATH)
        .withReadOnly(true)
        .endVolumeMount()
        .addNewVolumeMount()
        .withName("tmp")
        .withMountPath("/tmp")
        .endVolumeMount()
        .withSecurityContext(containerSecurity())
        .build();
  }

  private static PodSecurityContext podSecurity() {
    return new PodSecurityContextBuilder()
        .withRunAsNonRoot(true)
        .withRunAsUser(USER)
        .withRunAsGroup(USER)
        .withFsGroup(USER)
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .build();
  }

  static SecurityContext containerSecurity() {
    return new SecurityContextBuilder()
        .withReadOnlyRootFilesystem(true)
        .withAllowPrivilegeEscalation(false)
        .withNewCapabilities()
        .withDrop("ALL")
        .endCapabilities()
        .build();
  }
}
