package dev.gearbox.crds;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** Container images of the serving pod. */
@ValidationRule(
    value = "self.pullPolicy in ['Always', 'IfNotPresent', 'Never']",
    message = "images.pullPolicy must be Always, IfNotPresent or Never")
public class ImagesSpec {
  public static final String DEFAULT_RUNTIME = "ghcr.io/gearbox-dev/gearbox-runtime:0.1.0";
  public static final String DEFAULT_ROUTER = "ghcr.io/gearbox-dev/gearbox-routing:0.1.0";

  @Default(DEFAULT_RUNTIME)
  @Size(min = 1, max = 512)
  @JsonPropertyDescription("Model server image.")
  private String runtime = DEFAULT_RUNTIME;

  @Default(DEFAULT_ROUTER)
  @Size(min = 1, max = 512)
  @JsonPropertyDescription("Routing sidecar image.")
  private String router = DEFAULT_ROUTER;

  @Default("IfNotPresent")
  @Size(max = 16)
  @JsonPropertyDescription("Image pull policy of both containers.")
  private String pullPolicy = "IfNotPresent";

  public String getRuntime() {
    return runtime;
  }

  public void setRuntime(String runtime) {
    this.runtime = runtime;
  }

  public String getRouter() {
    return router;
  }

  public void setRouter(String router) {
    this.router = router;
  }

  public String getPullPolicy() {
    return pullPolicy;
  }

  public void setPullPolicy(String pullPolicy) {
    this.pullPolicy = pullPolicy;
  }
}
