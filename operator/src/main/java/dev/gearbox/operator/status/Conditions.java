package dev.gearbox.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Builds status conditions so that {@code lastTransitionTime} moves only when a condition's status
 * really flips, which is what {@code kubectl wait} and alerting rely on.
 */
public final class Conditions {
  public static final String READY = "Ready";
  public static final String PROGRESSING = "Progressing";
  public static final String DEGRADED = "Degraded";
  public static final String SLO_MET = "SloMet";

  private Conditions() {}

  /** The condition {@code type} as it should be now, given the previous list. */
  public static Condition next(
      List<Condition> previous,
      String type,
      boolean status,
      String reason,
      String message,
      long generation,
      Instant now) {
    return next(previous, type, status ? "True" : "False", reason, message, generation, now);
  }

  /** As {@link #next(List, String, boolean, String, String, long, Instant)}, for "Unknown" too. */
  public static Condition next(
      List<Condition> previous,
      String type,
      String value,
      String reason,
      String message,
      long generation,
      Instant now) {
    String transition = DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS));
    if (previous != null) {
      for (Condition old : previous) {
        if (old.getType().equals(type) && value.equals(old.getStatus())) {
          transition = old.getLastTransitionTime();
          break;
        }
      }
    }
    return new ConditionBuilder()
        .withType(type)
        .withStatus(value)
        .withReason(reason)
        .withMessage(message)
        .withObservedGeneration(generation)
        .withLastTransitionTime(transition)
        .build();
  }

  /** True when {@code conditions} holds {@code type} with status True. */
  public static boolean isTrue(List<Condition> conditions, String type) {
    if (conditions == null) {
      return false;
    }
    for (Condition c : conditions) {
      if (c.getType().equals(type)) {
        return "True".equals(c.getStatus());
      }
    }
    return false;
  }

  /** The condition {@code type} in {@code conditions}, or null. */
  public static Condition find(List<Condition> conditions, String type) {
    if (conditions != null) {
      for (Condition c : conditions) {
        if (c.getType().equals(type)) {
          return c;
        }
      }
    }
    return null;
  }
}
