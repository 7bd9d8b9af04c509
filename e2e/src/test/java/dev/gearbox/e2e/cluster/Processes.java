package dev.gearbox.e2e.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs short-lived commands (kubectl, kwokctl) with a deadline and captures their output. */
final class Processes {
  private Processes() {}

  static CommandResult run(List<String> command, Map<String, String> env, Duration timeout) {
    String line = String.join(" ", command);
    try {
      // Files, not pipes: a chatty child must never block on a full pipe buffer.
      Path out = Files.createTempFile("gearbox-e2e-", ".out");
      Path err = Files.createTempFile("gearbox-e2e-", ".err");
      try {
        ProcessBuilder builder =
            new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
          throw new IllegalStateException(
              "`"
                  + line
                  + "` did not finish in "
                  + timeout
                  + "; output so far:\n"
                  + Files.readString(out)
                  + Files.readString(err));
        }
        return new CommandResult(
            line, process.exitValue(), Files.readString(out), Files.readString(err));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run `" + line + "`", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running `" + line + "`", e);
    }
  }
}
