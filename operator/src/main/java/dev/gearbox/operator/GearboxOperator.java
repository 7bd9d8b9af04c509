package dev.gearbox.operator;

import io.javaoperatorsdk.operator.Operator;

/** Entry point of the operator process: registers the reconciler and serves until stopped. */
public final class GearboxOperator {
  private GearboxOperator() {}

  public static void main(String[] args) {
    Operator operator = new Operator();
    operator.register(new HybridModelReconciler());
    operator.installShutdownHook(java.time.Duration.ofSeconds(10));
    operator.start();
  }
}
