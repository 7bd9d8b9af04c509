package dev.gearbox.runtime.text;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Byte-level BPE tokenizer loaded from a HF {@code tokenizer.json} (GPT-2, Llama-3, Qwen2
 * families), producing exactly the ids of the HF {@code tokenizers} library.
 */
public final class ByteLevelBpeTokenizer implements Tokenizer {

  /** What the post-processor adds around the encoded text when special tokens are requested. */
  record Template(int[] prefix, int[] suffix) {
    static final Template NONE = new Template(new int[0], new int[0]);
  }

  private final String[] idToToken;
  private final byte[][] idToBytes;
  private final Map<String, Integer> tokenToId;
  private final boolean[] special;
  private final AddedTokens addedTokens;
  private final boolean nfc;
  private final PreTokenizer preTokenizer;
  private final BpeModel bpe;
  private final Template template;
  private final int bosId;
  private final Set<Integer> eosIds;

  ByteLevelBpeTokenizer(
      String[] idToToken,
      boolean[] special,
      AddedTokens addedTokens,
      boolean nfc,
      PreTokenizer preTokenizer,
      BpeModel bpe,
      Template template,
      int bosId,
      Set<Integer> eosIds) {
    this.idToToken = idToToken;
    this.special = special;
    this.addedTokens = addedTokens;
    this.nfc = nfc;
    this.preTokenizer = preTokenizer;
    this.bpe = bpe;
    this.template = template;
    this.bosId = bosId;
    this.eosIds = Set.copyOf(eosIds);
    this.idToBytes = new byte[idToToken.length][];
    this.tokenToId = new HashMap<>(idToToken.length * 2);
    for (int id = 0; id < idToToken.length; id++) {
      if (idToToken[id] != null) {
        idToBytes[id] = ByteLevelAlphabet.decode(idToToken[id]);
        tokenToId.put(idToToken[id], id);
      }
    }
  }

  /** Loads {@code tokenizer.json}; BOS/EOS come from {@code specials} resolved by the caller. */
  public static ByteLevelBpeTokenizer load(Path tokenizerJson) {
    return TokenizerJsonReader.read(tokenizerJson, SpecialTokens.NONE);
  }

  /** Loads {@code tokenizer.json} with BOS/EOS ids from the checkpoint's config files. */
  public static ByteLevelBpeTokenizer load(Path tokenizerJson, SpecialTokens specials) {
    return TokenizerJsonReader.read(tokenizerJson, specials);
  }

  @Override
  public int[] encode(String text, boolean addSpecialTokens) {
    IdBuffer out = new IdBuffer();
    if (addSpecialTokens) {
      for (int id : template.prefix()) {
        out.add(id);
      }
    }
    BpeModel.Scratch scratch = new BpeModel.Scratch();
    List<String> single = new ArrayList<>(1);
    List<String> words = new ArrayList<>();
    addedTokens.split(
        text,
        new AddedTokens.Sink() {
          @Override
          public void text(String run) {
            single.clear();
            single.add(nfc ? Normalizer.normalize(run, Normalizer.Form.NFC) : run);
            words.clear();
            preTokenizer.split(single, words);
            for (String word : words) {
              bpe.encodeWord(word, out, scratch);
            }
          }

          @Override
          public void token(AddedTokens.Token token) {
            out.add(token.id());
          }
        });
    if (addSpecialTokens) {
      for (int id : template.suffix()) {
        out.add(id);
      }
    }
    return out.toArray();
  }

  /**
   * Pre-tokenizer output for raw text, in byte-level characters, as HF pre_tokenize_str gives it.
   */
  List<String> preTokenize(String text) {
    List<String> words = new ArrayList<>();
    preTokenizer.split(List.of(text), words);
    List<String> pieces = new ArrayList<>(words.size());
    for (String word : words) {
      byte[] utf8 = word.getBytes(StandardCharsets.UTF_8);
      pieces.add(ByteLevelAlphabet.encode(utf8, 0, utf8.length));
    }
    return pieces;
  }

  @Override
  public String decode(int[] ids, boolean skipSpecialTokens) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(ids.length * 4);
    for (int id : ids) {
      if (skipSpecialTokens && isSpecial(id)) {
        continue;
      }
      bytes.writeBytes(tokenBytes(id));
    }
    // new String(...) replaces invalid UTF-8 with U+FFFD, like Rust's from_utf8_lossy in HF.
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Override
  public int vocabSize() {
    return idToToken.length;
  }

  @Override
  public int bosId() {
    return bosId;
  }

  @Override
  public Set<Integer> eosIds() {
    return eosIds;
  }

  @Override
  public boolean isSpecial(int id) {
    return id >= 0 && id < special.length && special[id];
  }

  @Override
  public byte[] tokenBytes(int id) {
    if (id < 0 || id >= idToBytes.length || idToBytes[id] == null) {
      throw new IllegalArgumentException(
          "token id " + id + " is not in the vocabulary (size " + idToToken.length + ")");
    }
    return idToBytes[id];
  }

  @Override
  public String specialTokenText(int id) {
    return isSpecial(id) ? idToToken[id] : null;
  }

  /** The vocabulary string of an id (byte-level characters), for diagnostics. */
  public String tokenString(int id) {
    return id >= 0 && id < idToToken.length ? idToToken[id] : null;
  }

  /** Id of a vocabulary or added-token string, or -1. */
  public int tokenId(String token) {
    return tokenToId.getOrDefault(token, -1);
  }
}
