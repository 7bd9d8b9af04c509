package dev.gearbox.routing.runtime;

/** Receives the stream of one generation; see {@link RuntimeClient#generate}. */
public interface GenerateListener {

  /** One generated token and the text it adds (may be empty while a UTF-8 sequence is split). */
  void onToken(int tokenId, String text);

  /** The generation ended normally. */
  void onComplete(FinishReason reason, int promptTokens, int completionTokens);

  /** The generation failed; no further callbacks follow. */
  void onError(RuntimeFailure failure);

  /** Why a generation stopped, in OpenAI's words. */
  enum FinishReason {
    /** An end-of-sequence or stop token or sequence. */
    STOP("stop"),
    /** {@code max_tokens} or the context limit was reached. */
    LENGTH("length");

    private final String openAiName;

    FinishReason(String openAiName) {
      this.openAiName = openAiName;
    }

    /** The value of {@code finish_reason} in OpenAI responses. */
    public String openAiName() {
      return openAiName;
    }
  }
}
