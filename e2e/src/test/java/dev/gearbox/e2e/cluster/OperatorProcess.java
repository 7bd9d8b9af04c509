package dev.gearbox.e2e.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The operator running as a child JVM against the test cluster, with the environment the chart's
 * Deployment would give it and the identity of the chart's ServiceAccount (through impersonation),
 * so a rule missing from the chart's RBAC fails the suite.
 *
 * <p>The chart's own operator pod is faked by kwok (Running without a container), so this process
 * is what actually reconciles.
 */
public final class OperatorProcess implements AutoCloseable {
  public static final String MAIN_CLASS = "dev.gearbox.operator.GearboxOperator";

  private final Process process;
  private final Path log;

  private OperatorProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /**
   * Starts the operator.
   *
   * @param kubeconfig an admin kubeconfig; the operator impersonates {@code serviceAccount}
   * @param serviceAccount "namespace:name" of the ServiceAccount the chart created
   * @param env the container environment the chart rendered for the operator
   */
  public static OperatorProcess start(
      Path kubeconfig, String serviceAccount, Map<String, String> env, Path log) {
    String[] sa = serviceAccount.split(":", 2);
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx384m");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-Dkubeconfig=" + kubeconfig);
    command.add("-Dkubernetes.impersonate.username=system:serviceaccount:" + sa[0] + ":" + sa[1]);
    command.add(
        "-Dkubernetes.impersonate.group=system:serviceaccounts,system:serviceaccounts:"
            + sa[0]
            + ",system:authenticated");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(MAIN_CLASS);
    try {
      Files.createDirectories(log.getParent());
      ProcessBuilder builder =
          new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      // The chart's JAVA_TOOL_OPTIONS sizes the heap for a container; the flags above rule here.
      env.forEach(
          (name, value) -> {
            if (!name.equals("JAVA_TOOL_OPTIONS")) {
              builder.environment().put(name, value);
            }
          });
      return new OperatorProcess(builder.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the operator (" + MAIN_CLASS + ")", e);
    }
  }

  /** Fails with the operator's log when it has exited: waiting on it further is pointless. */
  public void assertAlive() {
    if (!process.isAlive()) {
      throw new AssertionError(
          "operator exited with " + process.exitValue() + "; log " + log + ":\n" + logTail(80));
    }
  }

  /** The last {@code lines} lines of the operator's output. */
  public String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(log);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e.getMessage() + ")";
    }
  }

  public Path log() {
    return log;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
