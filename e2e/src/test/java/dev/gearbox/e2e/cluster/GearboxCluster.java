package dev.gearbox.e2e.cluster;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import dev.gearbox.e2e.RepoPaths;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One cluster for the whole suite, set up as a user would: fake GPU nodes, the chart installed with
 * Helm, and the operator running with the chart's identity and environment.
 */
public final class GearboxCluster implements AutoCloseable {
  public static final String RELEASE = "gearbox";
  public static final String RELEASE_NAMESPACE = "gearbox-system";

  /** The names the chart gives its objects for release "gearbox" (fullname = release). */
  public static final String OPERATOR_DEPLOYMENT = "gearbox-operator";

  public static final String SERVICE_ACCOUNT = "gearbox";

  private final TestCluster cluster;
  private final List<String> gpuNodes;
  private final Release release;
  private final OperatorProcess operator;

  private GearboxCluster(
      TestCluster cluster, List<String> gpuNodes, Release release, OperatorProcess operator) {
    this.cluster = cluster;
    this.gpuNodes = gpuNodes;
    this.release = release;
    this.operator = operator;
  }

  public static GearboxCluster start() {
    Path workDir = RepoPaths.root().resolve("e2e/target/e2e");
    long started = System.nanoTime();
    TestCluster cluster = ClusterChoice.start(workDir.resolve("cluster"));
    try {
      System.out.printf(
          "[e2e] cluster up in %ds: %s%n",
          (System.nanoTime() - started) / 1_000_000_000, cluster.description());
      List<String> gpuNodes = FakeGpuNodes.register(cluster.client());
      Release release =
          new Helm(RepoPaths.chart())
              .install()
              .withName(RELEASE)
              .withNamespace(RELEASE_NAMESPACE)
              .createNamespace()
              .withKubeConfig(cluster.kubeconfig())
              .call();
      Map<String, String> env = operatorEnv(cluster.client());
      OperatorProcess operator =
          OperatorProcess.start(
              cluster.kubeconfig(),
              RELEASE_NAMESPACE + ":" + SERVICE_ACCOUNT,
              env,
              workDir.resolve("operator.log"));
      System.out.printf(
          "[e2e] chart %s installed, operator started (log %s)%n",
          release.getChart(), operator.log());
      return new GearboxCluster(cluster, gpuNodes, release, operator);
    } catch (RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
  }

  /** The environment of the operator container as installed, with the downward API resolved. */
  private static Map<String, String> operatorEnv(KubernetesClient client) {
    Deployment deployment =
        client
            .apps()
            .deployments()
            .inNamespace(RELEASE_NAMESPACE)
            .withName(OPERATOR_DEPLOYMENT)
            .get();
    if (deployment == null) {
      throw new IllegalStateException(
          "the chart did not create Deployment " + RELEASE_NAMESPACE + "/" + OPERATOR_DEPLOYMENT);
    }
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvVar var :
        deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()) {
      if (var.getValue() != null) {
        env.put(var.getName(), var.getValue());
      } else if (var.getValueFrom() != null
          && var.getValueFrom().getFieldRef() != null
          && "metadata.namespace".equals(var.getValueFrom().getFieldRef().getFieldPath())) {
        env.put(var.getName(), RELEASE_NAMESPACE);
      }
    }
    return env;
  }

  public TestCluster cluster() {
    return cluster;
  }

  public KubernetesClient client() {
    return cluster.client();
  }

  public List<String> gpuNodes() {
    return gpuNodes;
  }

  public Release release() {
    return release;
  }

  public OperatorProcess operator() {
    return operator;
  }

  /** Waits for {@code check} to return null, failing early if the operator has died. */
  public void await(String what, Duration timeout, Supplier<String> check) {
    try {
      Await.until(what, timeout, operator::assertAlive, check);
    } catch (AssertionError e) {
      throw new AssertionError(
          e.getMessage() + "\n--- operator log tail ---\n" + operator.logTail(40), e);
    }
  }

  @Override
  public void close() {
    try {
      operator.close();
    } finally {
      cluster.close();
    }
  }
}
