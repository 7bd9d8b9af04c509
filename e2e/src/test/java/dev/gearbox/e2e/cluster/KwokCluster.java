package dev.gearbox.e2e.cluster;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A cluster of local processes started by {@code kwokctl --runtime binary}: etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler and the kwok controller, all bound to 127.0.0.1 and all
 * from the cached binaries (nothing is downloaded).
 *
 * <p>kwok fakes the nodes: a pod bound to a kwok node becomes Running and Ready without any
 * container being started, so images need not exist and GPUs need not be real. Everything above the
 * kubelet (API validation, scheduling on extended resources, garbage collection, Deployment
 * rollouts, RBAC) is the real Kubernetes code.
 */
public final class KwokCluster implements TestCluster {
  private static final Duration CREATE_TIMEOUT = Duration.ofMinutes(3);

  private final ControlPlaneBinaries binaries;
  private final String name;
  private final Path workDir;
  private final Path kubeconfig;
  private final KubernetesClient client;

  private KwokCluster(ControlPlaneBinaries binaries, String name, Path workDir, Path kubeconfig) {
    this.binaries = binaries;
    this.name = name;
    this.workDir = workDir;
    this.kubeconfig = kubeconfig;
    this.client =
        new KubernetesClientBuilder()
            .withConfig(Config.fromKubeconfig(readString(kubeconfig)))
            .build();
  }

  /** Creates and starts the cluster; its files live under {@code workDir}. */
  public static KwokCluster start(ControlPlaneBinaries binaries, Path workDir) {
    List<String> missing = binaries.missing();
    if (!missing.isEmpty()) {
      throw new IllegalStateException(
          "control-plane binaries missing in "
              + binaries.dir()
              + ": "
              + missing
              + " (build them with .ci/control-plane.sh)");
    }
    String name = "gearbox-e2e";
    try {
      Files.createDirectories(workDir);
      // kwokctl reads $KWOK_WORKDIR/kwok.yaml: pin every binary to the cache and every
      // listener to loopback (its default bind address is 0.0.0.0).
      Files.writeString(workDir.resolve("kwok.yaml"), kwokctlConfig(binaries));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare kwok work dir " + workDir, e);
    }
    Path kubeconfig = workDir.resolve("kubeconfig");
    Map<String, String> env = env(workDir);
    // A cluster left over by a killed run would make "create" fail; remove it first.
    Processes.run(
        List.of(binaries.get("kwokctl").toString(), "--name", name, "delete", "cluster"),
        env,
        Duration.ofMinutes(1));
    Processes.run(
            List.of(
                binaries.get("kwokctl").toString(),
                "--name",
                name,
                "create",
                "cluster",
                "--runtime",
                "binary",
                "--kubeconfig",
                kubeconfig.toString(),
                "--wait",
                "2m",
                "--timeout",
                "3m"),
            env,
            CREATE_TIMEOUT.plusSeconds(30))
        .orThrow();
    return new KwokCluster(binaries, name, workDir, kubeconfig);
  }

  static String kwokctlConfig(ControlPlaneBinaries b) {
    return """
    kind: KwokctlConfiguration
    apiVersion: config.kwok.x-k8s.io/v1alpha1
    options:
      runtime: binary
      bindAddress: 127.0.0.1
      kubeVersion: v%s
      kubeApiserverBinary: %s
      kubeControllerManagerBinary: %s
      kubeSchedulerBinary: %s
      kubectlBinary: %s
      etcdBinary: %s
      kwokControllerBinary: %s
      quietPull: true
    """
        .formatted(
            b.kubernetesVersion(),
            b.get("kube-apiserver"),
            b.get("kube-controller-manager"),
            b.get("kube-scheduler"),
            b.get("kubectl"),
            b.get("etcd"),
            b.get("kwok"));
  }

  private static Map<String, String> env(Path workDir) {
    return Map.of("KWOK_WORKDIR", workDir.toString());
  }

  @Override
  public String description() {
    return "kwokctl --runtime binary (Kubernetes v"
        + binaries.kubernetesVersion()
        + ", binaries from "
        + binaries.dir()
        + ")";
  }

  @Override
  public Path kubeconfig() {
    return kubeconfig;
  }

  @Override
  public KubernetesClient client() {
    return client;
  }

  @Override
  public CommandResult kubectl(String... args) {
    List<String> command = new ArrayList<>();
    command.add(binaries.get("kubectl").toString());
    command.add("--kubeconfig=" + kubeconfig);
    command.addAll(List.of(args));
    return Processes.run(command, Map.of(), Duration.ofMinutes(1));
  }

  @Override
  public CommandResult apply(Path manifest, String namespace) {
    return kubectl(
        "apply",
        "--server-side",
        "--field-manager=gearbox-e2e",
        "--validate=strict",
        "-n",
        namespace,
        "-f",
        manifest.toString());
  }

  @Override
  public void close() {
    client.close();
    // Stops every process of the cluster and removes its files.
    Processes.run(
        List.of(binaries.get("kwokctl").toString(), "--name", name, "delete", "cluster"),
        env(workDir),
        Duration.ofMinutes(1));
  }

  private static String readString(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read kubeconfig " + file, e);
    }
  }
}
