package dev.gearbox.e2e.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The control-plane binaries that {@code .ci/control-plane.sh} builds from Go modules into {@code
 * ~/.cache/gearbox/k8s/<version>/bin}: kube-apiserver, etcd, kube-controller-manager,
 * kube-scheduler, kubectl, kwok and kwokctl.
 */
public record ControlPlaneBinaries(String kubernetesVersion, Path dir) {
  public static final List<String> REQUIRED =
      List.of(
          "kube-apiserver",
          "etcd",
          "kube-controller-manager",
          "kube-scheduler",
          "kubectl",
          "kwok",
          "kwokctl");

  /**
   * Where the cached script puts them: {@code -Dgearbox.k8s.bin} or {@code GEARBOX_K8S_BIN} if set,
   * else {@code ${GEARBOX_CACHE:-~/.cache/gearbox/k8s}/<version>/bin}.
   */
  public static ControlPlaneBinaries locate() {
    String version =
        System.getProperty("gearbox.k8s.version", envOr("GEARBOX_K8S_VERSION", "1.34.4"));
    String explicit = System.getProperty("gearbox.k8s.bin", System.getenv("GEARBOX_K8S_BIN"));
    if (explicit != null && !explicit.isBlank()) {
      return new ControlPlaneBinaries(version, Path.of(explicit));
    }
    Path cache =
        Path.of(envOr("GEARBOX_CACHE", System.getProperty("user.home") + "/.cache/gearbox/k8s"));
    return new ControlPlaneBinaries(version, cache.resolve(version).resolve("bin"));
  }

  /** Names of the required binaries that are absent or not executable. */
  public List<String> missing() {
    return REQUIRED.stream().filter(name -> !Files.isExecutable(dir.resolve(name))).toList();
  }

  public Path get(String name) {
    return dir.resolve(name);
  }

  private static String envOr(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
