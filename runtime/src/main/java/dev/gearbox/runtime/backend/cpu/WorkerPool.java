package dev.gearbox.runtime.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of daemon threads that split an index range with the calling thread, without
 * allocating per call (so decode steps stay allocation-free, unlike ForkJoin task submission).
 *
 * <p>Chunks are claimed through one counter that carries the job's generation in its high bits, so
 * a worker that wakes late can never run a chunk of a job it did not see start.
 */
public final class WorkerPool implements AutoCloseable {
  /** Work over the index range {@code [from, to)}. */
  public interface RangeTask {
    void run(int from, int to);
  }

  private static final int SPINS_BEFORE_PARK = 2_000;

  private final Thread[] workers;
  private final AtomicLong claim = new AtomicLong();
  private final AtomicInteger finished = new AtomicInteger();
  private volatile int generation;
  private volatile boolean closed;
  private RangeTask task;
  private int total;
  private int chunk;
  private int chunks;

  /** Creates a pool that runs work on {@code threads} threads in all, the caller included. */
  public WorkerPool(int threads) {
    workers = new Thread[Math.max(0, threads - 1)];
    for (int i = 0; i < workers.length; i++) {
      Thread thread = new Thread(this::workerLoop, "gearbox-cpu-" + i);
      thread.setDaemon(true);
      workers[i] = thread;
      thread.start();
    }
  }

  /** Number of threads that share each job, the caller included. */
  public int threads() {
    return workers.length + 1;
  }

  /**
   * Runs {@code task} over {@code [0, n)} split into chunks of at least {@code grain} indices, and
   * returns when every chunk is done. Not reentrant: one job at a time.
   */
  public void run(RangeTask task, int n, int grain) {
    if (n <= 0) {
      return;
    }
    int wanted = Math.min(threads() * 4, (n + grain - 1) / Math.max(1, grain));
    if (workers.length == 0 || wanted <= 1) {
      task.run(0, n);
      return;
    }
    this.task = task;
    this.total = n;
    this.chunk = (n + wanted - 1) / wanted;
    this.chunks = (n + chunk - 1) / chunk;
    finished.set(0);
    int gen = generation + 1;
    claim.set((long) gen << 32);
    generation = gen;
    for (Thread worker : workers) {
      LockSupport.unpark(worker);
    }
    work(gen);
    while (finished.get() < chunks) {
      Thread.onSpinWait();
    }
    this.task = null;
  }

  private void work(int gen) {
    while (true) {
      long value = claim.get();
      if ((int) (value >>> 32) != gen) {
        return;
      }
      int index = (int) value;
      if (index >= chunks) {
        return;
      }
      if (!claim.compareAndSet(value, value + 1)) {
        continue;
      }
      int from = index * chunk;
      task.run(from, Math.min(total, from + chunk));
      finished.incrementAndGet();
    }
  }

  private void workerLoop() {
    int seen = 0;
    int idle = 0;
    while (!closed) {
      int gen = generation;
      if (gen == seen) {
        if (++idle < SPINS_BEFORE_PARK) {
          Thread.onSpinWait();
        } else {
          LockSupport.parkNanos(this, 1_000_000);
        }
        continue;
      }
      idle = 0;
      seen = gen;
      work(gen);
    }
  }

  @Override
  public void close() {
    closed = true;
    for (Thread worker : workers) {
      LockSupport.unpark(worker);
    }
  }
}
