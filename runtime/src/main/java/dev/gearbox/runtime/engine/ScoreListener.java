package dev.gearbox.runtime.engine;

/** Receives the result of one scoring request on the scheduler thread, exactly once. */
public interface ScoreListener {

  /** {@code logProbs[i]} is log p(token[i + 1] | tokens[0..i]). */
  void onScored(float[] logProbs);

  /** Same failures as {@link GenerationListener#onFailed}. */
  void onFailed(RuntimeException error);
}
