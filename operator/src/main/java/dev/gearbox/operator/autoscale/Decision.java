package dev.gearbox.operator.autoscale;

/**
 * What the autoscaler wants after one round.
 *
 * @param desired replicas wanted now (equal to the current count when nothing changes)
 * @param reason why, in words, for status.scaling.reason
 */
public record Decision(int desired, String reason) {
  /** True when {@code desired} differs from {@code current}. */
  public boolean changes(int current) {
    return desired != current;
  }
}
