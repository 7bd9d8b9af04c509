package dev.gearbox.runtime.engine;

/**
 * The summary sent once when a generation ends normally.
 *
 * @param reason why it ended
 * @param placement the placement it ran under
 * @param promptTokens tokens of the prompt
 * @param completionTokens tokens generated, stop token included
 * @param timeToFirstTokenSeconds from submission to the first generated token
 * @param queueSeconds from submission to admission (memory reserved)
 */
public record Completion(
    FinishReason reason,
    String placement,
    int promptTokens,
    int completionTokens,
    double timeToFirstTokenSeconds,
    double queueSeconds) {}
