package dev.gearbox.operator;

import dev.gearbox.operator.autoscale.ClosedLoop;
import dev.gearbox.operator.observe.LoadObserver;
import dev.gearbox.operator.observe.ObservedCanaryMetrics;
import dev.gearbox.operator.process.OperatorEndpoints;
import dev.gearbox.operator.process.OperatorSettings;
import dev.gearbox.operator.rollout.RolloutController;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Clock;

/** Entry point of the operator process: settings from the environment, metrics, probes. */
public final class GearboxOperator implements AutoCloseable {
  private final Operator operator;
  private final OperatorEndpoints endpoints;
  private final ClosedLoop loop;

  private GearboxOperator(Operator operator, OperatorEndpoints endpoints, ClosedLoop loop) {
    this.operator = operator;
    this.endpoints = endpoints;
    this.loop = loop;
  }

  public static void main(String[] args) throws IOException {
    OperatorSettings settings = OperatorSettings.from(System.getenv());
    // Before the first logger is created, or slf4j-simple ignores it.
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", settings.logLevel());
    GearboxOperator running = start(settings, new KubernetesClientBuilder().build());
    Runtime.getRuntime().addShutdownHook(new Thread(running::close, "gearbox-operator-stop"));
  }

  /** Starts reconciling and serving the endpoints; returns once started. */
  public static GearboxOperator start(OperatorSettings settings, KubernetesClient client)
      throws IOException {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Operator operator =
        new Operator(
            o -> {
              o.withKubernetesClient(client)
                  .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(registry));
              if (settings.leaderElection()) {
                o.withLeaderElectionConfiguration(
                    new LeaderElectionConfiguration(
                        OperatorSettings.LEASE_NAME, settings.leaseNamespace()));
              }
            });
    LoadObserver observer = LoadObserver.inCluster();
    ClosedLoop loop = new ClosedLoop(observer);
    operator.register(
        new HybridModelReconciler(
            Clock.systemUTC(),
            loop,
            RolloutController.inCluster(new ObservedCanaryMetrics(observer))),
        c -> {
          if (!settings.watchNamespaces().isEmpty()) {
            c.settingNamespaces(settings.watchNamespaces());
          }
        });
    OperatorEndpoints endpoints =
        OperatorEndpoints.start(
            settings.healthPort(),
            settings.metricsPort(),
            () ->
                operator.getRuntimeInfo().isStarted()
                    && operator.getRuntimeInfo().allEventSourcesAreHealthy(),
            registry::scrape);
    operator.start();
    return new GearboxOperator(operator, endpoints, loop);
  }

  public OperatorEndpoints endpoints() {
    return endpoints;
  }

  @Override
  public void close() {
    endpoints.close();
    operator.stop();
    loop.close();
  }
}
