package dev.gearbox.e2e.cluster;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives every e2e class the same {@link GearboxCluster}, started on first use and stopped
 * when the test run ends; skips the suite only where it may (no cluster possible, CI unset).
 */
public final class ClusterExtension implements BeforeAllCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(ClusterExtension.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    cluster(context);
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
      Assumptions.abort(unavailable.getMessage());
    } else if (failure instanceof RuntimeException earlier) {
      throw new IllegalStateException("the e2e cluster failed to start earlier", earlier);
    }
    try {
      return store.getOrComputeIfAbsent(
          GearboxCluster.class, key -> GearboxCluster.start(), GearboxCluster.class);
    } catch (ClusterChoice.Unavailable unavailable) {
      store.put("failure", unavailable);
      Assumptions.abort(unavailable.getMessage());
      throw unavailable;
    } catch (RuntimeException e) {
      store.put("failure", e);
      throw e;
    }
  }
}
