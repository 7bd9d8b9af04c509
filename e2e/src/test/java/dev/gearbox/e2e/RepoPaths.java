package dev.gearbox.e2e;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the chart and the example manifests, which live outside the e2e module. */
public final class RepoPaths {
  private RepoPaths() {}

  /** The repository root: {@code -Dgearbox.repo.root}, set by the e2e pom, else the parent dir. */
  public static Path root() {
    Path root = Path.of(System.getProperty("gearbox.repo.root", "..")).toAbsolutePath().normalize();
    if (!Files.isDirectory(root.resolve("helm/gearbox"))) {
      throw new IllegalStateException(
          "gearbox.repo.root="
              + root
              + " has no helm/gearbox chart; run from the e2e module"
              + " or pass -Dgearbox.repo.root=<repository root>");
    }
    return root;
  }

  public static Path chart() {
    return root().resolve("helm/gearbox");
  }

  public static Path examples() {
    return root().resolve("examples");
  }
}
