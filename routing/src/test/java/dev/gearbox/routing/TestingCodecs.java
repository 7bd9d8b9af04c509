package dev.gearbox.routing;

import dev.gearbox.routing.text.TokenizerCodec;
import dev.gearbox.runtime.text.ByteTokenizer;
import dev.gearbox.runtime.text.ChatTemplate;
import dev.gearbox.runtime.text.SpecialTokens;
import java.util.Set;

/** Codecs for tests: the byte tokenizer the bundled tiny checkpoint uses (BOS 1, EOS 2). */
final class TestingCodecs {

  private TestingCodecs() {}

  static TokenizerCodec bytes() {
    return new TokenizerCodec(
        new ByteTokenizer(256, new SpecialTokens(1, Set.of(2), null, null)),
        new ChatTemplate(ChatTemplate.DEFAULT_TEMPLATE, null, null));
  }
}
