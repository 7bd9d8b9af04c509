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

  /** The generation ended normally. */
  void onFinished(Completion completion);

  /**
   * The request ended abnormally: {@link RequestAbortedException} (cancelled, deadline), {@link
   * ShuttingDownException} (drain grace period over) or any other exception from the model.
   */
  void onFailed(RuntimeException error);
}
