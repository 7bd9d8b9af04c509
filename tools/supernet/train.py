"""Trains the tiny Apriel2 supernet on a GPU, sampling one mixer per layer per step, and ships it.

Usage: python3 train.py --data DATA_DIR --out OUT_DIR [--minutes 7] [--smoke]
DATA_DIR is what prepare_data.py wrote. OUT_DIR receives the HF-layout model (config.json,
model.safetensors in bf16, tokenizer.json, tokenizer_config.json, generation_config.json) plus
eval.json (held-out perplexity per placement) and train-log.json. export.py then records the
reference sample and the teacher samples from the saved model.
"""

import argparse
import json
import math
import os
import random
import shutil
import time

import numpy as np
import torch
import torch.nn.functional as F

import apriel2
from placements import EVAL_PLACEMENTS, relative_cost


def make_config(vocab, bos_id, eos_id, args):
    rotary = {"theta": 10000.0, "type": "mistral_1d"}
    attention = {"type": "attention", "heads": 8, "head_groups": 2, "head_size": 32, "rotary": rotary}
    mixers = {
        "attention": attention,
        "swa": dict(attention, window_size=args.window),
        "gdn": {"type": "gdn", "value_heads": 4, "key_heads": 2, "key_head_dim": 32, "value_head_dim": 32,
                "convolution_layer": {"kernel_size": 4}},
        "kda": {"type": "kda", "heads": 4, "head_dim": 32, "convolution_layer": {"kernel_size": 4},
                "normalization": {"epsilon": 1e-5}},
        "mamba": {"type": "mamba", "d_inner": 256, "d_state": 16, "d_xb": 64, "dt_rank": 16, "d_conv": 4,
                  "conv_bias": True, "dt_proj_bias": True, "repeat_kv_before_conv": True,
                  "dt_min": 0.001, "dt_max": 0.1, "dt_init_floor": 1e-4},
    }
    weights = {name: (args.attention_weight if name == "attention" else 1.0) for name in mixers}
    return {
        "architectures": ["Apriel2ForCausalLM"],
        "model_type": "apriel2_text",
        "bos_token_id": bos_id,
        "eos_token_id": eos_id,
        "pad_token_id": 0,
        "hidden_size": args.hidden,
        "vocab_size": vocab,
        "tie_word_embeddings": False,
        "use_cache": True,
        "dtype": "bfloat16",
        "embeddings": {"max_position_embeddings": 4096},
        "head": {"normalization": {"type": "rms_norm", "epsilon": 1e-5}},
        "decoder": {
            "type": "fixed",
            "num_blocks": args.layers,
            "block": {
                "mixer": {"type": "stochastic", "main_mixer_name": "attention", "sampling_strategy": "weighted",
                          "sampling_weights": weights, "mixers": mixers},
                "mlp": {"type": "mlp", "gated": True, "activation": "silu", "intermediate_size": args.mlp},
                "normalization": {"type": "rms_norm", "epsilon": 1e-5},
            },
        },
    }


def init_weights(model, layers):
    """GPT-2 style: N(0, 0.02) for projections, output projections scaled by depth."""
    for name, module in model.named_modules():
        if isinstance(module, (torch.nn.Linear, torch.nn.Embedding)) and not name.endswith("dt_proj"):
            deep = name.endswith(("o_proj", "out_proj", "down_proj"))
            torch.nn.init.normal_(module.weight, std=0.02 / math.sqrt(2 * layers) if deep else 0.02)


def batches(tokens, batch, seq, device, generator):
    starts = torch.randint(0, len(tokens) - seq - 1, (batch,), generator=generator)
    rows = torch.stack([tokens[s:s + seq + 1] for s in starts.tolist()])
    rows = rows.to(device, non_blocking=True)
    return rows[:, :-1], rows[:, 1:]


def heldout_windows(tokens, seq):
    n = (len(tokens) - 1) // seq
    x = tokens[: n * seq].view(n, seq)
    y = tokens[1: n * seq + 1].view(n, seq)
    return x, y


@torch.no_grad()
def perplexity(model, windows, placement, device, batch=64, limit=None, bf16=True):
    x_all, y_all = windows
    if limit is not None:
        x_all, y_all = x_all[:limit], y_all[:limit]
    total, count = 0.0, 0
    for i in range(0, len(x_all), batch):
        x, y = x_all[i:i + batch].to(device), y_all[i:i + batch].to(device)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=bf16):
            logits = model(x, placement)
        total += F.cross_entropy(logits.float().flatten(0, 1), y.flatten(), reduction="sum").item()
        count += y.numel()
    return math.exp(total / count)


