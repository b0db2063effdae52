#!/usr/bin/env python3
"""Fits the float32 erf used by as/lib/math.ts (erf__*, gelu__*) and prints its coefficients.

Two pieces, both weighted least squares on Chebyshev nodes (float64, numpy), then rounded to float32:
  A, |x| < 0.875:         erf(x) = x + x·(k + z·PA(z)),   z = x², k = 2/√π − 1, PA of degree 5
  B, 0.875 ≤ |x| < 3.92:  erfc(|x|) = exp(−x²)·PB(|x| − 2), PB of degree 12 (relative weights; centred at 2
                          so Horner's terms stay small: PB within ~3u relative in float32)
                          (erfc·exp(x²) is smooth and slowly varying), erf = 1 − erfc; erf = ±1 beyond 3.92
                          (erfc(3.92) < 2^-25: erf rounds to 1 there).
The measured accuracy (spec/kernels/gelu.test.ts sweeps it densely against a float64 erf) is about 1.1 ulp
for erf, and erfc within (x² + 3)·u relative in piece B (x² from rounding the argument of exp).
Run: python3 scripts/fit-erf.py   (needs numpy and mpmath)
"""
import math
import numpy as np
import mpmath

f32 = np.float32
A_END, B_END, B_MID = 0.875, 3.92, 2.0


def cheb_nodes(a, b, n):
    k = np.arange(n)
    return (a + b) / 2 + (b - a) / 2 * np.cos((2 * k + 1) * np.pi / (2 * n))


def fit(xs, ys, deg, w):
    V = np.vander(xs, deg + 1, increasing=True) * w[:, None]
    c, *_ = np.linalg.lstsq(V, ys * w, rcond=None)
    return c.astype(np.float32)


def horner(c, x):
    y = np.full_like(x, c[-1])
    for ci in c[-2::-1]:
        y = (y * x + ci).astype(np.float32)
    return y


xa = cheb_nodes(1e-4, A_END, 2000)
za = xa * xa
qa = np.array([math.erf(v) for v in xa]) / xa - 2 / math.sqrt(math.pi)   # = z·PA(z)
cA = fit(za, qa / za, 5, 1 / np.abs(qa / za))
xb = cheb_nodes(A_END, B_END, 3000)
gb = np.array([float(mpmath.erfc(v) * mpmath.exp(v * v)) for v in xb])
cB = fit(xb - B_MID, gb, 12, 1 / gb)

print('// PA (z = x², highest degree last):')
print(', '.join(repr(float(v)) for v in cA))
print('// PB (t = |x| − 2, highest degree last):')
print(', '.join(repr(float(v)) for v in cB))
print('k =', repr(float(f32(2 / math.sqrt(math.pi) - 1))))
