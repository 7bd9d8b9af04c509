package dev.gearbox.operator;

import dev.gearbox.operator.process.OperatorEndpoints;
import dev.gearbox.operator.process.OperatorSettings;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;

/** Entry point of the operator process: settings from the environment, metrics, probes. */
public final class GearboxOperator {
  private GearboxOperator() {}

  public static void main(String[] args) throws Exception {
    OperatorSettings settings = OperatorSettings.from(System.getenv());
    // Before the first logger is created, or slf4j-simple ignores it.
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", settings.logLevel());

    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Operator operator =
        new Operator(
            o -> {
              o.withMetrics(MicrometerMetrics.withoutPerResourceMetrics(registry));
              if (settings.leaderElection()) {
                o.withLeaderElectionConfiguration(
                    new LeaderElectionConfiguration(
                        OperatorSettings.LEASE_NAME, settings.leaseNamespace()));
              }
            });
    operator.register(
        new HybridModelReconciler(),
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
    Runtime.getRuntime().addShutdownHook(new Thread(endpoints::close, "endpoints-stop"));
    operator.installShutdownHook(Duration.ofSeconds(10));
    operator.start();
  }
}
