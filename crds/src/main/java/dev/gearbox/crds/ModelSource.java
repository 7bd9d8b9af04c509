package dev.gearbox.crds;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** Where the checkpoint lives and, optionally, its shape (the operator never reads weights). */
public class ModelSource {
  @Required
  @Size(max = 512)
  @Pattern("^(pvc://[a-z0-9]([-a-z0-9]*[a-z0-9])?(/.*)?|file:///.+|image://.+)$")
  @JsonPropertyDescription(
      "Checkpoint location: pvc://<claim>[/<path>], file:///<node path> (hostPath) or"
          + " image://<image reference> (a directory /model inside that image).")
  private String uri;

  @JsonPropertyDescription(
      "Model shape; when given, status reports KV bytes per token for each placement.")
  private ModelShape shape;

  public String getUri() {
    return uri;
  }

  public void setUri(String uri) {
    this.uri = uri;
  }

  public ModelShape getShape() {
    return shape;
  }

  public void setShape(ModelShape shape) {
    this.shape = shape;
  }
}
