package dev.gearbox.operator;

import dev.gearbox.crds.HybridModel;
import dev.gearbox.crds.PlacementSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;

/** Opens the package-private test helpers of this package to the rollout tests. */
public final class TestingRollouts {
  private TestingRollouts() {}

  public static KubernetesClient adminClient() {
    return TestingControlPlane.get().adminClient();
  }

  public static void applyCrd(KubernetesClient client) throws IOException {
    TestingModels.applyCrd(client);
  }

  public static HybridModel model(String name) {
    return TestingModels.apriel(name);
  }

  public static PlacementSpec placement(String name, String layers) {
    return TestingModels.placement(name, layers);
  }

  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
