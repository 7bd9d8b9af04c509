package dev.gearbox.e2e.cluster;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;

/** A running Kubernetes cluster the e2e suite installs into: local processes or K3s. */
public interface TestCluster extends AutoCloseable {

  /** One line for logs and skip messages: what runs where. */
  String description();

  /** A kubeconfig file with cluster-admin rights. */
  Path kubeconfig();

  /** A client with cluster-admin rights. */
  KubernetesClient client();

  /** Runs kubectl against the cluster with cluster-admin rights and returns its result. */
  CommandResult kubectl(String... args);

  /**
   * {@code kubectl apply --server-side --validate=strict -n namespace -f manifest}: the API server
   * rejects unknown or misspelt fields instead of silently dropping them.
   */
  CommandResult apply(Path manifest, String namespace);

  @Override
  void close();
}
