"""Times one training step (forward + backward) per uniform placement, as ratios to all-attention.

Usage: python3 bench_mixers.py [--batch 64] [--seq 256]   (GPU; numbers are printed, never asserted)
"""

import argparse
import time

import torch
import torch.nn.functional as F

import apriel2
from train import make_config


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seq", type=int, default=256)
    args = parser.parse_args()
    shape = argparse.Namespace(hidden=256, layers=4, mlp=448, window=64, attention_weight=4.0)
    model = apriel2.Apriel2Supernet(make_config(2048, 1, 2, shape)).cuda()
    x = torch.randint(0, 2048, (args.batch, args.seq), device="cuda")
    times = {}
    for name in apriel2.MIXER_NAMES:
        placement = [name] * 4
        for i in range(4):
            if i == 1:
                torch.cuda.synchronize()
                start = time.time()
            with torch.autocast("cuda", dtype=torch.bfloat16):
                loss = F.cross_entropy(model(x, placement).float().flatten(0, 1), x.flatten())
            loss.backward()
        torch.cuda.synchronize()
        times[name] = (time.time() - start) / 3
    for name, t in times.items():
        print(f"{name:10s} {t * 1000:8.1f} ms/step  {t / times['attention']:6.2f}x all-attention")


if __name__ == "__main__":
    main()
