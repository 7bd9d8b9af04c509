"""Builds the corpus, the byte-level BPE tokenizer and the token arrays for train.py (runs on a CPU).

Corpus: the King James Bible from Debian's `bible-kjv-text` (public domain), dumped with the
`bible` program of `bible-kjv`. One verse per line without verse numbers; a line with the book
and chapter before each chapter. The last 5% of the text (by lines) is held out for evaluation.

Usage: python3 prepare_data.py OUT_DIR [--vocab 4096]
Writes OUT_DIR/{corpus.txt, train.npy, heldout.npy, tokenizer.json, tokenizer_config.json, data.json}.
"""

import argparse
import json
import os
import re
import subprocess

import numpy as np
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

SPECIAL_TOKENS = ["<pad>", "<s>", "</s>", "<|system|>", "<|user|>", "<|assistant|>"]
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}</s>\n"
    "{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


def kjv_lines():
    raw = subprocess.run(["bible", "Gen1:1-Rev22:21"], check=True, capture_output=True, text=True).stdout
    lines, verse, previous_blank = [], None, True
    for line in raw.splitlines():
        verse_start = re.match(r"^\s+\d+ (.*)$", line)
        blank = line.strip() == ""
        if verse_start:
            if verse is not None:
                lines.append(verse)
            verse = verse_start.group(1).strip()
        elif blank:
            pass
        elif previous_blank:
            # A chapter heading such as "Genesis 1": the dump puts blank lines around it.
            if verse is not None:
                lines.append(verse)
                verse = None
            lines.append(line.strip())
        else:
            if verse is None:
                raise ValueError(f"unexpected text outside a verse: {line!r}")
            verse += " " + line.strip()
        previous_blank = blank
    if verse is not None:
        lines.append(verse)
    return lines


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--vocab", type=int, default=4096)
    parser.add_argument("--heldout-fraction", type=float, default=0.05)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    lines = kjv_lines()
    split = int(len(lines) * (1 - args.heldout_fraction))
    train_text = "\n".join(lines[:split]) + "\n"
    heldout_text = "\n".join(lines[split:]) + "\n"
    with open(os.path.join(args.out, "corpus.txt"), "w") as f:
        f.write(train_text + heldout_text)

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=args.vocab, special_tokens=SPECIAL_TOKENS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), min_frequency=2)
    tokenizer.train_from_iterator([train_text], trainer=trainer)
    if tokenizer.get_vocab_size() != args.vocab:
        raise ValueError(f"tokenizer has {tokenizer.get_vocab_size()} tokens, expected {args.vocab}")
    # Every training sequence starts with <s>, so tokenizing a prompt must add it too.
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A", pair="<s> $A $B", special_tokens=[("<s>", tokenizer.token_to_id("<s>"))])
    tokenizer.save(os.path.join(args.out, "tokenizer.json"))
    with open(os.path.join(args.out, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<s>", "eos_token": "</s>",
                   "pad_token": "<pad>", "add_bos_token": True, "add_eos_token": False,
                   "model_max_length": 4096, "clean_up_tokenization_spaces": False,
                   "chat_template": CHAT_TEMPLATE}, f, indent=2)

    bos = tokenizer.token_to_id("<s>")
    stats = {"lines": len(lines), "train_lines": split, "vocab": args.vocab, "bos_id": bos,
             "eos_id": tokenizer.token_to_id("</s>"), "pad_id": tokenizer.token_to_id("<pad>")}
    for name, text in (("train", train_text), ("heldout", heldout_text)):
        ids = [bos] + tokenizer.encode(text, add_special_tokens=False).ids
        if tokenizer.decode(ids[1:]) != text:
            raise ValueError(f"{name}: tokenizer does not round-trip the text")
        np.save(os.path.join(args.out, f"{name}.npy"), np.asarray(ids, dtype=np.uint16))
        stats[f"{name}_tokens"] = len(ids)
        stats[f"{name}_bytes"] = len(text.encode())
        stats[f"{name}_first_line"] = text.splitlines()[0]
    with open(os.path.join(args.out, "data.json"), "w") as f:
        json.dump(stats, f, indent=2)
    print(json.dumps(stats, indent=2))


if __name__ == "__main__":
    main()