def bf16_round_trip(model):
    """The shipped weights are bf16: evaluate exactly what ships."""
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.to(torch.bfloat16).float())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seq", type=int, default=256)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--mlp", type=int, default=448)
    parser.add_argument("--window", type=int, default=64)
    parser.add_argument("--attention-weight", type=float, default=4.0)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--validation-tokens", type=int, default=16384)
    parser.add_argument("--eval-every", type=float, default=15.0, help="seconds between validation passes")
    parser.add_argument("--smoke", action="store_true", help="evaluate on 8 held-out windows only (quick runs)")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    random.seed(args.seed)
    device = "cuda"
    torch.backends.cuda.matmul.allow_tf32 = True
    with open(os.path.join(args.data, "data.json")) as f:
        data = json.load(f)
    train = torch.from_numpy(np.load(os.path.join(args.data, "train.npy")).astype(np.int64))
    # The tail of the training text picks the checkpoint; the held-out text is only scored at the end.
    validation = heldout_windows(train[-args.validation_tokens:], args.seq)
    train = train[:-args.validation_tokens]
    heldout = heldout_windows(torch.from_numpy(np.load(os.path.join(args.data, "heldout.npy")).astype(np.int64)),
                              args.seq)
    config = make_config(data["vocab"], data["bos_id"], data["eos_id"], args)
    model = apriel2.Apriel2Supernet(config)
    init_weights(model, args.layers)
    model = model.to(device)
    n_params = apriel2.parameter_count(model)
    print(f"parameters {n_params} ({2 * n_params / 1e6:.2f} MB in bf16), train tokens {len(train)}, "
          f"heldout windows {len(heldout[0])}x{args.seq}", flush=True)

    decay, no_decay = [], []
    for name, p in model.named_parameters():
        matrix = p.dim() == 2 and "embed" not in name and "A_log" not in name
        (decay if matrix else no_decay).append(p)
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                                  lr=args.lr, betas=(0.9, 0.95), fused=True)
    names = model.mixer_names
    weights = [config["decoder"]["block"]["mixer"]["sampling_weights"][n] for n in names]
    budget = args.minutes * 60
    generator = torch.Generator().manual_seed(args.seed)
    log, step, tokens_seen, counts = [], 0, 0, {n: 0 for n in names}
    start = time.time()
    next_eval = args.eval_every
    best = (float("inf"), 0, None)
    uniform = [[n] * args.layers for n in names]
    while True:
        elapsed = time.time() - start
        if elapsed >= budget:
            break
        progress = elapsed / budget
        warm = min(1.0, step / 100)
        lr = args.lr * warm * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))
        for group in optimizer.param_groups:
            group["lr"] = lr
        placement = random.choices(names, weights=weights, k=args.layers)
        for n in placement:
            counts[n] += 1
        x, y = batches(train, args.batch, args.seq, device, generator)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            logits = model(x, placement)
        loss = F.cross_entropy(logits.float().flatten(0, 1), y.flatten())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        step += 1
        tokens_seen += x.numel()
        if step % 25 == 0 or elapsed >= next_eval:
            entry = {"step": step, "seconds": round(elapsed, 1), "lr": lr, "loss": round(loss.item(), 4),
                     "placement": placement}
            if elapsed >= next_eval:
                # Select on the geometric mean over the uniform placements: the supernet must serve all.
                model.eval()
                ppls = [perplexity(model, validation, p, device) for p in uniform]
                model.train()
                score = math.exp(sum(math.log(p) for p in ppls) / len(ppls))
                entry["validation_ppl"] = {n: round(p, 2) for n, p in zip(names, ppls)}
                if score < best[0]:
                    best = (score, step, {k: v.detach().clone() for k, v in model.state_dict().items()})
                next_eval += args.eval_every
            log.append(entry)
            print(json.dumps(entry), flush=True)
    train_seconds = time.time() - start
    print(f"trained {step} steps, {tokens_seen} tokens, {train_seconds:.0f} s, mixer layer-steps {counts}", flush=True)

    model.eval()
    if best[2] is not None:
        model.load_state_dict(best[2])
        print(f"kept the checkpoint of step {best[1]} (validation geometric-mean ppl {best[0]:.3f})", flush=True)
    bf16_round_trip(model)
    results = []
    for name, placement in EVAL_PLACEMENTS.items():
        if len(placement) != args.layers:
            continue
        ppl = perplexity(model, heldout, placement, device, limit=8 if args.smoke else None, bf16=False)
        results.append({"name": name, "layers": placement, "heldout_ppl": round(ppl, 3),
                        "relative_cost": round(relative_cost(placement), 3)})
        print(json.dumps(results[-1]), flush=True)
    base = next(r["heldout_ppl"] for r in results if r["name"] == "all-attention")
    for r in results:
        r["ppl_ratio_vs_all_attention"] = round(r["heldout_ppl"] / base, 4)

    os.makedirs(args.out, exist_ok=True)
    summary = {"parameters": n_params, "bytes_bf16": 2 * n_params, "steps": step, "tokens_seen": tokens_seen,
               "kept_step": best[1], "kept_tokens_seen": best[1] * args.batch * args.seq,
               "train_seconds": round(train_seconds, 1), "batch": args.batch, "seq": args.seq, "lr": args.lr,
               "mixer_layer_steps": counts, "heldout_tokens_scored": int(heldout[1].numel()),
               "heldout_context": args.seq, "gpu": torch.cuda.get_device_name(), "placements": results}
    with open(os.path.join(args.out, "eval.json"), "w") as f:
        json.dump(summary, f, indent=2)
    with open(os.path.join(args.out, "train-log.json"), "w") as f:
        json.dump(log, f)
    from safetensors.torch import save_file

    state = {k: v.detach().to(torch.bfloat16).contiguous().cpu() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(args.out, "model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(args.out, "generation_config.json"), "w") as f:
        json.dump({"bos_token_id": data["bos_id"], "eos_token_id": data["eos_id"], "pad_token_id": 0}, f, indent=2)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(os.path.join(args.data, name), os.path.join(args.out, name))


if __name__ == "__main__":
    main()
