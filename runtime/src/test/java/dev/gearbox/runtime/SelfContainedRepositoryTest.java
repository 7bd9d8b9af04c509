package dev.gearbox.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The repository works from a plain clone: no tracked file (code, test, script, doc) refers to a
 * folder next to the checkout or to a development machine's absolute paths. The golden data the
 * tests need lives in {@code runtime/src/test/resources/golden}.
 */
class SelfContainedRepositoryTest {

  /** Built from pieces so this file does not match itself. */
  private static final List<String> OUTSIDE =
      List.of(
          "../" + "shared",
          "/" + "work/",
          "shared" + "/golden",
          "shared" + "/DESIGN",
          "shared" + "/STYLE",
          "shared" + "/seeds");

  @Test
  void noTrackedFilePointsOutsideTheRepository() throws Exception {
    Path root = Path.of("..").toAbsolutePath().normalize();
    List<String> files = trackedFiles(root);
    assumeTrue(files != null, "not a git checkout (a source archive): nothing to list");
    List<String> hits = new ArrayList<>();
    for (String name : files) {
      Path file = root.resolve(name);
      if (!Files.isRegularFile(file) || Files.size(file) > (4L << 20)) {
        continue;
      }
      byte[] bytes = Files.readAllBytes(file);
      if (isBinary(bytes)) {
        continue;
      }
      List<String> lines = new String(bytes, StandardCharsets.UTF_8).lines().toList();
      for (int i = 0; i < lines.size(); i++) {
        for (String needle : OUTSIDE) {
          if (lines.get(i).contains(needle)) {
            hits.add(name + ":" + (i + 1) + ": " + lines.get(i).strip());
          }
        }
      }
    }
    assertEquals(List.of(), hits, "references outside the repository");
  }

  /** {@code git ls-files} from {@code root}, or null where git or the checkout is missing. */
  private static List<String> trackedFiles(Path root) throws InterruptedException {
    try {
      Process git =
          new ProcessBuilder("git", "-C", root.toString(), "ls-files", "-z")
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      byte[] out = git.getInputStream().readAllBytes();
      if (!git.waitFor(60, TimeUnit.SECONDS) || git.exitValue() != 0) {
        return null;
      }
      List<String> names = new ArrayList<>();
      for (String n : new String(out, StandardCharsets.UTF_8).split("\0")) {
        if (!n.isEmpty()) {
          names.add(n);
        }
      }
      return names;
    } catch (IOException e) {
      return null;
    }
  }

  private static boolean isBinary(byte[] bytes) {
    for (int i = 0; i < Math.min(bytes.length, 8192); i++) {
      if (bytes[i] == 0) {
        return true;
      }
    }
    return false;
  }
}
