#!/usr/bin/python3
"""PyTorch CPU context for bench/dynconv.bench.ts (same shapes; not the same random numbers).

    /usr/bin/python3 bench/dynconv_torch.py

One thread (torch.set_num_threads(1)), inference mode, float32. Each case is warmed up 3 times, then timed
with time.perf_counter over 7 rounds of `reps` calls; the median per-call time of the rounds is printed.
"""
import statistics
import time

import torch
import torch.nn.functional as F
from torchvision.ops import deform_conv2d

torch.set_num_threads(1)


def bench(label, fn, reps=10, rounds=7):
    with torch.inference_mode():
        for _ in range(3):
            fn()
        per_call = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            for _ in range(reps):
                fn()
            per_call.append((time.perf_counter() - t0) / reps * 1e3)
    print(f"{label:64s} median {statistics.median(per_call):8.3f} ms  (min {min(per_call):.3f}, max {max(per_call):.3f})")


torch.manual_seed(0)
# deform_conv2d@dcnv2.resnet50.layer1.conv2: 3x3, 64 -> 64, 56x56, padding 1, mask, bias
x = torch.randn(1, 64, 56, 56)
w = torch.randn(64, 64, 3, 3) * 0.05
b = torch.randn(64)
off = torch.randn(1, 18, 56, 56) * 2.5
mask = torch.rand(1, 9, 56, 56)
bench("torchvision.ops.deform_conv2d 3x3 64->64 56x56 mask", lambda: deform_conv2d(x, off, w, b, padding=1, mask=mask))
bench("F.conv2d 3x3 64->64 56x56 (plain, same shape)", lambda: F.conv2d(x, w, b, padding=1))

# conv2d_mixture@condconv.k4.b8.c64.28x28: K = 4, batch 8, 3x3, 64 -> 64, 28x28, routed bias
N, K = 8, 4
x = torch.randn(N, 64, 28, 28)
experts = torch.randn(K, 64 * 64 * 9) * 0.05
eb = torch.randn(K, 64)
r = torch.sigmoid(torch.randn(N, K))


def mixture():
    kern = torch.mm(r, experts).view(N * 64, 64, 3, 3)
    bias = torch.mm(r, eb).view(N * 64)
    return F.conv2d(x.reshape(1, N * 64, 28, 28), kern, bias, padding=1, groups=N).view(N, 64, 28, 28)


bench("CondConv mixture (torch.mm + grouped conv, groups = N) K=4 b8 28x28", mixture)
bench("F.conv2d 3x3 64->64 28x28 batch 8 (plain, same shape)", lambda: F.conv2d(x, experts[0].view(64, 64, 3, 3), eb[0], padding=1))
print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
