"""Side-by-side timing of one diffusion training step (text encoder + UNet, forward + backward + AdamW, batch 32)
with the two attention code paths of text_encoder.py and unet.py: the export path (4-D MatMul -> Mul -> Softmax on permuted views,
what eval mode runs) and the training path (train_attention: one baddbmm over [B*H,S,T]). Both compute the same
function; only the kernels differ. Runs interleaved, prints per-setting medians and the ratio. Third line: the
shipped UNet (self-attention at 16x16 and 8x8) against UNet(self_attn=(False, True)) (no self-attention at 16x16;
training/HISTORY.md, fifth attempt), both on the training path.
Usage: python3 training/bench_attention.py [rounds=15]"""
import _env  # noqa: F401
import statistics
import sys
import time

import torch

from text_encoder import TextEncoder
from unet import UNet


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    torch.set_num_threads(2)
    torch.manual_seed(0)
    te = TextEncoder(674)
    unets = {True: UNet(), False: UNet(self_attn=(False, True))}  # key: self-attention at 16x16
    opts = {k: torch.optim.AdamW(list(te.parameters()) + list(u.parameters()), lr=1e-5) for k, u in unets.items()}

    def step(length, training_path, attn1_16x16=True):
        unet, opt = unets[attn1_16x16], opts[attn1_16x16]
        te.train(training_path)
        unet.train(training_path)
        ids = torch.randint(0, 674, (32, length))
        z, t = torch.randn(32, 4, 16, 16), torch.randint(0, 1000, (32,)).float()
        t0 = time.perf_counter()
        loss = (unet(z, t, te(ids)) - z).pow(2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return time.perf_counter() - t0

    settings = [(length, path) for length in (12, 77) for path in (False, True)] + [(12, True, False)]
    times = {s: [] for s in settings}
    for s in settings:  # warm-up
        step(*s)
    for _ in range(rounds):
        for s in settings:
            times[s].append(step(*s))
    print(f"batch-32 train step, median of {rounds} interleaved rounds, {torch.get_num_threads()} threads")
    for length in (12, 77):
        old, new = statistics.median(times[(length, False)]), statistics.median(times[(length, True)])
        print(f"  {length:2d} tokens: 4-D matmul path {old:.3f} s, baddbmm path {new:.3f} s, ratio {old / new:.2f}x")
    full, cut = statistics.median(times[(12, True)]), statistics.median(times[(12, True, False)])
    print(f"  12 tokens, baddbmm: self-attention at 16x16 and 8x8 (shipped) {full:.3f} s, at 8x8 only {cut:.3f} s, "
          f"ratio {full / cut:.2f}x")


if __name__ == "__main__":
    main()
