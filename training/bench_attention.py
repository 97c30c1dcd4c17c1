"""Side-by-side timing of one diffusion training step (text encoder + UNet, forward + backward + AdamW, batch 32)
with the two attention code paths of models.py: the export path (4-D MatMul -> Mul -> Softmax on permuted views,
what eval mode runs) and the training path (train_attention: one baddbmm over [B*H,S,T]). Both compute the same
function; only the kernels differ. Runs interleaved, prints per-setting medians and the ratio. A third setting
skips the two 16x16 self-attentions (attn1 of down_blocks.0 and up_blocks.1 return zeros): not a model we ship,
it prices what an architecture without them would save per step.
Usage: python3 training/bench_attention.py [rounds=15]"""
import _env  # noqa: F401
import statistics
import sys
import time

import torch

from models import TextEncoder, UNet


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    torch.set_num_threads(2)
    torch.manual_seed(0)
    te, unet = TextEncoder(674), UNet()
    params = list(te.parameters()) + list(unet.parameters())
    opt = torch.optim.AdamW(params, lr=1e-5)
    skip = {"on": False}
    for name, m in unet.named_modules():
        if name.endswith("attn1") and name.startswith(("down_blocks.0.", "up_blocks.1.")):
            m.forward = (lambda f: lambda x, context=None: torch.zeros_like(x) if skip["on"] else f(x, context))(m.forward)

    def step(length, training_path, skip_16x16_attn1=False):
        skip["on"] = skip_16x16_attn1
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

    settings = [(length, path) for length in (12, 77) for path in (False, True)] + [(12, True, True)]
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
    full, cut = statistics.median(times[(12, True)]), statistics.median(times[(12, True, True)])
    print(f"  12 tokens, baddbmm, without the two 16x16 self-attentions: {cut:.3f} s ({cut / full:.0%} of {full:.3f} s)")


if __name__ == "__main__":
    main()
