package dev.gearbox.routing.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ActiveConfigTest {

  @TempDir Path dir;

  @Test
  void unchangedFileIsNotReloadedAndBadEditsAreReportedOnce() throws Exception {
    Path file = dir.resolve("r.yaml");
    Files.writeString(file, "routing: { default: a }\n");
    try (ActiveConfig config = ActiveConfig.load(file, () -> List.of("a", "b"))) {
      assertFalse(config.reload(), "same content");
      Files.writeString(file, "routing: { default: c }\n");
      assertThrows(ConfigException.class, config::reload);
      assertThrows(ConfigException.class, config::reload);
      assertEquals(1, config.rejections(), "one bad edit, one rejection");
      assertEquals("a", config.get().routing().defaultPlacement());
      Files.writeString(file, "routing: { default: b }\n");
      assertTrue(config.reload());
      assertEquals("b", config.get().routing().defaultPlacement());
      assertEquals(null, config.lastError());
    }
  }

  @Test
  void firstLoadMustSucceed() throws Exception {
    Path file = dir.resolve("r.yaml");
    Files.writeString(file, "routing: { rules: [ { placement: x } ] }\n");
    ConfigException e =
        assertThrows(ConfigException.class, () -> ActiveConfig.load(file, () -> null));
    assertTrue(e.getMessage().contains("routing.rules[0].match: required"), e.getMessage());
    assertThrows(
        ConfigException.class, () -> ActiveConfig.load(dir.resolve("missing.yaml"), () -> null));
  }

  @Test
  void placementsAreCheckedOnceTheRuntimeAnswers() throws Exception {
    Path file = dir.resolve("r.yaml");
    Files.writeString(file, "routing: { default: warp }\n");
    AtomicReference<Collection<String>> served = new AtomicReference<>();
    try (ActiveConfig config = ActiveConfig.load(file, served::get)) {
      config.watch(Duration.ofMillis(10));
      Thread.sleep(50);
      assertEquals(0, config.rejections(), "nothing to check against yet");
      served.set(List.of("all-fa"));
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (config.rejections() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertEquals(1, config.rejections());
      assertTrue(config.lastError().contains("placement 'warp' is not served"), config.lastError());
    }
  }
}
