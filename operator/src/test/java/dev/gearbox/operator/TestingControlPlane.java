package dev.gearbox.operator;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One real kube-apiserver + etcd per test JVM (fabric8 kube-api-test, binaries from
 * .ci/control-plane.sh), plus an optional kube-controller-manager running only the garbage
 * collector, so owner-reference deletion happens as in a real cluster.
 *
 * <p>Deployments get no pods here (no deployment controller, scheduler or kubelet); tests that need
 * ready pods write the Deployment status themselves, like a kubelet would.
 */
final class TestingControlPlane {
  static final String VERSION = System.getProperty("gearbox.k8s.version", "1.34.4");

  private static TestingControlPlane instance;

  private final KubeAPIServer apiServer;
  private final String kubeconfig;
  private Process controllerManager;

  private TestingControlPlane() {
    Path layout =
        Path.of(System.getProperty("user.home"), ".kubeapitest", "k8s", VERSION + "-linux-amd64");
    for (String binary : List.of("kube-apiserver", "etcd", "kubectl")) {
      if (!Files.isExecutable(layout.resolve(binary))) {
        throw new IllegalStateException(
            layout.resolve(binary)
                + " is missing: run .ci/control-plane.sh to build the control"
                + " plane (cached under ~/.cache/gearbox/k8s)");
      }
    }
    apiServer =
        new KubeAPIServer(
            KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withApiServerVersion(VERSION)
                // The KUBE_API_TEST_OFFLINE_MODE variable is broken in released versions
                // (String cast to Boolean); the builder form works.
                .withOfflineMode(true)
                .build());
    apiServer.start();
    kubeconfig = apiServer.getKubeConfigYaml();
    Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "control-plane-stop"));
  }

  /** The shared control plane, started on first use. */
  static synchronized TestingControlPlane get() {
    if (instance == null) {
      instance = new TestingControlPlane();
    }
    return instance;
  }

  /** A new cluster-admin client. */
  KubernetesClient adminClient() {
    return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfig)).build();
  }

  /** A client that acts as {@code serviceAccount} in {@code namespace}, limited by its RBAC. */
  KubernetesClient clientAs(String namespace, String serviceAccount) {
    Config config = Config.fromKubeconfig(kubeconfig);
    config.setImpersonateUsername("system:serviceaccount:" + namespace + ":" + serviceAccount);
    config.setImpersonateGroups("system:serviceaccounts", "system:serviceaccounts:" + namespace);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** Runs kubectl against this API server and returns its output; fails on a non-zero exit. */
  String kubectl(String... args) throws IOException, InterruptedException {
    Path config = Files.createTempFile("gearbox-kubectl", ".kubeconfig");
    Files.writeString(config, kubeconfig);
    List<String> command = new java.util.ArrayList<>();
    command.add(binDir().resolve("kubectl").toString());
    command.add("--kubeconfig=" + config);
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("kubectl " + String.join(" ", args) + " failed: " + out);
    }
    return out;
  }

  /** Starts kube-controller-manager with the garbage collector, once. */
  synchronized void startGarbageCollector() throws IOException {
    if (controllerManager != null) {
      return;
    }
    Path binary = binDir().resolve("kube-controller-manager");
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException(binary + " is missing: run .ci/control-plane.sh first");
    }
    Path config = Files.createTempFile("gearbox-kcm", ".kubeconfig");
    Files.writeString(config, kubeconfig);
    Path log = Files.createTempFile("gearbox-kcm", ".log");
    controllerManager =
        new ProcessBuilder(
                List.of(
                    binary.toString(),
                    "--kubeconfig=" + config,
                    "--controllers=garbagecollector",
                    "--leader-elect=false",
                    "--secure-port=0"))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
  }

  static Path binDir() {
    String dir = System.getProperty("gearbox.k8s.bin");
    if (dir != null) {
      return Path.of(dir);
    }
    return Path.of(System.getProperty("user.home"), ".cache", "gearbox", "k8s", VERSION, "bin");
  }

  private void stop() {
    if (controllerManager != null) {
      controllerManager.destroy();
      try {
        controllerManager.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    apiServer.stop();
  }
}
