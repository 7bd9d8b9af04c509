package dev.gearbox.routing.policy;

/**
 * The placement chosen for one request and why; both go back to the client as {@code
 * x-gearbox-placement} and {@code x-gearbox-reason}.
 *
 * @param placement the placement name
 * @param reason {@code explicit}, {@code rule:<n>} (0-based rule index), {@code kv-pressure} or
 *     {@code default}
 */
public record Selection(String placement, String reason) {

  /** Reason for a placement named by the client. */
  public static final String EXPLICIT = "explicit";

  /** Reason for the default placement. */
  public static final String DEFAULT = "default";

  /** Reason for a KV-pressure gear shift. */
  public static final String KV_PRESSURE = "kv-pressure";
}
