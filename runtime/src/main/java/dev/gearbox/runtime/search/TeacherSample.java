package dev.gearbox.runtime.search;

import java.util.Optional;

/**
 * One completion sampled from the teacher placement, with the teacher's log-probability of each
 * completion token: the {@code x_i} and {@code log p(x_i)} of an importance weight.
 *
 * @param id the sample's id in the file
 * @param prompt token ids the completion is conditioned on
 * @param completion token ids sampled from the teacher
 * @param teacherLogProbs {@code log p(completion[j] | prompt, completion[..j])}, one per token
 * @param correct the task's verdict on the completion, when the samples are labelled
 */
public record TeacherSample(
    long id, int[] prompt, int[] completion, double[] teacherLogProbs, Optional<Boolean> correct) {

  /** Teacher log-probability of the whole completion, {@code log p(x)}. */
  public double teacherLogProb() {
    double sum = 0;
    for (double lp : teacherLogProbs) {
      sum += lp;
    }
    return sum;
  }

  /** Prompt followed by completion, the tokens one forward pass consumes. */
  public int[] tokens() {
    int[] all = new int[prompt.length + completion.length];
    System.arraycopy(prompt, 0, all, 0, prompt.length);
    System.arraycopy(completion, 0, all, prompt.length, completion.length);
    return all;
  }
}
