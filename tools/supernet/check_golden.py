"""Checks apriel2.py against the golden data of the public Apriel2 implementation.

Usage: python3 check_golden.py [GOLDEN_DIR] [--search]
GOLDEN_DIR defaults to the repository's runtime/src/test/resources/golden/apriel2-tiny. For every placement in golden.json it compares
`<placement>.prefill_logits` and `<placement>.decode_logits` (max-abs 5e-4, fp32, TF32 off) and the
greedy continuation (exact). With --search, layout variants are tried when the defaults fail, to
pin which one the reference uses. Exits non-zero on any mismatch.
"""

import itertools
import json
import os
import sys

import torch

import apriel2

TOLERANCE = 5e-4


def run_checks(model, golden, placements, device, verbose=True):
    prompt = golden["prompt_ids"].to(device)[None]
    worst = {}
    ok = True
    with torch.no_grad():
        for name, mixers in placements.items():
            logits = model(prompt, mixers)[0].cpu()
            prefill = (logits - golden[f"{name}.prefill_logits"]).abs().max().item()
            decode_ref = golden[f"{name}.decode_logits"]
            decode = (logits[-decode_ref.shape[0]:] - decode_ref).abs().max().item()
            greedy_ref = golden[f"{name}.greedy_tokens"]
            ids = prompt
            for _ in range(greedy_ref.shape[0]):
                next_id = model(ids, mixers)[0, -1].argmax()
                ids = torch.cat((ids, next_id.view(1, 1)), dim=1)
            greedy = ids[0, prompt.shape[1]:].cpu()
            greedy_ok = bool(torch.equal(greedy, greedy_ref))
            passed = prefill <= TOLERANCE and decode <= TOLERANCE and greedy_ok
            ok &= passed
            worst[name] = prefill
            if verbose:
                print(f"{name:14s} prefill max|d|={prefill:.2e} decode max|d|={decode:.2e} "
                      f"greedy={'match' if greedy_ok else 'MISMATCH'} {'ok' if passed else 'FAIL'}")
    return ok, worst


def scan_matches_loop(device, steps=256):
    """The parallel scans against the loops on random inputs at training length (fp32)."""
    torch.manual_seed(0)
    b, h, dk, dv = 2, 4, 32, 32
    q = apriel2.l2norm(torch.randn(b, steps, h, dk, device=device)) * dk**-0.5
    k = apriel2.l2norm(torch.randn(b, steps, h, dk, device=device))
    v = torch.randn(b, steps, h, dv, device=device)
    beta = torch.rand(b, steps, h, device=device)
    decay = torch.exp(-torch.rand(b, steps, h, dk, device=device) * 2)
    delta = (apriel2.delta_rule_scan(q, k, v, beta, decay) - apriel2.delta_rule_loop(q, k, v, beta, decay)).abs().max().item()
    a = torch.exp(-torch.rand(b, steps, 64, 16, device=device) * 3)
    drive = torch.randn(b, steps, 64, 16, device=device)
    loop, state = [], torch.zeros_like(drive[:, 0])
    for i in range(steps):
        state = a[:, i] * state + drive[:, i]
        loop.append(state)
    diagonal = (apriel2.affine_scan(a, drive, matrix=False) - torch.stack(loop, 1)).abs().max().item()
    ok = delta < 1e-4 and diagonal < 1e-4
    print(f"scan vs loop, random inputs, T={steps}: delta rule max|d|={delta:.2e}, diagonal max|d|={diagonal:.2e} "
          f"{'ok' if ok else 'FAIL'}")
    return ok


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    search = "--search" in sys.argv
    here = os.path.dirname(os.path.abspath(__file__))
    directory = args[0] if args else os.path.join(
        here, "..", "..", "runtime", "src", "test", "resources", "golden", "apriel2-tiny")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    device = "cuda" if torch.cuda.is_available() else "cpu"
    from safetensors.torch import load_file

    golden = load_file(os.path.join(directory, "golden.safetensors"))
    with open(os.path.join(directory, "golden.json")) as f:
        placements = json.load(f)["placements"]
    model = apriel2.load_checkpoint(directory, device).eval()
    print(f"golden dir {directory}, device {device}, variants {apriel2.VARIANTS}")
    ok = True
    for scan in (False, True):
        apriel2.USE_SCAN = scan
        print(f"-- recurrent mixers as {'parallel scans' if scan else 'token-by-token loops'}")
        ok &= run_checks(model, golden, placements, device)[0]
    ok &= scan_matches_loop(device)
    if not ok and search:
        options = {"gdn_layout": ["flat", "grouped"], "kda_norm_activation": ["silu", "sigmoid"],
                   "mamba_dt_bias_twice": [True, False]}
        for combo in itertools.product(*options.values()):
            apriel2.VARIANTS.update(dict(zip(options, combo)))
            model = apriel2.load_checkpoint(directory, device).eval()
            passed, worst = run_checks(model, golden, placements, device, verbose=False)
            print(f"variants {apriel2.VARIANTS}: {'PASS' if passed else 'fail'} "
                  + " ".join(f"{k}={v:.1e}" for k, v in worst.items()))
    print("GOLDEN CHECK", "PASSED" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
