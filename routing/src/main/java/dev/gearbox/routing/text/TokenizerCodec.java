package dev.gearbox.routing.text;

import dev.gearbox.runtime.text.Detokenizer;
import dev.gearbox.runtime.text.Tokenizer;
import dev.gearbox.runtime.text.Tokenizers;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * A {@link PromptCodec} over the checkpoint's own tokenizer (the runtime's {@code text} package,
 * so router and runtime agree on every id) and a chat renderer.
 */
public final class TokenizerCodec implements PromptCodec {

  private final Tokenizer tokenizer;
  private final Function<List<ChatMessage>, String> chat;
  private final List<Integer> stopTokenIds;

  /**
   * @param tokenizer the checkpoint's tokenizer
   * @param chat renders messages into the prompt text
   */
  public TokenizerCodec(Tokenizer tokenizer, Function<List<ChatMessage>, String> chat) {
    this.tokenizer = tokenizer;
    this.chat = chat;
    this.stopTokenIds = tokenizer.eosIds().stream().sorted().toList();
  }

  /** The tokenizer of the checkpoint in {@code modelDir}, with ChatML for chat. */
  public static TokenizerCodec forCheckpoint(Path modelDir, int vocabSize) {
    return new TokenizerCodec(Tokenizers.load(modelDir, vocabSize), ChatMl::render);
  }

  @Override
  public int[] encode(String text) {
    return tokenizer.encode(text, true);
  }

  @Override
  public String renderChat(List<ChatMessage> messages) {
    return chat.apply(messages);
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
