package dev.gearbox.runtime.cli;

/** Parses command-line flag values with errors that name the flag and what it expects. */
final class Flags {
  private Flags() {}

  static int positiveInt(String flag, String value) {
    int n = intValue(flag, value);
    if (n < 1) {
      throw new IllegalArgumentException(flag + " must be >= 1, got " + value);
    }
    return n;
  }

  static int nonNegativeInt(String flag, String value) {
    int n = intValue(flag, value);
    if (n < 0) {
      throw new IllegalArgumentException(flag + " must be >= 0, got " + value);
    }
    return n;
  }

  static int intValue(String flag, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " expects an integer, got '" + value + "'");
    }
  }

  static long longValue(String flag, String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " expects an integer, got '" + value + "'");
    }
  }

  static float number(String flag, String value) {
    try {
      return Float.parseFloat(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " expects a number, got '" + value + "'");
    }
  }
}
