package dev.gearbox.runtime.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** One result table of the GPU benchmark: a title, column names and formatted rows. */
final class BenchTable {
  private final String title;
  private final List<String> columns;
  private final List<List<String>> rows = new ArrayList<>();

  BenchTable(String title, String... columns) {
    this.title = title;
    this.columns = List.of(columns);
  }

  String title() {
    return title;
  }

  boolean isEmpty() {
    return rows.isEmpty();
  }

  /** Adds a row: Strings as they are, integers plainly, other numbers with 2-4 significant places. */
  void add(Object... cells) {
    if (cells.length != columns.size()) {
      throw new IllegalArgumentException(
          title + ": row has " + cells.length + " cells, expected " + columns.size());
    }
    List<String> row = new ArrayList<>();
    for (Object cell : cells) {
      row.add(format(cell));
    }
    rows.add(row);
  }

  static String format(Object cell) {
    return switch (cell) {
      case null -> "-";
      case Double d when d.isNaN() -> "-";
      case Double d when Math.abs(d) >= 100 -> String.format(Locale.ROOT, "%.0f", d);
      case Double d when Math.abs(d) >= 10 -> String.format(Locale.ROOT, "%.1f", d);
      case Double d -> String.format(Locale.ROOT, "%.3f", d);
      default -> cell.toString();
    };
  }

  /** GitHub markdown: a heading line, then the table. */
  String markdown() {
    StringBuilder out = new StringBuilder("### ").append(title).append("\n\n");
    out.append("| ").append(String.join(" | ", columns)).append(" |\n|");
    out.append(" --- |".repeat(columns.size())).append('\n');
    for (List<String> row : rows) {
      out.append("| ").append(String.join(" | ", row)).append(" |\n");
    }
    return out.toString();
  }

  /** CSV lines {@code table,<columns...>} (a header line per table), quoting cells with commas. */
  String csv() {
    StringBuilder out = new StringBuilder();
    out.append(quote("table"));
    for (String column : columns) {
      out.append(',').append(quote(column));
    }
    out.append('\n');
    for (List<String> row : rows) {
      out.append(quote(title));
      for (String cell : row) {
        out.append(',').append(quote(cell));
      }
      out.append('\n');
    }
    return out.toString();
  }

  private static String quote(String cell) {
    return cell.contains(",") || cell.contains("\"")
        ? '"' + cell.replace("\"", "\"\"") + '"'
        : cell;
  }
}
