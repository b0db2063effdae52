#!/usr/bin/python3
"""Context for bench/acmix.bench.ts: the same ACmix block timed in PyTorch on the CPU, one thread.

    /usr/bin/python3 bench/acmix_torch.py [rounds]

Not part of `npm run bench` (it needs Debian's python3-torch). Builds the block exactly as
spec/fixtures/export_onnx.py does (same seed, same random weights, same input), checks the output
against the sample stored in spec/fixtures/acmix_block.safetensors, then times forward() under
torch.no_grad() with torch.set_num_threads(1): each round runs the block for about 0.3 s, rounds
alternate between the fixture generator's ACmix and (when a local mirror of LeapLabTHU/ACmix exists)
the official module with the same weights. Prints median and min-max ms per call and GFLOP/s with
the bench's FLOP formula.
"""

import importlib.util
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("attnconv_export_onnx", REPO / "spec" / "fixtures" / "export_onnx.py")
exp = importlib.util.module_from_spec(spec)
spec.loader.exec_module(exp)
gen, torch = exp.gen, exp.torch


def flops(c, h, w, k_att, head, k_conv):
    """2 x MACs: stage I + attention + fc + dep_conv (as bench/shapes.ts acmixFlops)."""
    hw, t, hd = h * w, k_conv ** 2, c // head
    return 2 * hw * (3 * c * c + 2 * c * k_att ** 2 + t * 3 * head * hd + c * t * t)


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    torch.set_num_threads(1)
    cfg = exp.CONFIG
    gen.seed(exp.NAME)
    ours = gen.ACmix(**cfg).eval()
    gen.randomise_(ours)
    x = exp.bench_input(exp.SHAPE)
    models = {"generator ACmix": ours}
    src = gen.read_official("ResNet/test_bottleneck.py")
    if src is not None:
        official = {"__name__": "official_test_bottleneck"}
        exec(compile(src, "<official ResNet/test_bottleneck.py>", "exec"), official)
        theirs = official["ACmix"](cfg["in_planes"], cfg["out_planes"], kernel_att=cfg["kernel_att"], head=cfg["head"],
                                   kernel_conv=cfg["kernel_conv"], stride=cfg["stride"]).eval()
        theirs.load_state_dict(ours.state_dict(), strict=True)
        models["official ACmix"] = theirs

    sample = None
    try:
        import numpy as np, json, struct
        raw = (REPO / "spec" / "fixtures" / f"{exp.NAME}.safetensors").read_bytes()
        n = struct.unpack("<Q", raw[:8])[0]
        header = json.loads(raw[8:8 + n])
        info = header[f"{exp.NAME}.output_sample"]
        a, b = info["data_offsets"]
        sample = torch.from_numpy(np.frombuffer(raw[8 + n + a:8 + n + b], dtype="<f4").copy()).reshape(info["shape"])
    except (OSError, KeyError, ImportError):
        pass
    with torch.no_grad():
        for name, m in models.items():
            y = m(x)
            if sample is not None:
                err = (y[0, :, ::8, ::8] - sample).abs().max().item() / sample.abs().max().item()
                print(f"{name}: output vs stored sample, max|d|/max|y| = {err:.2e}")

        f = flops(cfg["out_planes"], exp.SHAPE[2], exp.SHAPE[3], cfg["kernel_att"], cfg["head"], cfg["kernel_conv"])
        times = {name: [] for name in models}
        for name, m in models.items():  # warm-up
            for _ in range(3):
                m(x)
        for _ in range(rounds):
            for name, m in models.items():
                calls, t0 = 0, time.perf_counter()
                while time.perf_counter() - t0 < 0.3:
                    m(x)
                    calls += 1
                times[name].append((time.perf_counter() - t0) / calls)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread, {rounds} rounds; ACmix C=64 56x56 k_att 7 head 4, "
          f"{f / 1e6:.1f} MFLOP")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"  {name:16s} median {med * 1e3:7.1f} ms  (min-max {min(ts) * 1e3:.1f}-{max(ts) * 1e3:.1f})  "
              f"{f / med / 1e9:.2f} GFLOP/s")


if __name__ == "__main__":
    main()
