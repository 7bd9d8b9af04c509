package dev.gearbox.runtime.backend.cuda.check;

import java.io.PrintWriter;
import java.io.StringWriter;

/** PASS/FAIL lines and their tally. */
final class CheckReport {
  private int passed;
  private int failed;

  void info(String line) {
    System.out.println("INFO " + line);
  }

  void check(boolean ok, String name, String detail) {
    if (ok) {
      passed++;
    } else {
      failed++;
    }
    System.out.println((ok ? "PASS " : "FAIL ") + name + (detail.isEmpty() ? "" : " " + detail));
  }

  /** Runs one case; an exception is a FAIL with its stack trace. */
  void run(String name, Runnable body) {
    try {
      body.run();
    } catch (RuntimeException | Error e) {
      StringWriter trace = new StringWriter();
      e.printStackTrace(new PrintWriter(trace));
      check(false, name, "threw " + trace);
    }
  }

  /** Prints the summary; true when nothing failed. */
  boolean summary() {
    System.out.println("SUMMARY " + passed + " passed, " + failed + " failed");
    return failed == 0;
  }
}
