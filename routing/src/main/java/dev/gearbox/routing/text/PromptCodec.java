package dev.gearbox.routing.text;

import java.util.List;

/**
 * Turns a request's prompt into the token ids the runtime consumes and generated ids back into
 * text. The router tokenizes because routing rules and the context-length check need the prompt's
 * token count before a placement is chosen; it detokenizes so streamed text never splits a
 * character, whatever the runtime sends.
 */
public interface PromptCodec {

  /** Token ids of {@code text}, with the model's beginning-of-sequence token when it uses one. */
  int[] encode(String text);

  /**
   * Renders chat {@code messages} with the checkpoint's chat template, ending with the assistant
   * turn.
   *
   * @throws IllegalArgumentException when the template rejects the conversation
   */
  String renderChat(List<ChatMessage> messages);

  /** Token ids that end generation (end-of-sequence and end-of-turn). */
  List<Integer> stopTokenIds();

  /** A fresh decoder for one generated sequence. */
  StreamDecoder newDecoder();

  /** Incremental detokenizer of one sequence; not thread-safe. */
  interface StreamDecoder {
    /** The text token {@code id} completes (empty while a character is split across tokens). */
    String accept(int id);

    /** Text still held at the end of the sequence. */
    String finish();
  }

  /**
   * One chat message.
   *
   * @param role {@code system}, {@code user}, {@code assistant} or {@code tool}
   * @param content its text
   */
  record ChatMessage(String role, String content) {}
}
