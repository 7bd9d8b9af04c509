"""Tokenizer throughput: Gearbox's Java ByteLevelBpeTokenizer vs the HF `tokenizers` library.

Not run by CI. From the repository root, after `mvn -pl runtime test-compile` and
`mvn -pl runtime dependency:build-classpath -Dmdep.outputFile=target/cp.txt`:

    python3 runtime/src/test/python/bench_tokenizer.py [tokenizer.json | --large]

`--large` first trains a Llama-3-style tokenizer with a 32k vocabulary on text already on the
machine (the license texts in /usr/share/common-licenses and Python's standard library sources),
so merges and vocabulary have realistic sizes; the benchmark text is then drawn from the same
sources. Nothing from it is committed.

Builds a deterministic text of at least 32768 tokens (public-domain sentences from the fixture
corpus, shuffled, interleaved with numbers and made-up words so the word caches also see misses),
checks both implementations produce identical ids, times single-threaded `encode` in both
(first call and steady state) and prints the ratios.
"""

import glob
import os
import random
import subprocess
import sys
import tempfile
import time

from tokenizers import Tokenizer

sys.path.insert(0, os.path.dirname(__file__))
from make_tokenizer_fixtures import CORPUS  # noqa: E402

TARGET_TOKENS = 32768


def build_text(tok):
    rng = random.Random(1234)
    words = " ".join(CORPUS).split()
    parts = []
    while True:
        for _ in range(200):
            r = rng.random()
            if r < 0.1:
                parts.append(str(rng.randint(0, 10**6)))
            elif r < 0.2:
                parts.append("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9))))
            else:
                parts.append(rng.choice(words))
            if rng.random() < 0.05:
                parts.append("\n\n")
        text = " ".join(parts)
        if len(tok.encode(text, add_special_tokens=False).ids) >= TARGET_TOKENS:
            return text


def local_texts():
    """Readable text files that exist on any Debian + Python machine."""
    paths = sorted(glob.glob("/usr/share/common-licenses/*"))
    paths += sorted(glob.glob(os.path.join(os.path.dirname(os.__file__), "*.py")))
    texts = []
    for p in paths:
        if os.path.isfile(p):
            with open(p, encoding="utf-8", errors="replace") as f:
                texts.append(f.read())
    return texts


def train_large(out_path):
    from tokenizers import Regex, decoders, models, pre_tokenizers, trainers
    from make_tokenizer_fixtures import LLAMA3_PATTERN, SPECIALS

    tok = Tokenizer(models.BPE(ignore_merges=True))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=32000, special_tokens=SPECIALS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    texts = local_texts()
    tok.train_from_iterator(texts[::2], trainer=trainer)
    tok.save(out_path)
    return texts[1::2]


def local_text(tok, texts):
    rng = random.Random(1234)
    chosen = []
    while True:
        chosen.append(rng.choice(texts))
        text = "\n\n".join(chosen)
        ids = tok.encode(text, add_special_tokens=False).ids
        if len(ids) >= TARGET_TOKENS:
            # Cut to about TARGET_TOKENS tokens, on a character boundary of the original text.
            return text[: tok.encode(text, add_special_tokens=False).offsets[TARGET_TOKENS - 1][1]]


def main():
    arg = sys.argv[1] if len(sys.argv) > 1 else "runtime/src/test/resources/text/llama3-style.tokenizer.json"
    if arg == "--large":
        path = os.path.join(tempfile.gettempdir(), "gearbox-bench-32k.tokenizer.json")
        held_out = train_large(path)
        tok = Tokenizer.from_file(path)
        print(f"trained {path}: vocab {tok.get_vocab_size()}")
        text = local_text(tok, held_out)
    else:
        path = arg
        tok = Tokenizer.from_file(path)
        text = build_text(tok)

    fresh = Tokenizer.from_file(path)
    start = time.perf_counter()
    ids = fresh.encode(text, add_special_tokens=False).ids
    cold = time.perf_counter() - start
    for _ in range(5):
        fresh.encode(text, add_special_tokens=False)
    times = []
    for _ in range(20):
        start = time.perf_counter()
        fresh.encode(text, add_special_tokens=False)
        times.append(time.perf_counter() - start)
    n = len(ids)
    hf = {"cold": n / cold, "mean": n / (sum(times) / len(times)), "best": n / min(times)}
    print(f"hf tokens={n} cold_tokens_per_s={hf['cold']:.0f} mean_tokens_per_s={hf['mean']:.0f} best_tokens_per_s={hf['best']:.0f}")

    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
        f.write(text)
        text_file = f.name
    ids_file = text_file + ".ids"
    with open("runtime/target/cp.txt") as f:
        cp = "runtime/target/classes:runtime/target/test-classes:" + f.read().strip()
    java = os.path.join(os.environ.get("JAVA_HOME", "/usr"), "bin", "java")
    out = subprocess.run(
        [java, "-cp", cp, "dev.gearbox.runtime.text.TokenizerBenchmark", path, text_file, "20", ids_file],
        check=True, capture_output=True, text=True,
    ).stdout
    with open(ids_file) as f:
        java_ids = [int(line) for line in f]
    os.unlink(text_file)
    os.unlink(ids_file)
    print(out, end="")
    if java_ids != ids:
        first = next(i for i, (a, b) in enumerate(zip(java_ids + [-1], ids + [-1])) if a != b)
        sys.exit(f"ids differ from HF at position {first} (java {len(java_ids)} ids, hf {len(ids)})")
    print(f"ids identical to HF ({n} tokens)")
    values = dict(field.split("=", 1) for field in out.split() if "=" in field)
    for key in ("cold", "mean", "best"):
        java_rate = float(values[f"{key}_tokens_per_s"])
        print(f"ratio java/hf {key}: {java_rate / hf[key]:.2f}")


if __name__ == "__main__":
    main()
