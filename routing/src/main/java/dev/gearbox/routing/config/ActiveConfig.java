package dev.gearbox.routing.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The configuration in force, reloaded from its file when the file's content changes.
 *
 * <p>Each request reads the config once, so a reload never affects a request in flight. A file that
 * fails to parse or names placements the runtime does not serve is rejected, logged and counted,
 * and the previous config stays active. The file is polled by content rather than watched, because
 * Kubernetes updates ConfigMap volumes by swapping a symlink, which file-system watches on the file
 * itself do not see.
 */
public final class ActiveConfig implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(ActiveConfig.class.getName());

  private final Path file;
  private final ConfigParser parser = new ConfigParser();
  private final Supplier<Collection<String>> servedPlacements;
  private final AtomicReference<RouterConfig> current = new AtomicReference<>();
  private final AtomicLong reloads = new AtomicLong();
  private final AtomicLong rejections = new AtomicLong();
  private volatile String lastContent;
  private volatile String lastError;
  private ScheduledExecutorService poller;

  private ActiveConfig(Path file, Supplier<Collection<String>> servedPlacements) {
    this.file = file;
    this.servedPlacements = servedPlacements;
  }

  /** A config that never changes (tests, or a router started without a file). */
  public static ActiveConfig fixed(RouterConfig config) {
    ActiveConfig active = new ActiveConfig(null, () -> null);
    active.current.set(config.withDefaults());
    return active;
  }

  /**
   * Loads {@code file}; the first load must succeed.
   *
   * @param servedPlacements the runtime's placements, or a supplier returning null while unknown
   * @throws ConfigException when the file is missing or invalid
   */
  public static ActiveConfig load(Path file, Supplier<Collection<String>> servedPlacements) {
    ActiveConfig active = new ActiveConfig(file, servedPlacements);
    String text = active.read();
    active.current.set(active.validate(text));
    active.lastContent = text;
    return active;
  }

  /** The config to use for the next request. */
  public RouterConfig get() {
    return current.get();
  }

  /** Checks the file every {@code interval} and applies a changed, valid one. */
  public synchronized void watch(Duration interval) {
    if (file == null || poller != null) {
      return;
    }
    poller =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "gearbox-config-watch");
              t.setDaemon(true);
              return t;
            });
    long ms = interval.toMillis();
    poller.scheduleWithFixedDelay(this::reloadQuietly, ms, ms, TimeUnit.MILLISECONDS);
  }

  /**
   * Re-reads the file now.
   *
   * @return true when a changed, valid config was applied
   * @throws ConfigException when the changed file is invalid (the previous config stays active)
   */
  public synchronized boolean reload() {
    if (file == null) {
      return false;
    }
    String text;
    try {
      text = read();
    } catch (ConfigException e) {
      return reject(null, e);
    }
    if (text.equals(lastContent)) {
      return false;
    }
    try {
      RouterConfig next = validate(text);
      current.set(next);
      lastContent = text;
      lastError = null;
      reloads.incrementAndGet();
      LOG.info("gearbox router config reloaded from " + file);
      return true;
    } catch (ConfigException e) {
      return reject(text, e);
    }
  }

  private boolean reject(String text, ConfigException e) {
    // Remember the rejected content so one bad edit is reported once, not on every poll.
    boolean firstTime = text == null || !text.equals(lastRejected);
    lastRejected = text;
    if (firstTime) {
      rejections.incrementAndGet();
      lastError = e.getMessage();
      LOG.warning(
          "gearbox router config rejected, previous config stays active: " + e.getMessage());
    }
    throw e;
  }

  private volatile String lastRejected;

  /** Valid reloads applied since start. */
  public long reloads() {
    return reloads.get();
  }

  /** Changed files rejected since start. */
  public long rejections() {
    return rejections.get();
  }

  /** Why the last changed file was rejected, or null when the file in force is the newest. */
  public String lastError() {
    return lastError;
  }

  /** The file this config comes from, or null. */
  public Path file() {
    return file;
  }

  private void reloadQuietly() {
    try {
      checkDeferredPlacements();
      reload();
    } catch (ConfigException e) {
      // already logged and counted
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "gearbox router config watch failed", e);
    }
  }

  private RouterConfig validate(String text) {
    RouterConfig config = parser.parse(file.toString(), text);
    Collection<String> placements = servedPlacements.get();
    if (placements != null) {
      ConfigParser.checkPlacements(file.toString(), config, placements);
    }
    placementsChecked = placements != null;
    return config;
  }

  /**
   * A config loaded while the runtime was unreachable is checked against its placements once it
   * answers; a mismatch is reported (log, rejection count, {@code lastError}) but the config stays,
   * as there is no earlier one to fall back to, and requests routed to a missing placement get a
   * 404 naming it.
   */
  private void checkDeferredPlacements() {
    if (placementsChecked) {
      return;
    }
    Collection<String> placements = servedPlacements.get();
    if (placements == null) {
      return;
    }
    placementsChecked = true;
    try {
      ConfigParser.checkPlacements(file.toString(), current.get(), placements);
    } catch (ConfigException e) {
      rejections.incrementAndGet();
      lastError = e.getMessage();
      LOG.warning(
          "gearbox router config names placements the runtime does not serve: " + e.getMessage());
    }
  }

  private volatile boolean placementsChecked;

  private String read() {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot read config file: " + e, e);
    }
  }

  @Override
  public synchronized void close() {
    if (poller != null) {
      poller.shutdownNow();
    }
  }
}
