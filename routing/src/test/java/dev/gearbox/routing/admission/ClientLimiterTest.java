package dev.gearbox.routing.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.routing.config.RouterConfig;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ClientLimiterTest {

  final AtomicLong now = new AtomicLong(1);
  final ClientLimiter limiter = new ClientLimiter(now::get);

  @Test
  void concurrencyIsPerClientAndReleased() {
    RouterConfig.PerClient limits = new RouterConfig.PerClient(2, 0.0, 0);
    ClientLimiter.Decision a1 = limiter.tryAcquire("a", limits);
    ClientLimiter.Decision a2 = limiter.tryAcquire("a", limits);
    assertTrue(a1.admitted() && a2.admitted());
    ClientLimiter.Decision a3 = limiter.tryAcquire("a", limits);
    assertFalse(a3.admitted());
    assertTrue(a3.rejection().contains("2 requests in flight"), a3.rejection());
    assertTrue(limiter.tryAcquire("b", limits).admitted(), "other clients are not affected");
    a1.permit().release();
    assertTrue(limiter.tryAcquire("a", limits).admitted());
  }

  @Test
  void tokenBucketRefillsAtTheRate() {
    RouterConfig.PerClient limits = new RouterConfig.PerClient(0, 2.0, 2);
    assertTrue(limiter.tryAcquire("a", limits).admitted());
    assertTrue(limiter.tryAcquire("a", limits).admitted());
    ClientLimiter.Decision over = limiter.tryAcquire("a", limits);
    assertFalse(over.admitted());
    assertEquals(1, over.retryAfterSeconds());
    now.addAndGet(500_000_000L);
    assertTrue(
        limiter.tryAcquire("a", limits).admitted(), "half a second refills one token at 2/s");
    assertFalse(limiter.tryAcquire("a", limits).admitted());
  }

  @Test
  void idleClientsAreForgottenAndBehaveAsNew() {
    RouterConfig.PerClient limits = new RouterConfig.PerClient(1, 10.0, 1);
    ClientLimiter.Decision held = limiter.tryAcquire("busy", limits);
    ClientLimiter.Decision done = limiter.tryAcquire("idle", limits);
    done.permit().release();
    now.addAndGet(1_000_000_000L);
    limiter.sweep(limits);
    assertEquals(1, limiter.trackedClients(), "only the client with a request in flight stays");
    assertFalse(
        limiter.tryAcquire("busy", limits).admitted(), "its in-flight count survived the sweep");
    held.permit().release();
    assertTrue(limiter.tryAcquire("idle", limits).admitted());
  }
}
