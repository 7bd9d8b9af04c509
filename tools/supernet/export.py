"""Records the reference sample (for the Java runtime test) and teacher samples from a saved model.

Usage: python3 export.py --model MODEL_DIR --data DATA_DIR [--teacher-samples 200]
Loads MODEL_DIR (bf16 weights, upcast to fp32 exactly as the runtime does), disables TF32, and writes
into MODEL_DIR:
  reference-sample.safetensors  prompt_ids [T] int64; per placement P: `P.logits` [T, vocab] fp32
                                (whole prompt, no cache) and `P.greedy_tokens` [G] int64 (greedy
                                continuation, each step recomputed from scratch, so exact)
  reference-sample.json         placement name -> mixer per layer, prompt text, lengths
  teacher-samples.jsonl         one JSON object a line: prompt tokens, an all-attention completion
                                sampled at temperature 1, and the teacher's log-prob of each
                                completion token (the p(x) of the importance-sampling estimate)
"""

import argparse
import json
import os

import numpy as np
import torch

import apriel2
from placements import EVAL_PLACEMENTS, REFERENCE_PLACEMENTS


@torch.no_grad()
def greedy(model, prompt, placement, steps):
    ids = prompt[None]
    for _ in range(steps):
        next_id = model(ids, placement)[0, -1].argmax()
        ids = torch.cat((ids, next_id.view(1, 1)), dim=1)
    return ids[0, prompt.shape[0]:]


@torch.no_grad()
def sample_with_logprobs(model, prompts, placement, steps, generator):
    ids = prompts
    logprobs = []
    for _ in range(steps):
        logp = torch.log_softmax(model(ids, placement)[:, -1].float(), dim=-1)
        next_ids = torch.multinomial(logp.exp(), 1, generator=generator)
        logprobs.append(logp.gather(1, next_ids))
        ids = torch.cat((ids, next_ids), dim=1)
    return ids[:, prompts.shape[1]:], torch.cat(logprobs, dim=1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--prompt-tokens", type=int, default=32)
    parser.add_argument("--greedy-tokens", type=int, default=48)
    parser.add_argument("--teacher-samples", type=int, default=200)
    parser.add_argument("--teacher-prompt-tokens", type=int, default=32)
    parser.add_argument("--teacher-completion-tokens", type=int, default=32)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = apriel2.load_checkpoint(args.model, device).eval()
    layers = model.num_layers
    heldout = np.load(os.path.join(args.data, "heldout.npy")).astype(np.int64)
    from tokenizers import Tokenizer
    from safetensors.torch import save_file

    tokenizer = Tokenizer.from_file(os.path.join(args.model, "tokenizer.json"))
    bos = model.config["bos_token_id"]

    # Reference sample: BOS + the start of the held-out text.
    prompt = torch.tensor([bos] + heldout[1:args.prompt_tokens].tolist(), device=device)
    tensors = {"prompt_ids": prompt.cpu()}
    description = {"prompt_text": tokenizer.decode(prompt[1:].tolist()), "prompt_length": int(prompt.shape[0]),
                   "greedy_tokens": args.greedy_tokens, "dtype": "float32, TF32 off, weights = the shipped bf16",
                   "placements": {}}
    for name in REFERENCE_PLACEMENTS:
        placement = EVAL_PLACEMENTS[name]
        assert len(placement) == layers, name
        with torch.no_grad():
            tensors[f"{name}.logits"] = model(prompt[None], placement)[0].float().cpu().contiguous()
        tokens = greedy(model, prompt, placement, args.greedy_tokens)
        tensors[f"{name}.greedy_tokens"] = tokens.cpu()
        description["placements"][name] = placement
        description.setdefault("greedy_text", {})[name] = tokenizer.decode(tokens.tolist())
        print(name, repr(description["greedy_text"][name]), flush=True)
    save_file(tensors, os.path.join(args.model, "reference-sample.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(args.model, "reference-sample.json"), "w") as f:
        json.dump(description, f, indent=2)

    # Teacher samples: prompts from random held-out positions, completions from all-attention.
    rng = np.random.default_rng(args.seed)
    length = args.teacher_prompt_tokens - 1
    starts = rng.choice(len(heldout) - length - 1, size=args.teacher_samples, replace=False)
    prompts = torch.tensor([[bos] + heldout[s:s + length].tolist() for s in starts], device=device)
    generator = torch.Generator(device=device).manual_seed(args.seed)
    completions, logprobs = sample_with_logprobs(model, prompts, EVAL_PLACEMENTS["all-attention"],
                                                 args.teacher_completion_tokens, generator)
    with open(os.path.join(args.model, "teacher-samples.jsonl"), "w") as f:
        for i in range(args.teacher_samples):
            f.write(json.dumps({"id": i, "prompt": prompts[i].tolist(), "completion": completions[i].tolist(),
                                "teacher_logprobs": [round(v, 5) for v in logprobs[i].tolist()]}) + "\n")
    mean_nll = -logprobs.mean().item()
    print(f"teacher samples: {args.teacher_samples}, mean completion NLL {mean_nll:.3f}", flush=True)


if __name__ == "__main__":
    main()
