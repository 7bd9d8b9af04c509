package dev.gearbox.e2e.cluster;

/** Exit code and output of a command the suite ran (kubectl, kwokctl). */
public record CommandResult(String command, int exitCode, String stdout, String stderr) {

  public boolean ok() {
    return exitCode == 0;
  }

  /** This result if the command succeeded, else an error that shows the command and its output. */
  public CommandResult orThrow() {
    if (!ok()) {
      throw new IllegalStateException(
          "`" + command + "` exited " + exitCode + "\nstdout: " + stdout + "\nstderr: " + stderr);
    }
    return this;
  }
}
