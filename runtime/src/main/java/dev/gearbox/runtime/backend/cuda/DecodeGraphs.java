package dev.gearbox.runtime.backend.cuda;

import static jcuda.driver.JCudaDriver.cuGraphDestroy;
import static jcuda.driver.JCudaDriver.cuGraphExecDestroy;
import static jcuda.driver.JCudaDriver.cuGraphInstantiate;
import static jcuda.driver.JCudaDriver.cuGraphLaunch;
import static jcuda.driver.JCudaDriver.cuStreamBeginCapture;
import static jcuda.driver.JCudaDriver.cuStreamEndCapture;

import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUstreamCaptureMode;

/**
 * Decode steps captured as CUDA graphs, one per (batch bucket, sampling or not, set of (layer,
 * mixer) pairs in use), kept in an LRU. A graph reads all per-step inputs from fixed device buffers
 * (see {@link Workspace}), so one graph serves any batch of that shape and mixer union.
 */
final class DecodeGraphs implements AutoCloseable {
  /** What a graph was captured for. {@code pairs} is never mutated after construction. */
  record Key(int bucket, boolean sample, BitSet pairs) {
    Key {
      pairs = (BitSet) pairs.clone();
    }
  }

  /** A map in access order that evicts (and hands to {@code onEvict}) beyond {@code capacity}. */
  static final class Lru<K, V> extends LinkedHashMap<K, V> {
    private final int capacity;
    private final Consumer<V> onEvict;

    Lru(int capacity, Consumer<V> onEvict) {
      super(16, 0.75f, true);
      this.capacity = capacity;
      this.onEvict = onEvict;
    }

    @Override
    protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
      if (size() > capacity) {
        onEvict.accept(eldest.getValue());
        return true;
      }
      return false;
    }
  }

  private record Graph(CUgraph graph, CUgraphExec exec) {
    void destroy() {
      cuGraphExecDestroy(exec);
      cuGraphDestroy(graph);
    }
  }

  static final int CAPACITY = 32;

  private final CudaContext ctx;
  private final Lru<Key, Graph> graphs = new Lru<>(CAPACITY, Graph::destroy);
  private int captures;
  // The last launched graph and its key: the allocation-free path for an unchanged batch. The
  // last inserted graph is never the one an insertion evicts, so lastGraph is always live.
  private Key lastKey;
  private Graph lastGraph;

  DecodeGraphs(CudaContext ctx) {
    this.ctx = ctx;
  }

  /** Graphs captured so far (cache misses). */
  int captures() {
    return captures;
  }

  int cached() {
    return graphs.size();
  }

  /**
   * Launches the graph for (bucket, sample, pairs), capturing {@code launches} (which must only
   * enqueue work on the context's stream) the first time. A step with the same shape as the last
   * one (the steady state of a running batch) allocates nothing: it reuses the last graph without
   * building a key.
   */
  void launch(int bucket, boolean sample, BitSet pairs, Runnable launches) {
    Graph graph;
    if (lastKey != null
        && lastKey.bucket() == bucket
        && lastKey.sample() == sample
        && lastKey.pairs().equals(pairs)) {
      graph = lastGraph;
    } else {
      Key key = new Key(bucket, sample, pairs);
      graph = graphs.get(key);
      if (graph == null) {
        graph = capture(launches);
        graphs.put(key, graph);
      }
      lastKey = key;
      lastGraph = graph;
    }
    cuGraphLaunch(graph.exec(), ctx.stream());
  }

  private Graph capture(Runnable launches) {
    CUgraph graph = new CUgraph();
    cuStreamBeginCapture(ctx.stream(), CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_RELAXED);
    boolean ended = false;
    try {
      launches.run();
      cuStreamEndCapture(ctx.stream(), graph);
      ended = true;
    } finally {
      if (!ended) {
        // Leave the stream usable: end the broken capture and drop what it recorded.
        try {
          CUgraph broken = new CUgraph();
          cuStreamEndCapture(ctx.stream(), broken);
          cuGraphDestroy(broken);
        } catch (RuntimeException ignored) {
          // The capture was already invalidated; nothing more to clean.
        }
      }
    }
    CUgraphExec exec = new CUgraphExec();
    try {
      cuGraphInstantiate(exec, graph, 0);
    } catch (RuntimeException e) {
      cuGraphDestroy(graph);
      throw e;
    }
    captures++;
    return new Graph(graph, exec);
  }

  @Override
  public void close() {
    for (Graph graph : graphs.values()) {
      graph.destroy();
    }
    graphs.clear();
  }
}
