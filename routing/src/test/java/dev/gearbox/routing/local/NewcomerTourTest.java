package dev.gearbox.routing.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the "Mistakes" tour of {@code docs/newcomer.md} command by command in a fresh JVM, as the
 * launcher would (same entry points, same JVM flags), and checks that each prints exactly the
 * documented line on stderr and exits with the documented status, promptly (a failed bind must
 * not leave the process hanging). Also checks that {@code ./gearbox help} and each command's
 * {@code --help} list the same flags.
 */
class NewcomerTourTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Pattern ENTRY =
      Pattern.compile("\\$ \\./gearbox (.+)\\n(.+)\\n\\$ echo \\$\\?\\n(\\d+)\\n");
  /** The port the tour calls taken; the test substitutes one it holds. */
  private static final String TAKEN = "8080";

  record Entry(String command, String message, int status) {}

  static List<Entry> tour() throws IOException {
    String doc = Files.readString(ROOT.resolve("docs/newcomer.md"));
    String mistakes = doc.substring(doc.indexOf("## Mistakes"));
    List<Entry> out = new ArrayList<>();
    Matcher m = ENTRY.matcher(mistakes);
    while (m.find()) {
      out.add(new Entry(m.group(1), m.group(2), Integer.parseInt(m.group(3))));
    }
    return out;
  }

  @Test
  void theTourCoversEveryKindOfMistake() throws IOException {
    List<String> commands = tour().stream().map(Entry::command).toList();
    assertTrue(commands.size() >= 10, "entries: " + commands);
    for (String needle : List.of("up --port 8080", "serve --model", "--port 70000", "warp", "fa*5", "--model docs")) {
      assertTrue(commands.stream().anyMatch(c -> c.contains(needle)), needle + " in " + commands);
    }
  }

  @TestFactory
  Stream<DynamicTest> eachMistakeIsOneLineAndAnExitStatus() throws IOException {
    return tour().stream()
        .map(e -> DynamicTest.dynamicTest("./gearbox " + e.command(), () -> check(e)));
  }

  private static void check(Entry e) throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0));
      String port = Integer.toString(taken.getLocalPort());
      List<String> args =
          new ArrayList<>(Arrays.asList(e.command().replace(TAKEN, port).split(" ")));
      String expected = e.message().replace(TAKEN, port);
      Run run = launch(args);
      assertEquals(List.of(expected), run.stderr(), "stderr of ./gearbox " + e.command());
      assertEquals(e.status(), run.status(), "exit status of ./gearbox " + e.command());
    }
  }

  @Test
  void helpListsTheSameFlagsAsEachCommand() throws Exception {
    Process help =
        new ProcessBuilder("bash", "gearbox", "help").directory(ROOT.toFile()).start();
    String text = new String(help.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(help.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, help.exitValue(), "./gearbox help exits 0");
    for (String command : List.of("up", "generate", "serve")) {
      Run own = launch(List.of(command, "--help"));
      assertEquals(0, own.status(), command + " --help exits 0");
      assertTrue(
          own.stdout().startsWith("usage: gearbox " + command + " "),
          "names the command, not a class: " + own.stdout());
      assertEquals(
          flags(section(text, command)),
          flags(own.stdout()),
          "./gearbox help and ./gearbox " + command + " --help list the same flags");
    }
  }

  /** The lines of the launcher's usage that describe {@code command}. */
  private static String section(String help, String command) {
    StringBuilder out = new StringBuilder();
    boolean in = false;
    for (String line : help.lines().toList()) {
      if (line.matches("  [a-z]+ .*")) {
        in = line.startsWith("  " + command + " ");
      }
      if (in) {
        out.append(line).append('\n');
      }
    }
    return out.toString();
  }

  private static Set<String> flags(String text) {
    Set<String> out = new HashSet<>();
    Matcher m = Pattern.compile("--[a-z][a-z-]*").matcher(text);
    while (m.find()) {
      out.add(m.group());
    }
    out.remove("--help");
    return out;
  }

  record Run(int status, String stdout, List<String> stderr) {}

  /** {@code ./gearbox ARGS} without the build step: the same main classes and JVM flags. */
  private static Run launch(List<String> args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(
        List.of(
            "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx512m"));
    if (Runtime.version().feature() >= 23) {
      cmd.add("--sun-misc-unsafe-memory-access=allow");
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    if (args.getFirst().equals("up")) {
      cmd.add(LocalMode.class.getName());
    } else {
      cmd.add(dev.gearbox.runtime.cli.Main.class.getName());
      cmd.add(args.getFirst());
    }
    cmd.addAll(args.subList(1, args.size()));
    Process p =
        new ProcessBuilder(cmd)
            .directory(ROOT.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
    // Both pipes are small here (one line, or a usage text), so reading them in turn is safe.
    boolean exited = p.waitFor(60, TimeUnit.SECONDS);
    if (!exited) {
      p.destroyForcibly();
    }
    assertTrue(exited, "./gearbox " + String.join(" ", args) + " ended within 60 s");
    String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    List<String> stderr =
        new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)
            .lines()
            // The one JVM notice the launcher filters out, since no flag turns it off.
            .filter(l -> !l.equals("WARNING: Using incubator modules: jdk.incubator.vector"))
            .toList();
    assertFalse(stderr.stream().anyMatch(l -> l.startsWith("\tat ")), "no stack trace: " + stderr);
    return new Run(p.exitValue(), stdout, stderr);
  }
}
