package dev.gearbox.runtime.cli;

import dev.gearbox.runtime.backend.cuda.CudaUnavailableException;
import dev.gearbox.runtime.search.PlacementSearch;
import dev.gearbox.runtime.server.ServeCommand;
import java.util.Arrays;

/** The runtime's command-line entry point: {@code generate}, {@code serve} or {@code search}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    String command = args.length == 0 ? "help" : args[0];
    String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
    switch (command) {
      case "generate" -> runOrExplain(() -> GenerateCommand.main(rest));
      case "serve" -> runOrExplain(() -> ServeCommand.main(rest));
      case "search" -> PlacementSearch.main(rest);
      default -> {
        System.err.println(
            "usage: gearbox-runtime generate --model DIR [--placement PATTERN] --prompt TEXT ...\n"
                + "       gearbox-runtime serve --model DIR [--placement NAME=PATTERN]... --port N ...\n"
                + "       gearbox-runtime search --model DIR --budget 0.5 [--beam 4] [--max-samples N]");
        System.exit(2);
      }
    }
  }

  private interface Command {
    void run() throws Exception;
  }

  /** A backend that cannot start is a clear one-line error and exit status 3, not a stack trace. */
  private static void runOrExplain(Command command) throws Exception {
    try {
      command.run();
    } catch (CudaUnavailableException e) {
      System.err.println("gearbox: " + e.getMessage());
      System.exit(3);
    }
  }
}
