"""Tokenizer throughput: Gearbox's Java ByteLevelBpeTokenizer vs the HF `tokenizers` library.

Not run by CI. From the repository root, after `mvn -pl runtime test-compile` and
`mvn -pl runtime dependency:build-classpath -Dmdep.outputFile=target/cp.txt`:

    python3 runtime/src/test/python/bench_tokenizer.py [tokenizer.json]

Builds a deterministic text of at least 32768 tokens (public-domain sentences from the fixture
corpus, shuffled, interleaved with numbers and made-up words so the word caches also see misses),
checks both implementations produce the same number of tokens (exact ids are covered by the
fixture tests), times single-threaded `encode` in both
(first call and steady state) and prints the ratios.
"""

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


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "runtime/src/test/resources/text/llama3-style.tokenizer.json"
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
    with open("runtime/target/cp.txt") as f:
        cp = "runtime/target/classes:runtime/target/test-classes:" + f.read().strip()
    java = os.path.join(os.environ.get("JAVA_HOME", "/usr"), "bin", "java")
    out = subprocess.run(
        [java, "-cp", cp, "dev.gearbox.runtime.text.TokenizerBenchmark", path, text_file],
        check=True, capture_output=True, text=True,
    ).stdout
    os.unlink(text_file)
    print(out, end="")
    values = dict(field.split("=", 1) for field in out.split() if "=" in field)
    if int(values["tokens"]) != n:
        sys.exit(f"token count differs: java {values['tokens']} vs hf {n}")
    for key in ("cold", "mean", "best"):
        java_rate = float(values[f"{key}_tokens_per_s"])
        print(f"ratio java/hf {key}: {java_rate / hf[key]:.2f}")


if __name__ == "__main__":
    main()
