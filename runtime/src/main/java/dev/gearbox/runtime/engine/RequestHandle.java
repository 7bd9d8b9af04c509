package dev.gearbox.runtime.engine;

/** The submitter's handle on an accepted request. */
public interface RequestHandle {

  /**
   * Asks the scheduler to drop the request; its memory is freed at the next step and its
   * listener gets a {@link RequestAbortedException}. Safe from any thread, more than once.
   */
  void cancel();

  /**
   * Tells the scheduler that the listener may be {@link GenerationListener#ready() ready} again,
   * so a paused sequence resumes at the next step. Safe from any thread.
   */
  default void resume() {}

  /** The placement the request runs under (the default one resolved). */
  String placementName();
}
