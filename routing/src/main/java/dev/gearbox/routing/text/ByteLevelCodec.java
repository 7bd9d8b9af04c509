package dev.gearbox.routing.text;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A codec for byte-vocabulary checkpoints (the bundled tiny supernet has 256 ids): each UTF-8 byte
 * is one token, after an optional beginning-of-sequence id. Chat is rendered in the ChatML layout,
 * the common default for checkpoints that ship no template of their own.
 */
public final class ByteLevelCodec implements PromptCodec {

  private final int bosTokenId;
  private final List<Integer> stopTokenIds;

  /**
   * @param bosTokenId id prepended to every prompt, or -1 for none
   * @param stopTokenIds ids that end generation
   */
  public ByteLevelCodec(int bosTokenId, List<Integer> stopTokenIds) {
    this.bosTokenId = bosTokenId;
    this.stopTokenIds = List.copyOf(stopTokenIds);
  }

  @Override
  public int[] encode(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    int offset = bosTokenId >= 0 ? 1 : 0;
    int[] ids = new int[bytes.length + offset];
    if (offset == 1) {
      ids[0] = bosTokenId;
    }
    for (int i = 0; i < bytes.length; i++) {
      ids[i + offset] = bytes[i] & 0xff;
    }
    return ids;
  }

  @Override
  public String renderChat(List<ChatMessage> messages) {
    StringBuilder sb = new StringBuilder();
    for (ChatMessage m : messages) {
      sb.append("<|im_start|>").append(m.role()).append('\n').append(m.content()).append("<|im_end|>\n");
    }
    return sb.append("<|im_start|>assistant\n").toString();
  }

  @Override
  public List<Integer> stopTokenIds() {
    return stopTokenIds;
  }
}
