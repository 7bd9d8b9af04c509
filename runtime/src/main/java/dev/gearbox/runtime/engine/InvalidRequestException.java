package dev.gearbox.runtime.engine;

/** A request the engine will never serve as given; the message names the field and the rule. */
public final class InvalidRequestException extends IllegalArgumentException {
  public InvalidRequestException(String message) {
    super(message);
  }
}
