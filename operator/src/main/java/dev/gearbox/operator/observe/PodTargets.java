package dev.gearbox.operator.observe;

import dev.gearbox.operator.desired.ServingPod;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Optional;

/**
 * Where the runtime of a serving pod answers gRPC. Pluggable so that tests (and a real-node suite
 * behind a port-forward) can point pods at servers on loopback.
 */
@FunctionalInterface
public interface PodTargets {
  /** {@code host:port} of the pod's runtime, or empty when the pod has no address yet. */
  Optional<String> target(Pod pod);

  /** In the cluster: the pod IP and the runtime's gRPC port. */
  static PodTargets podIp() {
    return pod -> {
      String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
      if (ip == null || ip.isBlank()) {
        return Optional.empty();
      }
      String host = ip.contains(":") ? "[" + ip + "]" : ip;
      return Optional.of(host + ":" + ServingPod.RUNTIME_GRPC_PORT);
    };
  }
}
