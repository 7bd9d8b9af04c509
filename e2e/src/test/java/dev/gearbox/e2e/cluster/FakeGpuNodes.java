package dev.gearbox.e2e.cluster;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Registers kwok-managed nodes: some advertise {@code nvidia.com/gpu} like a node with the NVIDIA
 * device plugin, one has no GPU at all, so the scheduler has a wrong place to put a GPU pod and the
 * tests can see it did not.
 */
public final class FakeGpuNodes {
  public static final String GPU = "nvidia.com/gpu";

  /** The label the NVIDIA GPU feature discovery puts on GPU nodes. */
  public static final String GPU_PRESENT_LABEL = "nvidia.com/gpu.present";

  public static final int GPU_NODES = 3;
  public static final int GPUS_PER_NODE = 4;

  private FakeGpuNodes() {}

  /** Creates the nodes and returns the names of the GPU nodes. */
  public static List<String> register(KubernetesClient client) {
    List<String> gpuNodes = new ArrayList<>();
    for (int i = 0; i < GPU_NODES; i++) {
      String name = "gpu-node-" + i;
      client.nodes().resource(node(name, GPUS_PER_NODE)).serverSideApply();
      gpuNodes.add(name);
    }
    client.nodes().resource(node("cpu-node-0", 0)).serverSideApply();
    return gpuNodes;
  }

  static Node node(String name, int gpus) {
    Map<String, Quantity> capacity =
        new LinkedHashMap<>(
            Map.of(
                "cpu", new Quantity("32"),
                "memory", new Quantity("256Gi"),
                "pods", new Quantity("110")));
    if (gpus > 0) {
      capacity.put(GPU, new Quantity(Integer.toString(gpus)));
    }
    NodeBuilder node =
        new NodeBuilder()
            .withNewMetadata()
            .withName(name)
            // kwok manages only nodes carrying this annotation; it then plays their kubelet.
            .addToAnnotations("kwok.x-k8s.io/node", "fake")
            .addToAnnotations("node.alpha.kubernetes.io/ttl", "0")
            .addToLabels("type", "kwok")
            .addToLabels("kubernetes.io/hostname", name)
            .addToLabels("kubernetes.io/os", "linux")
            .addToLabels("kubernetes.io/arch", "amd64")
            .endMetadata()
            .withNewStatus()
            .withCapacity(capacity)
            .withAllocatable(capacity)
            .endStatus();
    if (gpus > 0) {
      node.editMetadata().addToLabels(GPU_PRESENT_LABEL, "true").endMetadata();
    }
    return node.build();
  }
}
