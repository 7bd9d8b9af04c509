#!/usr/bin/env python3
"""HF transformers peer for the Gearbox GPU benchmark.

Builds the benchmark's dense shapes with random bf16 weights directly on the GPU (meta device,
then to_empty + normal_(0, 0.02); no host copy, so the 15B shape needs no host RAM) and measures
decode tokens/s with greedy generate at a 512-token context, batch 1 and 16, using a static KV
cache when this transformers version supports it (plain generate otherwise).

Decode time is isolated from prefill: per-step = (T(1 + N new tokens) - T(1 new token)) / N,
medians of a few runs each. Writes JSON (results[]: shape, batch, tokens_per_second, mode, ...)
that CudaDecodeBenchmark --peer reads for the gearbox/HF ratio, and prints a table.

Shapes (names match dev.gearbox.runtime.bench.BenchShapes):
  llama-3.2-1b     LlamaForCausalLM
  qwen3-1.7b       Qwen3ForCausalLM
  superapriel-15b  MistralForCausalLM (the 15B all-FA shape: 48 layers, hidden 5120, 32/8 heads)
"""
import argparse
import gc
import json
import statistics
import sys
import time

import torch
import transformers

SHAPES = {
    "llama-3.2-1b": (
        "LlamaForCausalLM",
        "LlamaConfig",
        dict(
            hidden_size=2048, intermediate_size=8192, num_hidden_layers=16,
            num_attention_heads=32, num_key_value_heads=8, head_dim=64, vocab_size=128256,
            max_position_embeddings=131072, rms_norm_eps=1e-5, rope_theta=500000.0,
            rope_scaling=dict(rope_type="llama3", factor=32.0, low_freq_factor=1.0,
                              high_freq_factor=4.0, original_max_position_embeddings=8192),
            tie_word_embeddings=True),
    ),
    "qwen3-1.7b": (
        "Qwen3ForCausalLM",
        "Qwen3Config",
        dict(
            hidden_size=2048, intermediate_size=6144, num_hidden_layers=28,
            num_attention_heads=16, num_key_value_heads=8, head_dim=128, vocab_size=151936,
            max_position_embeddings=40960, rms_norm_eps=1e-6, rope_theta=1000000.0,
            tie_word_embeddings=True),
    ),
    "superapriel-15b": (
        "MistralForCausalLM",
        "MistralConfig",
        dict(
            hidden_size=5120, intermediate_size=14336, num_hidden_layers=48,
            num_attention_heads=32, num_key_value_heads=8, head_dim=128, vocab_size=131072,
            max_position_embeddings=262144, rms_norm_eps=1e-5, rope_theta=500000.0,
            sliding_window=None, tie_word_embeddings=False),
    ),
}


def build(shape):
    """Random bf16 model of `shape` on cuda, built on the meta device (no host weights)."""
    model_cls, config_cls, kwargs = SHAPES[shape]
    config = getattr(transformers, config_cls)(**kwargs)
    config.use_cache = True
    with torch.device("meta"):
        model = getattr(transformers, model_cls)(config)
    model = model.to(torch.bfloat16)
    model.to_empty(device="cuda")
    with torch.no_grad():
        for name, param in model.named_parameters():
            if param.dim() == 1:
                param.fill_(1.0)  # norm weights
            else:
                param.normal_(0.0, 0.02)
    if config.tie_word_embeddings:
        model.tie_weights()  # to_empty replaced the shared tensor per module
    # Non-persistent buffers (RoPE inv_freq) were left uninitialised by to_empty: rebuild them.
    rotary = getattr(model.model, "rotary_emb", None)
    if rotary is None:
        raise RuntimeError(f"{model_cls} has no model.rotary_emb to re-initialise")
    model.model.rotary_emb = type(rotary)(config=config, device="cuda")
    model.eval()
    model.generation_config.eos_token_id = None
    model.generation_config.pad_token_id = 0
    return model


