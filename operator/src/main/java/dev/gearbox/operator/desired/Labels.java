package dev.gearbox.operator.desired;

import dev.gearbox.crds.HybridModel;
import java.util.LinkedHashMap;
import java.util.Map;

/** Names and labels of the resources one HybridModel owns. */
public final class Labels {
  public static final String NAME = "app.kubernetes.io/name";
  public static final String INSTANCE = "app.kubernetes.io/instance";
  public static final String COMPONENT = "app.kubernetes.io/component";
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";

  /**
   * Informer selector of the owned resources: the operator caches only what it made, not every
   * ConfigMap and Deployment of the cluster.
   */
  public static final String MANAGED_SELECTOR = MANAGED_BY + "=gearbox-operator";

  /** Pod-template annotation whose change rolls the pods when the ConfigMap changes. */
  public static final String CONFIG_HASH = "gearbox.dev/config-hash";

  private Labels() {}

  /** Labels that select this model's serving pods; never change, Deployments forbid it. */
  public static Map<String, String> selector(HybridModel model) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(NAME, "gearbox");
    labels.put(INSTANCE, model.getMetadata().getName());
    return labels;
  }

  /** Labels on every owned resource. */
  public static Map<String, String> common(HybridModel model) {
    Map<String, String> labels = selector(model);
    labels.put(COMPONENT, "serving");
    labels.put(MANAGED_BY, "gearbox-operator");
    return labels;
  }

  /** The selector as the string form the /scale subresource reports. */
  public static String selectorString(HybridModel model) {
    StringBuilder out = new StringBuilder();
    selector(model)
        .forEach((k, v) -> out.append(out.isEmpty() ? "" : ",").append(k).append('=').append(v));
    return out.toString();
  }

  public static String configMapName(HybridModel model) {
    return model.getMetadata().getName() + "-config";
  }

  public static String deploymentName(HybridModel model) {
    return model.getMetadata().getName();
  }
}
