package dev.gearbox.routing.text;

import java.util.List;

/**
 * The ChatML layout ({@code <|im_start|>role\ncontent<|im_end|>}), used for checkpoints that ship
 * no chat template of their own, as llama.cpp and others do.
 */
public final class ChatMl {

  private ChatMl() {}

  /** Renders {@code messages} and opens the assistant's turn. */
  public static String render(List<PromptCodec.ChatMessage> messages) {
    StringBuilder sb = new StringBuilder();
    for (PromptCodec.ChatMessage m : messages) {
      sb.append("<|im_start|>").append(m.role()).append('\n').append(m.content()).append("<|im_end|>\n");
    }
    return sb.append("<|im_start|>assistant\n").toString();
  }
}