def generate_fn(model, compile_forward):
    """A generate(input_ids, new_tokens) closure and the cache mode it ended up using."""
    base = dict(do_sample=False, use_cache=True, eos_token_id=None, pad_token_id=0)
    attempts = [
        ("static" + ("-compiled" if compile_forward else "-eager"),
         dict(cache_implementation="static", disable_compile=not compile_forward)),
        ("static", dict(cache_implementation="static")),
        ("dynamic", {}),
    ]
    probe = torch.randint(0, 1000, (1, 8), device="cuda")
    for mode, extra in attempts:
        def run(ids, new_tokens, extra=extra):
            return model.generate(ids, attention_mask=torch.ones_like(ids),
                                  max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                                  **base, **extra)
        try:
            out = run(probe, 2)
            if out.shape[1] != probe.shape[1] + 2:
                raise RuntimeError(f"generated {out.shape[1] - probe.shape[1]} tokens, not 2")
            return run, mode
        except (TypeError, ValueError, RuntimeError, NotImplementedError) as e:
            print(f"  generate mode {mode} unavailable: {type(e).__name__}: {e}", file=sys.stderr)
    raise RuntimeError("no generate mode worked")


def timed(run, ids, new_tokens):
    torch.cuda.synchronize()
    start = time.perf_counter()
    out = run(ids, new_tokens)
    torch.cuda.synchronize()
    elapsed = time.perf_counter() - start
    assert out.shape[1] == ids.shape[1] + new_tokens, "generate stopped early"
    return elapsed


@torch.no_grad()
def measure(shape, batches, context, new_tokens, repeats, compile_forward):
    rows = []
    start = time.perf_counter()
    model = build(shape)
    params = sum(p.numel() for p in model.parameters())
    print(f"{shape}: {params / 1e9:.2f}B parameters, built in {time.perf_counter() - start:.1f} s",
          flush=True)
    run, mode = generate_fn(model, compile_forward)
    vocab = model.config.vocab_size
    for batch in batches:
        gen = torch.Generator(device="cuda").manual_seed(batch)
        ids = torch.randint(0, vocab, (batch, context), device="cuda", generator=gen)
        timed(run, ids, new_tokens + 1)  # warm-up (and compilation when enabled)
        short = [timed(run, ids, 1) for _ in range(repeats)]
        long = [timed(run, ids, new_tokens + 1) for _ in range(repeats)]
        step = (statistics.median(long) - statistics.median(short)) / new_tokens
        row = dict(shape=shape, model_class=SHAPES[shape][0], batch=batch, context=context,
                   new_tokens=new_tokens, step_ms=step * 1e3, tokens_per_second=batch / step,
                   mode=mode, parameters=params)
        print(f"  batch {batch}: {row['tokens_per_second']:.1f} tok/s ({row['step_ms']:.2f} ms/step,"
              f" {mode})", flush=True)
        rows.append(row)
    del model, run
    gc.collect()
    torch.cuda.empty_cache()
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated shape names")
    parser.add_argument("--batches", default="1,16")
    parser.add_argument("--context", type=int, default=512)
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--compile", action="store_true",
                        help="let generate torch.compile the forward (slow first call)")
    parser.add_argument("--quick", action="store_true", help="8 new tokens, 1 repeat")
    parser.add_argument("--out", default="hf_peer.json")
    args = parser.parse_args()
    shapes = [s.strip() for s in args.shapes.split(",") if s.strip()]
    for s in shapes:
        if s not in SHAPES:
            parser.error(f"unknown shape {s!r}, expected some of {list(SHAPES)}")
    if args.quick:
        args.new_tokens, args.repeats = 8, 1
    batches = [int(b) for b in args.batches.split(",")]
    torch.manual_seed(0)
    results = []
    failures = []
    for shape in shapes:
        try:
            results += measure(shape, batches, args.context, args.new_tokens, args.repeats,
                               args.compile)
        except Exception as e:  # keep the other shapes' numbers
            failures.append(f"{shape}: {type(e).__name__}: {e}")
            print(f"{shape} FAILED: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
            gc.collect()
            torch.cuda.empty_cache()
    report = dict(device=torch.cuda.get_device_name(0), torch=torch.__version__,
                  transformers=transformers.__version__, context=args.context,
                  new_tokens=args.new_tokens, results=results, failures=failures)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)
    print()
    print(f"HF transformers {transformers.__version__}, torch {torch.__version__}, "
          f"{report['device']}, context {args.context}, bf16 random weights")
    print("| shape | batch | tok/s | step ms | mode |")
    print("| --- | --- | --- | --- | --- |")
    for r in results:
        print(f"| {r['shape']} | {r['batch']} | {r['tokens_per_second']:.1f} | {r['step_ms']:.2f}"
              f" | {r['mode']} |")
    print(f"wrote {args.out}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
