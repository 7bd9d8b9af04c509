package dev.gearbox.e2e.cluster;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives every e2e class the same {@link GearboxCluster}, started on first use and stopped when the
 * test run ends; skips the suite only where it may (no cluster possible, CI unset).
 */
public final class ClusterExtension implements ExecutionCondition, ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(ClusterExtension.class);

  /** Runs before the test class is even instantiated, so a skip is a clean skip. */
  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    try {
      cluster(context);
      return ConditionEvaluationResult.enabled(
          "cluster: " + cluster(context).cluster().description());
    } catch (ClusterChoice.Unavailable unavailable) {
      return ConditionEvaluationResult.disabled(unavailable.getMessage());
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == GearboxCluster.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return cluster(context);
  }

  private static GearboxCluster cluster(ExtensionContext context) {
    ExtensionContext.Store store = context.getRoot().getStore(NAMESPACE);
    Object failure = store.get("failure");
    if (failure instanceof ClusterChoice.Unavailable unavailable) {
      throw unavailable;
    } else if (failure instanceof RuntimeException earlier) {
      throw new IllegalStateException("the e2e cluster failed to start earlier", earlier);
    }
    try {
      return store.getOrComputeIfAbsent(
          GearboxCluster.class, key -> GearboxCluster.start(), GearboxCluster.class);
    } catch (RuntimeException e) {
      store.put("failure", e);
      throw e;
    }
  }
}
