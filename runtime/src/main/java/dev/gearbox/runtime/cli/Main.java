package dev.gearbox.runtime.cli;

import dev.gearbox.runtime.backend.cuda.CudaUnavailableException;
import dev.gearbox.runtime.checkpoint.CheckpointException;
import dev.gearbox.runtime.search.PlacementSearch;
import dev.gearbox.runtime.server.ServeCommand;
import java.util.Arrays;

/** The runtime's command-line entry point: {@code generate}, {@code serve} or {@code search}. */
public final class Main {
  private Main() {}

  /** The commands this entry point runs (the launcher's {@code gearbox help} describes them all). */
  static final String USAGE =
      """
      usage: gearbox generate --model DIR [--placement PATTERN] --prompt TEXT ...
             gearbox serve --model DIR [--placement NAME=PATTERN]... [--port 50051] ...
             gearbox search --model DIR --budget 0.5 [--beam 4] [--max-samples N]
      COMMAND --help lists a command's flags.""";

  public static void main(String[] args) throws Exception {
    String command = args.length == 0 ? "help" : args[0];
    String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
    switch (command) {
      case "generate" -> GenerateCommand.main(rest);
      case "serve" -> ServeCommand.main(rest);
      case "search" -> PlacementSearch.main(rest);
      case "help", "--help", "-h" -> System.out.println(USAGE);
      default -> {
        System.err.println("gearbox: unknown command '" + command + "'\n" + USAGE);
        System.exit(CommandFailure.BAD_FLAGS);
      }
    }
  }

  /** A command's body. */
  public interface Command {
    void run() throws Exception;
  }

  /**
   * A command that cannot start is one line on stderr and an exit status, never a stack trace or
   * a process left running: 2 bad flags, 1 a port in use or a model that does not load, 3 no GPU.
   */
  public static void runOrExit(String name, Command command) throws Exception {
    try {
      command.run();
    } catch (CommandFailure e) {
      CommandFailure.exit(name, e.getMessage(), e.exitStatus());
    } catch (CudaUnavailableException e) {
      CommandFailure.exit(name, e.getMessage(), 3);
    } catch (CheckpointException | IllegalArgumentException e) {
      CommandFailure.exit(name, "cannot load the model: " + e.getMessage(), 1);
    }
  }
}
