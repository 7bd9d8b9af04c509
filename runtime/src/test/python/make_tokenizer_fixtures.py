"""Generates the tokenizer fixtures used by dev.gearbox.runtime.text tests.

Not run by CI: the outputs are committed under runtime/src/test/resources/text/.
Run from the repository root with the HF `tokenizers` library installed:

    pip install tokenizers
    python3 runtime/src/test/python/make_tokenizer_fixtures.py

It trains three small byte-level BPE tokenizers on public-domain text (the Gettysburg
Address, 1863, and the opening of the US Declaration of Independence, 1776), one in the
Llama-3 style (Split regex + ByteLevel(use_regex=false), merges saved as [a, b] arrays,
ignore_merges=true, BOS added by TemplateProcessing) and one in the GPT-2 style
(ByteLevel pre-tokenizer with add_prefix_space, merges rewritten to the legacy "a b"
string form), plus a Qwen2-style one (NFC normalizer, one digit per pre-token, no BOS),
then records the ids the HF library itself produces for a set of tricky
strings, so the Java tokenizer can be checked against the reference exactly.
"""

import json
import os

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

OUT = os.path.join("runtime", "src", "test", "resources", "text")

CORPUS = [
    "Four score and seven years ago our fathers brought forth on this continent, a new nation, "
    "conceived in Liberty, and dedicated to the proposition that all men are created equal.",
    "Now we are engaged in a great civil war, testing whether that nation, or any nation so "
    "conceived and so dedicated, can long endure. We are met on a great battle-field of that war. "
    "We have come to dedicate a portion of that field, as a final resting place for those who here "
    "gave their lives that that nation might live. It is altogether fitting and proper that we "
    "should do this.",
    "But, in a larger sense, we can not dedicate -- we can not consecrate -- we can not hallow -- "
    "this ground. The brave men, living and dead, who struggled here, have consecrated it, far "
    "above our poor power to add or detract. The world will little note, nor long remember what "
    "we say here, but it can never forget what they did here.",
    "It is for us the living, rather, to be dedicated here to the unfinished work which they who "
    "fought here have thus far so nobly advanced. It is rather for us to be here dedicated to the "
    "great task remaining before us -- that from these honored dead we take increased devotion to "
    "that cause for which they gave the last full measure of devotion -- that we here highly "
    "resolve that these dead shall not have died in vain -- that this nation, under God, shall "
    "have a new birth of freedom -- and that government of the people, by the people, for the "
    "people, shall not perish from the earth.",
    "When in the Course of human events, it becomes necessary for one people to dissolve the "
    "political bands which have connected them with another, and to assume among the powers of "
    "the earth, the separate and equal station to which the Laws of Nature and of Nature's God "
    "entitle them, a decent respect to the opinions of mankind requires that they should declare "
    "the causes which impel them to the separation.",
    "We hold these truths to be self-evident, that all men are created equal, that they are "
    "endowed by their Creator with certain unalienable Rights, that among these are Life, "
    "Liberty and the pursuit of Happiness. It's 1776; they'll say we've won, I'm sure you'd agree.",
    "Année 1789: la Déclaration des droits de l'homme. Größe, naïve café — 東京 2024年 😀🚀",
]

SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>", "<|start_header_id|>", "<|end_header_id|>"]

LLAMA3_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)

QWEN2_PATTERN = LLAMA3_PATTERN.replace(r"\p{N}{1,3}", r"\p{N}")

CASES = [
    "",
    "Hello world",
    " Hello  world ",
    "Four score and seven years ago our fathers brought forth",
    "It's they'll we've I'm you'd IT'S THEY'LL",
    "1234567 3.14159 1,000,000 -42",
    "tabs\tand\nnewlines\r\n\n  spaces   \n\n\nend",
    "       leading and trailing      ",
    "Größe naïve café — Année",
    "東京 2024年",
    "emoji 😀🚀 flag 🇫🇷 family 👨‍👩‍👧",
    "<|begin_of_text|>Hello<|eot_id|>",
    "text <|start_header_id|>user<|end_header_id|>\n\nhi there<|eot_id|>",
    "<|eot_id|><|eot_id|> double",
    "weird <|eot_id spacing",
    "nation, conceived in Liberty, and dedicated to the proposition",
    "\u00a0non-breaking\u2003em-space\u3000ideographic",
    "combining e\u0301 vs \u00e9",
    "end\u00a0\u00a0\u00a0 1\u2003\u20032 !!\u00a0? x\u3000\u3000\u3000y",
    "line\u2028sep\u0085nel \u000b\u000c vt-ff",
    "x" * 300,
]


def train(pre_tokenizer, decoder, ignore_merges, normalizer=None):
    tok = Tokenizer(models.BPE(ignore_merges=ignore_merges))
    if normalizer is not None:
        tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizer
    tok.decoder = decoder
    trainer = trainers.BpeTrainer(
        vocab_size=256 + 400 + len(SPECIALS),
        special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(CORPUS * 3, trainer=trainer)
    return tok


def expectations(tok):
    out = []
    for text in CASES:
        with_special = tok.encode(text, add_special_tokens=True).ids
        without = tok.encode(text, add_special_tokens=False).ids
        out.append({
            "text": text,
            "ids": without,
            "idsWithSpecial": with_special,
            "decoded": tok.decode(without, skip_special_tokens=True),
            "decodedWithSpecial": tok.decode(without, skip_special_tokens=False),
            # Pre-tokenizer output alone (no normalizer, no added tokens), byte-level mapped.
            "pieces": [piece for piece, _ in tok.pre_tokenizer.pre_tokenize_str(text)],
        })
    return out


def save(tok, name, legacy_merges):
    path = os.path.join(OUT, name + ".tokenizer.json")
    tok.save(path, pretty=True)
    if legacy_merges:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        data["model"]["merges"] = [" ".join(m) if isinstance(m, list) else m for m in data["model"]["merges"]]
        with open(path, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=2)
    reloaded = Tokenizer.from_file(path)
    with open(os.path.join(OUT, name + ".expected.json"), "w", encoding="utf-8") as f:
        json.dump(expectations(reloaded), f, ensure_ascii=False, indent=1)


def main():
    llama = train(
        pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]),
        decoders.ByteLevel(),
        ignore_merges=True,
    )
    llama.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(
            single="<|begin_of_text|> $A",
            pair="<|begin_of_text|> $A <|begin_of_text|> $B",
            special_tokens=[("<|begin_of_text|>", llama.token_to_id("<|begin_of_text|>"))],
        ),
    ])
    save(llama, "llama3-style", legacy_merges=False)

    qwen = train(
        pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(QWEN2_PATTERN), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]),
        decoders.ByteLevel(),
        ignore_merges=False,
        normalizer=normalizers.NFC(),
    )
    qwen.post_processor = processors.ByteLevel(trim_offsets=False)
    save(qwen, "qwen2-style", legacy_merges=False)

    gpt2 = train(pre_tokenizers.ByteLevel(add_prefix_space=True), decoders.ByteLevel(), ignore_merges=False)
    gpt2.post_processor = processors.ByteLevel(trim_offsets=True)
    save(gpt2, "gpt2-style", legacy_merges=True)


if __name__ == "__main__":
    main()
