package dev.gearbox.crds;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;

/** Pod-level settings a cluster admin needs and the operator has no opinion about. */
public class OverridesSpec {
  @JsonPropertyDescription("Extra labels on serving pods (operator labels win on conflict).")
  private Map<String, String> podLabels;

  @JsonPropertyDescription("Extra annotations on serving pods.")
  private Map<String, String> podAnnotations;

  @JsonPropertyDescription("Node selector of serving pods, e.g. a GPU product label.")
  private Map<String, String> nodeSelector;

  @JsonPropertyDescription("Tolerations of serving pods, e.g. for tainted GPU nodes.")
  private List<Toleration> tolerations;

  @Size(max = 253)
  @JsonPropertyDescription("PriorityClass of serving pods.")
  private String priorityClassName;

  @Size(max = 253)
  @JsonPropertyDescription("ServiceAccount of serving pods; the namespace default when empty.")
  private String serviceAccountName;

  public Map<String, String> getPodLabels() {
    return podLabels;
  }

  public void setPodLabels(Map<String, String> podLabels) {
    this.podLabels = podLabels;
  }

  public Map<String, String> getPodAnnotations() {
    return podAnnotations;
  }

  public void setPodAnnotations(Map<String, String> podAnnotations) {
    this.podAnnotations = podAnnotations;
  }

  public Map<String, String> getNodeSelector() {
    return nodeSelector;
  }

  public void setNodeSelector(Map<String, String> nodeSelector) {
    this.nodeSelector = nodeSelector;
  }

  public List<Toleration> getTolerations() {
    return tolerations;
  }

  public void setTolerations(List<Toleration> tolerations) {
    this.tolerations = tolerations;
  }

  public String getPriorityClassName() {
    return priorityClassName;
  }

  public void setPriorityClassName(String priorityClassName) {
    this.priorityClassName = priorityClassName;
  }

  public String getServiceAccountName() {
    return serviceAccountName;
  }

  public void setServiceAccountName(String serviceAccountName) {
    this.serviceAccountName = serviceAccountName;
  }
}
