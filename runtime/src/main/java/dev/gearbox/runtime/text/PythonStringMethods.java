package dev.gearbox.runtime.text;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Lets chat templates call Python {@code str} methods ({@code strip}, {@code startswith}, {@code
 * split}...) on strings, which Jinja2 allows and Jinjava does not; Qwen3- and DeepSeek-style
 * templates rely on them. Placed before Jinjava's own resolver, it only answers method calls on
 * strings whose name it knows.
 */
final class PythonStringMethods extends ELResolver {

  @Override
  public Object invoke(
      ELContext context, Object base, Object method, Class<?>[] types, Object[] params) {
    if (!(base instanceof String s) || method == null) {
      return null;
    }
    Object[] args = params == null ? new Object[0] : params;
    Object result = call(s, method.toString(), args);
    if (result != NOT_HANDLED) {
      context.setPropertyResolved(true);
      return result;
    }
    return null;
  }

  private static final Object NOT_HANDLED = new Object();

  private static Object call(String s, String name, Object[] args) {
    return switch (name) {
      case "strip" -> rstrip(lstrip(s, chars(args)), chars(args));
      case "lstrip" -> lstrip(s, chars(args));
      case "rstrip" -> rstrip(s, chars(args));
      case "startswith" -> matchesAny(s, args[0], true);
      case "endswith" -> matchesAny(s, args[0], false);
      case "upper" -> s.toUpperCase(java.util.Locale.ROOT);
      case "lower" -> s.toLowerCase(java.util.Locale.ROOT);
      case "title" -> title(s);
      case "capitalize" ->
          s.isEmpty()
              ? s
              : s.substring(0, 1).toUpperCase(java.util.Locale.ROOT)
                  + s.substring(1).toLowerCase(java.util.Locale.ROOT);
      case "split" -> split(s, args);
      case "replace" -> replace(s, args);
      case "find" -> (long) s.indexOf(String.valueOf(args[0]));
      case "count" -> count(s, String.valueOf(args[0]));
      default -> NOT_HANDLED;
    };
  }

  private static String chars(Object[] args) {
    return args.length == 0 || args[0] == null ? null : String.valueOf(args[0]);
  }

  private static boolean strippable(int c, String chars) {
    return chars == null
        ? Character.isWhitespace(c) || Character.isSpaceChar(c)
        : chars.indexOf(c) >= 0;
  }

  private static String lstrip(String s, String chars) {
    int i = 0;
    while (i < s.length() && strippable(s.charAt(i), chars)) {
      i++;
    }
    return s.substring(i);
  }

  private static String rstrip(String s, String chars) {
    int i = s.length();
    while (i > 0 && strippable(s.charAt(i - 1), chars)) {
      i--;
    }
    return s.substring(0, i);
  }

  private static boolean matchesAny(String s, Object affix, boolean prefix) {
    if (affix instanceof Iterable<?> options) {
      for (Object option : options) {
        if (matchesAny(s, option, prefix)) {
          return true;
        }
      }
      return false;
    }
    String a = String.valueOf(affix);
    return prefix ? s.startsWith(a) : s.endsWith(a);
  }

  private static String title(String s) {
    StringBuilder out = new StringBuilder(s.length());
    boolean previousLetter = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      out.append(previousLetter ? Character.toLowerCase(c) : Character.toUpperCase(c));
      previousLetter = Character.isLetter(c);
    }
    return out.toString();
  }

  /** Python split: no separator splits on whitespace runs; maxsplit limits the number of cuts. */
  private static List<String> split(String s, Object[] args) {
    String sep = args.length > 0 && args[0] != null ? String.valueOf(args[0]) : null;
    int maxSplit = args.length > 1 ? ((Number) args[1]).intValue() : -1;
    List<String> parts = new ArrayList<>();
    if (sep == null) {
      String rest = lstrip(s, null);
      while (!rest.isEmpty()) {
        if (maxSplit >= 0 && parts.size() == maxSplit) {
          parts.add(rest);
          return parts;
        }
        int end = 0;
        while (end < rest.length() && !strippable(rest.charAt(end), null)) {
          end++;
        }
        parts.add(rest.substring(0, end));
        rest = lstrip(rest.substring(end), null);
      }
      return parts;
    }
    if (sep.isEmpty()) {
      throw new IllegalArgumentException("split: empty separator");
    }
    int from = 0;
    int at;
    while ((maxSplit < 0 || parts.size() < maxSplit) && (at = s.indexOf(sep, from)) >= 0) {
      parts.add(s.substring(from, at));
      from = at + sep.length();
    }
    parts.add(s.substring(from));
    return parts;
  }

  private static String replace(String s, Object[] args) {
    String old = String.valueOf(args[0]);
    String replacement = String.valueOf(args[1]);
    int limit = args.length > 2 ? ((Number) args[2]).intValue() : -1;
    if (limit < 0) {
      return s.replace(old, replacement);
    }
    StringBuilder out = new StringBuilder();
    int from = 0;
    int at;
    for (int n = 0; n < limit && (at = s.indexOf(old, from)) >= 0; n++) {
      out.append(s, from, at).append(replacement);
      from = at + old.length();
    }
    return out.append(s.substring(from)).toString();
  }

  private static long count(String s, String sub) {
    long n = 0;
    for (int at = s.indexOf(sub);
        at >= 0 && !sub.isEmpty();
        at = s.indexOf(sub, at + sub.length())) {
      n++;
    }
    return n;
  }

  // Property access is left to Jinjava's resolver.
  @Override
  public Object getValue(ELContext context, Object base, Object property) {
    return null;
  }

  @Override
  public Class<?> getType(ELContext context, Object base, Object property) {
    return null;
  }

  @Override
  public void setValue(ELContext context, Object base, Object property, Object value) {}

  @Override
  public boolean isReadOnly(ELContext context, Object base, Object property) {
    return true;
  }

  @Override
  public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
    return null;
  }

  @Override
  public Class<?> getCommonPropertyType(ELContext context, Object base) {
    return null;
  }
}
