/**
 * Text in and out of the model: tokenizers, streaming detokenization and chat templates.
 *
 * <p>Data flow: chat messages -> {@link dev.gearbox.runtime.text.ChatTemplate} (the checkpoint's
 * Jinja template) -> prompt text -> {@link dev.gearbox.runtime.text.Tokenizer#encode} -> ids for
 * the engine; generated ids -> {@link dev.gearbox.runtime.text.Detokenizer} (one per sequence) ->
 * UTF-8-safe text deltas for streaming. {@link dev.gearbox.runtime.text.Tokenizers#load} picks the
 * tokenizer of a checkpoint directory.
 *
 * <p>{@link dev.gearbox.runtime.text.ByteLevelBpeTokenizer} reproduces the HF {@code tokenizers}
 * library exactly for byte-level BPE ({@code tokenizer.json} of GPT-2, Llama-3, Qwen2 families);
 * tests compare against ids the HF library produced. Known differences, none of which affect those
 * families: added tokens are matched on raw text even when marked {@code normalized}, and their
 * {@code single_word} flag is ignored; only NFC normalization, ByteLevel / Split (Isolated,
 * Removed) pre-tokenizers, and TemplateProcessing / ByteLevel / Roberta / Bert post-processors
 * (single-sequence template only) are supported, anything else is rejected with the field named.
 *
 * <p>Tokenizers are immutable and thread-safe (the per-word merge cache is concurrent);
 * detokenizers hold per-sequence state and are not.
 */
package dev.gearbox.runtime.text;
