package dev.gearbox.routing.runtime;

import java.util.concurrent.Executor;

/**
 * What the router needs from one model runtime: its catalogue, its load, and streaming generation.
 *
 * <p>The gRPC implementation talks to the runtime server over one shared channel; tests use small
 * hand-written {@code Testing*} runtimes. Implementations are thread-safe.
 */
public interface RuntimeClient extends AutoCloseable {

  /**
   * The served model and its placements.
   *
   * @throws RuntimeFailure when the runtime cannot be reached or is not ready
   */
  RuntimeInfo info();

  /**
   * Current load (KV utilisation, readiness), as cheap as the runtime can make it.
   *
   * @throws RuntimeFailure when the runtime cannot be reached
   */
  RuntimeLoad load();

  /**
   * Starts one generation; tokens and the end arrive on {@code listener}, in order, run by {@code
   * callbacks}, and exactly one of {@code onComplete}/{@code onError} ends the stream.
   *
   * @param callbacks runs the listener's methods (the caller's event loop, so the listener needs no
   *     locking and no extra thread hop)
   * @return a handle that cancels the call on the runtime (frees its batch slot and cache)
   */
  Cancellable generate(GenerateCall call, GenerateListener listener, Executor callbacks);

  @Override
  void close();

  /**
   * Controls a call in flight: cancel it, or pause and resume the delivery of its tokens (a slow
   * HTTP client: the transport's flow control then stops the runtime, which pauses the sequence).
   */
  @FunctionalInterface
  interface Cancellable {
    /** Cancels the call; safe to call more than once and after the call ended. */
    void cancel();

    /** Stops taking tokens from the runtime until {@link #resume}; call from the callbacks' thread. */
    default void pause() {}

    /** Takes tokens again after {@link #pause}; call from the callbacks' thread. */
    default void resume() {}
  }
}
