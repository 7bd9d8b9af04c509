package dev.gearbox.e2e.cluster;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * K3s in a container (Testcontainers), used instead of {@link KwokCluster} where a Docker engine is
 * reachable. A kwok controller container next to it fakes the GPU nodes, exactly as in the
 * local-process cluster, so the same tests hold on both.
 */
public final class K3sCluster implements TestCluster {
  static final DockerImageName K3S = DockerImageName.parse("rancher/k3s:v1.34.4-k3s1");
  static final DockerImageName KWOK = DockerImageName.parse("registry.k8s.io/kwok/kwok:v0.7.0");
  private static final String K3S_ALIAS = "k3s";

  private final Network network;
  private final K3sContainer k3s;
  private final GenericContainer<?> kwok;
  private final Path kubeconfig;
  private final KubernetesClient client;

  private K3sCluster(Network network, K3sContainer k3s, GenericContainer<?> kwok, Path kubeconfig) {
    this.network = network;
    this.k3s = k3s;
    this.kwok = kwok;
    this.kubeconfig = kubeconfig;
    this.client =
        new KubernetesClientBuilder()
            .withConfig(Config.fromKubeconfig(k3s.getKubeConfigYaml()))
            .build();
  }

  public static K3sCluster start(Path workDir) {
    Network network = Network.newNetwork();
    K3sContainer k3s = new K3sContainer(K3S);
    k3s.withNetwork(network).withNetworkAliases(K3S_ALIAS);
    k3s.start();
    GenericContainer<?> kwok =
        new GenericContainer<>(KWOK)
            .withNetwork(network)
            .withCopyToContainer(
                Transferable.of(k3s.generateInternalKubeConfigYaml(K3S_ALIAS)), "/kubeconfig")
            .withCommand(
                "--kubeconfig=/kubeconfig",
                "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
                "--node-lease-duration-seconds=40")
            .waitingFor(Wait.forLogMessage(".*Watch nodes.*\\n", 1));
    kwok.start();
    try {
      Files.createDirectories(workDir);
      Path kubeconfig = workDir.resolve("kubeconfig");
      Files.writeString(kubeconfig, k3s.getKubeConfigYaml());
      return new K3sCluster(network, k3s, kwok, kubeconfig);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the K3s kubeconfig under " + workDir, e);
    }
  }

  @Override
  public String description() {
    return "Testcontainers K3s " + K3S.getVersionPart() + " + kwok " + KWOK.getVersionPart();
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
    List<String> command = new ArrayList<>(List.of("kubectl"));
    command.addAll(List.of(args));
    try {
      var result = k3s.execInContainer(command.toArray(String[]::new));
      return new CommandResult(
          String.join(" ", command), result.getExitCode(), result.getStdout(), result.getStderr());
    } catch (IOException e) {
      throw new UncheckedIOException("kubectl in the K3s container failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running kubectl in K3s", e);
    }
  }

  @Override
  public CommandResult apply(Path manifest, String namespace) {
    // kubectl runs inside the container, so the manifest goes there first.
    String inContainer = "/tmp/" + manifest.getFileName();
    k3s.copyFileToContainer(MountableFile.forHostPath(manifest), inContainer);
    return kubectl(
        "apply",
        "--server-side",
        "--field-manager=gearbox-e2e",
        "--validate=strict",
        "-n",
        namespace,
        "-f",
        inContainer);
  }

  @Override
  public void close() {
    client.close();
    kwok.stop();
    k3s.stop();
    network.close();
  }
}
