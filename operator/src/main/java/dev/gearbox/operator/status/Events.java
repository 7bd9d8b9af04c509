package dev.gearbox.operator.status;

import dev.gearbox.crds.HybridModel;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** Records Kubernetes Events on a HybridModel, so {@code kubectl describe} explains rejections. */
public final class Events {
  public static final String COMPONENT = "gearbox-operator";

  private Events() {}

  /** Records a Warning event; called once per transition, never per retry. */
  public static void warn(
      KubernetesClient client, HybridModel model, String reason, String message, Instant now) {
    record(client, model, "Warning", reason, message, now);
  }

  /** Records a Normal event (a scale, an SLO met again); once per transition. */
  public static void normal(
      KubernetesClient client, HybridModel model, String reason, String message, Instant now) {
    record(client, model, "Normal", reason, message, now);
  }

  private static void record(
      KubernetesClient client,
      HybridModel model,
      String type,
      String reason,
      String message,
      Instant now) {
    String time = DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS));
    client
        .v1()
        .events()
        .inNamespace(model.getMetadata().getNamespace())
        .resource(
            new EventBuilder()
                .withNewMetadata()
                .withGenerateName(model.getMetadata().getName() + ".")
                .withNamespace(model.getMetadata().getNamespace())
                .endMetadata()
                .withInvolvedObject(
                    new ObjectReferenceBuilder()
                        .withApiVersion(model.getApiVersion())
                        .withKind(model.getKind())
                        .withName(model.getMetadata().getName())
                        .withNamespace(model.getMetadata().getNamespace())
                        .withUid(model.getMetadata().getUid())
                        .withResourceVersion(model.getMetadata().getResourceVersion())
                        .build())
                .withType(type)
                .withReason(reason)
                .withMessage(message)
                .withNewSource(COMPONENT, null)
                .withReportingComponent(COMPONENT)
                .withFirstTimestamp(time)
                .withLastTimestamp(time)
                .withCount(1)
                .build())
        .create();
  }
}
