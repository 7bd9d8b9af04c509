package dev.gearbox.runtime.text;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.AdvancedFilter;
import java.util.Iterator;
import java.util.Map;

/**
 * The {@code tojson} filter as HF transformers defines it for chat templates: Python {@code
 * json.dumps} output ({@code ", "} and {@code ": "} separators, non-ASCII kept, optional {@code
 * indent}), so tool definitions render byte-for-byte as in Python. Jinjava's own filter writes
 * compact JSON, which changes the prompt the model sees.
 */
final class PythonJsonFilter implements AdvancedFilter {

  @Override
  public String getName() {
    return "tojson";
  }

  @Override
  public Object filter(
      Object value, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
    Object indentArg = kwargs.containsKey("indent") ? kwargs.get("indent") : null;
    if (indentArg == null && args.length > 0) {
      indentArg = args[0];
    }
    int indent = indentArg instanceof Number n ? n.intValue() : -1;
    StringBuilder out = new StringBuilder();
    write(value, indent, 0, out);
    return out.toString();
  }

  private static void write(Object value, int indent, int depth, StringBuilder out) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof Boolean b) {
      out.append(b ? "true" : "false");
    } else if (value instanceof Double || value instanceof Float) {
      out.append(pythonFloat(((Number) value).doubleValue()));
    } else if (value instanceof Number n) {
      out.append(n);
    } else if (value instanceof Map<?, ?> map) {
      writeContainer('{', '}', map.entrySet().iterator(), map.isEmpty(), indent, depth, out);
    } else if (value instanceof Iterable<?> list) {
      writeContainer('[', ']', list.iterator(), !list.iterator().hasNext(), indent, depth, out);
    } else if (value instanceof Object[] array) {
      writeContainer(
          '[',
          ']',
          java.util.Arrays.asList(array).iterator(),
          array.length == 0,
          indent,
          depth,
          out);
    } else {
      writeString(value.toString(), out);
    }
  }

  private static void writeContainer(
      char open,
      char close,
      Iterator<?> items,
      boolean empty,
      int indent,
      int depth,
      StringBuilder out) {
    out.append(open);
    if (empty) {
      out.append(close);
      return;
    }
    boolean first = true;
    while (items.hasNext()) {
      Object item = items.next();
      // Python: item separator ", " without indent, "," plus newline with indent.
      if (!first) {
        out.append(indent >= 0 ? "," : ", ");
      }
      newline(indent, depth + 1, out);
      if (item instanceof Map.Entry<?, ?> entry) {
        writeString(String.valueOf(entry.getKey()), out);
        out.append(": ");
        write(entry.getValue(), indent, depth + 1, out);
      } else {
        write(item, indent, depth + 1, out);
      }
      first = false;
    }
    newline(indent, depth, out);
    out.append(close);
  }

  private static void newline(int indent, int depth, StringBuilder out) {
    if (indent >= 0) {
      out.append('\n').append(" ".repeat(indent * depth));
    }
  }

  private static String pythonFloat(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "Infinity" : "-Infinity";
    }
    if (d == Math.rint(d) && Math.abs(d) < 1e16) {
      return (long) d + ".0";
    }
    return Double.toString(d);
  }

  private static void writeString(String s, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
