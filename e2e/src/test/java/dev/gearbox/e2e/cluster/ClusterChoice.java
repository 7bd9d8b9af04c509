package dev.gearbox.e2e.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import org.testcontainers.DockerClientFactory;

/**
 * Decides where the suite runs: K3s in Docker where an engine answers, else the cached
 * control-plane binaries under kwok. {@code -Dgearbox.e2e.cluster=kwok|k3s} forces one.
 */
public final class ClusterChoice {
  private ClusterChoice() {}

  /** Thrown when the suite cannot run here and is allowed to skip (not under CI). */
  public static final class Unavailable extends RuntimeException {
    Unavailable(String message) {
      super(message);
    }
  }

  public static TestCluster start(Path workDir) {
    String forced = System.getProperty("gearbox.e2e.cluster", "auto");
    boolean docker =
        switch (forced) {
          case "k3s" -> true;
          case "kwok" -> false;
          case "auto" -> dockerAvailable();
          default ->
              throw new IllegalArgumentException(
                  "-Dgearbox.e2e.cluster must be kwok, k3s or auto, got " + forced);
        };
    if (docker) {
      return K3sCluster.start(workDir);
    }
    ControlPlaneBinaries binaries = ControlPlaneBinaries.locate();
    var missing = binaries.missing();
    if (!missing.isEmpty()) {
      String message =
          "e2e needs a Docker engine or the control-plane binaries; none found. Missing in "
              + binaries.dir()
              + ": "
              + missing
              + ". Build them with `bash .ci/control-plane.sh`.";
      if (underCi()) {
        throw new IllegalStateException(message + " (CI is set, so this is a failure, not a skip)");
      }
      throw new Unavailable(message);
    }
    return KwokCluster.start(binaries, workDir);
  }

  static boolean underCi() {
    String ci = System.getenv("CI");
    return ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false") && !ci.equals("0");
  }

  private static boolean dockerAvailable() {
    // Asking Testcontainers costs seconds and logs errors; skip it when nothing could answer.
    boolean configured =
        System.getenv("DOCKER_HOST") != null
            || Files.exists(Path.of("/var/run/docker.sock"))
            || Files.exists(Path.of(System.getProperty("user.home"), ".testcontainers.properties"));
    if (!configured) {
      return false;
    }
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException e) {
      return false;
    }
  }
}
