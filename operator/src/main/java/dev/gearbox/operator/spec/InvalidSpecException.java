package dev.gearbox.operator.spec;

/**
 * A spec the schema accepted but the operator cannot honour; becomes a Degraded condition and a
 * Warning event instead of a retry.
 */
public final class InvalidSpecException extends Exception {
  private final String field;

  public InvalidSpecException(String field, String message) {
    super(field + ": " + message);
    this.field = field;
  }

  /** JSON path of the offending field, e.g. {@code spec.placements[1].layers}. */
  public String field() {
    return field;
  }
}
