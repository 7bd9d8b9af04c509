package dev.gearbox.routing.runtime;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The router's cached view of its runtime: the catalogue (fetched once it is reachable) and the
 * load, polled in the background so that routing never waits on a Stats call.
 */
public final class RuntimeView implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(RuntimeView.class.getName());

  private final RuntimeClient client;
  private volatile RuntimeInfo info;
  private volatile RuntimeLoad load = RuntimeLoad.UNKNOWN;
  private volatile boolean reachable;
  private ScheduledExecutorService poller;

  public RuntimeView(RuntimeClient client) {
    this.client = client;
  }

  /** Polls the runtime every {@code interval} from a daemon thread. */
  public synchronized void start(Duration interval) {
    if (poller != null) {
      return;
    }
    poller =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "gearbox-runtime-poll");
              t.setDaemon(true);
              return t;
            });
    long ms = interval.toMillis();
    poller.scheduleWithFixedDelay(this::refreshQuietly, 0, ms, TimeUnit.MILLISECONDS);
  }

  /**
   * The catalogue, fetched now if it has not been yet.
   *
   * @throws RuntimeFailure UNAVAILABLE while the runtime cannot be reached
   */
  public RuntimeInfo info() {
    RuntimeInfo i = info;
    if (i == null) {
      i = client.info();
      info = i;
    }
    return i;
  }

  /** The catalogue if already known, else null; never calls the runtime. */
  public RuntimeInfo cachedInfo() {
    return info;
  }

  /** The last polled load; {@link RuntimeLoad#UNKNOWN} while unreachable. */
  public RuntimeLoad load() {
    return load;
  }

  /** Polls the runtime now; the catalogue is fetched again after each reconnection. */
  public void refresh() {
    try {
      if (info == null || !reachable) {
        // A runtime that comes back may be a new process serving different placements.
        info = client.info();
      }
      load = client.load();
      if (!reachable) {
        LOG.info("runtime reachable, ready=" + load.ready());
      }
      reachable = true;
    } catch (RuntimeFailure e) {
      load = RuntimeLoad.UNKNOWN;
      if (reachable) {
        LOG.warning("runtime unreachable: " + e.getMessage());
      }
      reachable = false;
    }
  }

  private void refreshQuietly() {
    try {
      refresh();
    } catch (RuntimeException e) {
      LOG.warning("runtime poll failed: " + e);
    }
  }

  @Override
  public synchronized void close() {
    if (poller != null) {
      poller.shutdownNow();
    }
  }
}
