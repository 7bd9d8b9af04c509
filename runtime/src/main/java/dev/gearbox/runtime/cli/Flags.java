package dev.gearbox.runtime.cli;

import java.util.Locale;

/**
 * Parses command-line flag values with errors that name the flag and what it expects; shared by
 * every Gearbox command (generate, serve, search, the router's local mode).
 */
public final class Flags {
  private Flags() {}

  /** A whole number of at least 1. */
  public static int positiveInt(String flag, String value) {
    long n = longValue(flag, value);
    if (n < 1 || n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(flag + " must be >= 1, got " + value);
    }
    return (int) n;
  }

  /** A whole number of at least 0. */
  public static int nonNegativeInt(String flag, String value) {
    long n = longValue(flag, value);
    if (n < 0 || n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(flag + " must be >= 0, got " + value);
    }
    return (int) n;
  }

  /** Any {@code int}. */
  public static int intValue(String flag, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " expects an integer, got '" + value + "'");
    }
  }

  /** Any {@code long}. */
  public static long longValue(String flag, String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " expects an integer, got '" + value + "'");
    }
  }

  /** {@code true}/{@code false} (also {@code on}/{@code off}). */
  public static boolean bool(String flag, String value) {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "true", "on" -> true;
      case "false", "off" -> false;
      default ->
          throw new IllegalArgumentException(flag + " expects true or false, got '" + value + "'");
    };
  }

  /** Any {@code float}. */
  public static float number(String flag, String value) {
    try {
      return Float.parseFloat(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " expects a number, got '" + value + "'");
    }
  }

  /** Parses {@code 123}, {@code 64k}, {@code 512m}, {@code 2g} (powers of 1024). */
  public static long bytes(String flag, String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    long unit =
        switch (v.isEmpty() ? ' ' : v.charAt(v.length() - 1)) {
          case 'k' -> 1L << 10;
          case 'm' -> 1L << 20;
          case 'g' -> 1L << 30;
          default -> 1;
        };
    try {
      long n = Long.parseLong(unit > 1 ? v.substring(0, v.length() - 1) : v);
      if (n <= 0) {
        throw new NumberFormatException();
      }
      return Math.multiplyExact(n, unit);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException(
          flag + " expects a positive byte count such as 2g or 536870912, got '" + value + "'");
    }
  }
}
