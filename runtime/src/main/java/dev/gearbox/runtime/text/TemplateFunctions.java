package dev.gearbox.runtime.text;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * The global functions HF gives chat templates: {@code raise_exception} and {@code strftime_now}.
 */
final class TemplateFunctions {
  private static final String RAISED = "raise_exception: ";

  /** Context variable holding the render's clock: Jinjava functions are static methods. */
  static final String CLOCK_VARIABLE = "__gearbox_clock";

  private TemplateFunctions() {}

  static void register(Jinjava jinjava) {
    jinjava.getGlobalContext().registerFilter(new PythonJsonFilter());
    jinjava
        .getGlobalContext()
        .registerFunction(
            new ELFunctionDefinition(
                "", "raise_exception", TemplateFunctions.class, "raiseException", String.class));
    jinjava
        .getGlobalContext()
        .registerFunction(
            new ELFunctionDefinition(
                "", "strftime_now", TemplateFunctions.class, "strftimeNow", String.class));
  }

  /** Template-called: aborts rendering with the template's own message. */
  public static String raiseException(String message) {
    throw new IllegalArgumentException(RAISED + message);
  }

  /** Template-called: the current time in Python {@code strftime} format. */
  public static String strftimeNow(String format) {
    JinjavaInterpreter interpreter = JinjavaInterpreter.getCurrent();
    Object clock = interpreter == null ? null : interpreter.getContext().get(CLOCK_VARIABLE);
    return strftime(
        LocalDateTime.now(clock instanceof Clock c ? c : Clock.systemDefaultZone()), format);
  }

  static String strftime(LocalDateTime t, String format) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < format.length(); i++) {
      char c = format.charAt(i);
      if (c != '%' || i + 1 == format.length()) {
        out.append(c);
        continue;
      }
      char f = format.charAt(++i);
      switch (f) {
        case 'd' -> out.append(String.format("%02d", t.getDayOfMonth()));
        case 'm' -> out.append(String.format("%02d", t.getMonthValue()));
        case 'Y' -> out.append(t.getYear());
        case 'y' -> out.append(String.format("%02d", t.getYear() % 100));
        case 'H' -> out.append(String.format("%02d", t.getHour()));
        case 'I' -> out.append(String.format("%02d", (t.getHour() + 11) % 12 + 1));
        case 'M' -> out.append(String.format("%02d", t.getMinute()));
        case 'S' -> out.append(String.format("%02d", t.getSecond()));
        case 'p' -> out.append(t.getHour() < 12 ? "AM" : "PM");
        case 'j' -> out.append(String.format("%03d", t.getDayOfYear()));
        case 'b' -> out.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
        case 'B' -> out.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
        case 'a' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
        case 'A' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
        case '%' -> out.append('%');
        default -> throw new IllegalArgumentException("strftime_now: unsupported directive %" + f);
      }
    }
    return out.toString();
  }

  /** The message to show for a fatal render error: the template's own text when it raised. */
  static String userMessage(TemplateError error) {
    for (Throwable t = error.getException(); t != null; t = t.getCause()) {
      String message = t.getMessage();
      if (message != null && message.contains(RAISED)) {
        return message.substring(message.indexOf(RAISED) + RAISED.length());
      }
    }
    String message = error.getMessage();
    if (message != null && message.contains(RAISED)) {
      return message.substring(message.indexOf(RAISED) + RAISED.length());
    }
    return "chat template failed at line " + error.getLineno() + ": " + message;
  }
}
