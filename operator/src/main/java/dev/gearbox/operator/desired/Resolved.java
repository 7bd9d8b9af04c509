package dev.gearbox.operator.desired;

import dev.gearbox.crds.HybridModel;
import dev.gearbox.operator.spec.ResolvedSpec;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/** Hands the reconciler's resolved spec to the dependents of the same reconciliation. */
public final class Resolved {
  private static final String KEY = "gearbox.resolvedSpec";

  private Resolved() {}

  /** Stores {@code spec} for the dependents; called before the workflow runs. */
  public static void put(Context<HybridModel> context, ResolvedSpec spec) {
    context.managedWorkflowAndDependentResourceContext().put(KEY, spec);
  }

  /** The spec stored by {@link #put}; the workflow only runs after it. */
  public static ResolvedSpec of(Context<HybridModel> context) {
    return context
        .managedWorkflowAndDependentResourceContext()
        .getMandatory(KEY, ResolvedSpec.class);
  }
}
