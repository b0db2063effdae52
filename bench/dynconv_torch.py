#!/usr/bin/python3
"""PyTorch CPU context for bench/dynconv.bench.ts (same shapes; not the same random numbers): deform_conv2d,
the CondConv mixture, ODConv2d, StyleGAN2 modulated conv, dynamic depthwise and involution.

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

# odconv2d@odconv.k4.b8.c64.28x28: the official ODConv2d._forward_impl_common given its four attentions
# (x·α_c, W̃ = Σ_k α_s·α_w[k]·W_k, grouped conv with groups = N, ·α_f); the attention branch is not timed.
N, K, C, T = 8, 4, 64, 9
x = torch.randn(N, C, 28, 28)
wk = torch.randn(1, K, C, C, 3, 3) * 0.05
a_c = torch.sigmoid(torch.randn(N, C, 1, 1))
a_f = torch.sigmoid(torch.randn(N, C, 1, 1))
a_s = torch.sigmoid(torch.randn(N, 1, 1, 1, 3, 3))
a_w = torch.softmax(torch.randn(N, K, 1, 1, 1, 1), dim=1)


def odconv():
    xm = (x * a_c).reshape(1, -1, 28, 28)
    agg = torch.sum(a_s * a_w * wk, dim=1).view(-1, C, 3, 3)
    return F.conv2d(xm, agg, None, padding=1, groups=N).view(N, C, 28, 28) * a_f


bench("ODConv2d official forward given attentions K=4 b8 64->64 28x28", odconv)

# conv2d_modulated@stylegan2.b16.c256.demod.b4: StyleGAN2 modulated_conv2d, demodulate, eps 1e-8
N, C = 4, 256
x = torch.randn(N, C, 16, 16)
w = torch.randn(C, C, 3, 3)
b = torch.randn(C)
st = 1 + torch.rand(N, C) - 0.5


def modconv_fused():
    wm = w.unsqueeze(0) * st.reshape(N, 1, -1, 1, 1)
    wm = wm * (wm.square().sum(dim=[2, 3, 4]) + 1e-8).rsqrt().reshape(N, -1, 1, 1, 1)
    y = F.conv2d(x.reshape(1, -1, 16, 16), wm.reshape(-1, C, 3, 3), padding=1, groups=N)
    return y.reshape(N, -1, 16, 16) + b.reshape(1, -1, 1, 1)


def modconv_nonfused():
    d = ((w.unsqueeze(0) * st.reshape(N, 1, -1, 1, 1)).square().sum(dim=[2, 3, 4]) + 1e-8).rsqrt()
    y = F.conv2d(x * st.reshape(N, -1, 1, 1), w, padding=1)
    return y * d.reshape(N, -1, 1, 1) + b.reshape(1, -1, 1, 1)


bench("modulated conv demod, fused (grouped conv, groups = N) b4 256 16x16", modconv_fused)
bench("modulated conv demod, non-fused (x*s, batched conv, *d) b4 256 16x16", modconv_nonfused)
bench("F.conv2d 3x3 256->256 16x16 batch 4 (plain, same shape)", lambda: F.conv2d(x, w, b, padding=1))

# conv2d_per_sample@dwnet.dyndw.c128.28x28.k7.b8: DynamicDWConv's conv (kernels given): grouped conv, groups = N*C
N, C = 8, 128
x = torch.randn(N, C, 28, 28)
kern = torch.randn(N * C, 1, 7, 7) * 0.3
bias = torch.randn(C).repeat(N)
bench("DynamicDWConv conv (groups = N*C) b8 C128 28x28 7x7",
      lambda: F.conv2d(x.reshape(1, -1, 28, 28), kern, bias, padding=3, groups=N * C).view(N, C, 28, 28))
bench("F.conv2d depthwise 7x7 C128 28x28 batch 8 (static, same shape)",
      lambda: F.conv2d(x, kern[:C], bias[:C], padding=3, groups=C))

# involution2d@rednet.involution.c128.g8.28x28.k7.b8: involution's unfold form (RedNet's PyTorch fallback)
G = 8
kin = torch.randn(N, G, 49, 28, 28) * 0.3


def involution():
    cols = F.unfold(x, 7, padding=3).view(N, G, C // G, 49, 28, 28)
    return (cols * kin.unsqueeze(2)).sum(dim=3).view(N, C, 28, 28)


bench("involution (F.unfold * kernel, sum) b8 C128 G8 28x28 7x7", involution)
print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
