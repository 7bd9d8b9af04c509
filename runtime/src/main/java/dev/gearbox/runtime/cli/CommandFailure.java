package dev.gearbox.runtime.cli;

/**
 * A command that cannot go on, with the one line to print and the process exit status: 1 could
 * not start or serve (a port in use, a model that does not load), 2 bad flags, 3 no usable GPU.
 */
public final class CommandFailure extends RuntimeException {
  /** Exit status for flags that are wrong. */
  public static final int BAD_FLAGS = 2;

  private final int exitStatus;

  public CommandFailure(int exitStatus, String message) {
    super(message);
    this.exitStatus = exitStatus;
  }

  public int exitStatus() {
    return exitStatus;
  }

  /** Prints {@code command: message} on stderr and ends the JVM with the status. */
  public static void exit(String command, String message, int status) {
    System.out.flush();
    System.err.println(command + ": " + message);
    System.err.flush();
    // halt-free exit: shutdown hooks registered so far (none before serving starts) still run.
    System.exit(status);
  }
}
