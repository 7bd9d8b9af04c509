package dev.gearbox.routing.text;

import dev.gearbox.runtime.text.ChatTemplate;
import dev.gearbox.runtime.text.Detokenizer;
import dev.gearbox.runtime.text.Tokenizer;
import dev.gearbox.runtime.text.Tokenizers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link PromptCodec} over the checkpoint's own tokenizer and chat template (the runtime's {@code
 * text} package, so router and runtime agree on every id; the template is the Jinja {@code
 * chat_template} of {@code tokenizer_config.json}, rendered by Jinjava).
 */
public final class TokenizerCodec implements PromptCodec {

  private final Tokenizer tokenizer;
  private final ChatTemplate chat;
  private final List<Integer> stopTokenIds;

  /**
   * @param tokenizer the checkpoint's tokenizer
   * @param chat the checkpoint's chat template
   */
  public TokenizerCodec(Tokenizer tokenizer, ChatTemplate chat) {
    this.tokenizer = tokenizer;
    this.chat = chat;
    this.stopTokenIds = tokenizer.eosIds().stream().sorted().toList();
  }

  /** The tokenizer and chat template of the checkpoint in {@code modelDir}. */
  public static TokenizerCodec forCheckpoint(Path modelDir, int vocabSize) {
    return new TokenizerCodec(Tokenizers.load(modelDir, vocabSize), ChatTemplate.load(modelDir));
  }

  @Override
  public int[] encode(String text) {
    return tokenizer.encode(text, true);
  }

  @Override
  public String renderChat(List<ChatMessage> messages) {
    List<ChatTemplate.Message> list = new ArrayList<>(messages.size());
    for (ChatMessage m : messages) {
      list.add(new ChatTemplate.Message(m.role(), m.content()));
    }
    try {
      return chat.render(list, true);
    } catch (ChatTemplate.ChatTemplateException e) {
      throw new IllegalArgumentException(
          "the model's chat template rejected the messages: " + e.getMessage(), e);
    }
  }

  @Override
  public List<Integer> stopTokenIds() {
    return stopTokenIds;
  }

  @Override
  public StreamDecoder newDecoder() {
    Detokenizer d = tokenizer.newDetokenizer(true);
    return new StreamDecoder() {
      @Override
      public String accept(int id) {
        return d.accept(id);
      }

      @Override
      public String finish() {
        return d.finish();
      }
    };
  }
}
