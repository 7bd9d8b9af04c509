package dev.gearbox.runtime.engine;

/**
 * Receives one request's output on the scheduler thread: any number of {@link #onToken} calls,
 * then exactly one of {@link #onFinished} or {@link #onFailed}. Implementations must not block.
 */
public interface GenerationListener {

  /**
   * One generated token and its text ({@code ""} without a tokenizer, or for a stop token, or
   * while a possible stop string is still undecided).
   */
  void onToken(int tokenId, String text);

  /**
   * False while the client is not taking output (its stream's buffer is full): the engine then
   * pauses the sequence (no decode, so nothing more is buffered for it) until this turns true
   * again and {@link RequestHandle#resume} is called, and fails it with a {@link
   * RequestAbortedException} ({@code STALLED}) once it has been paused longer than {@link
   * EngineConfig#pausedTimeout}. Called on the scheduler thread; must be cheap.
   */
  default boolean ready() {
    return true;
  }

  /** The generation ended normally. */
  void onFinished(Completion completion);

  /**
   * The request ended abnormally: {@link RequestAbortedException} (cancelled, deadline), {@link
   * ShuttingDownException} (drain grace period over) or any other exception from the model.
   */
  void onFailed(RuntimeException error);
}
