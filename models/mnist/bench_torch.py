#!/usr/bin/python3
"""PyTorch CPU throughput of the trained MNIST ACmix network: images/s at batch 1 and 64, 1 thread.

    /usr/bin/python3 models/mnist/bench_torch.py [--threads 1] [--seconds 5]

The context for bench/mnist.bench.ts (attnconv wasm vs onnxruntime-web / -node), measured natively because
PyTorch does not run in the Node process; the numbers go into bench/README.md by hand. Same inputs as the
bench (the first test images, pixels / 255), eval mode, torch.no_grad; each batch size is warmed up, then
timed in rounds of about --seconds / 5 and reported as the median over the 5 rounds of images / time.
"""

import argparse
import statistics
import time

import net

torch = net.torch


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seconds", type=float, default=5.0)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    model, meta = net.load_trained()
    images, _ = net.load_split("t10k")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); trained accuracy {meta.get('accuracy')}")
    with torch.no_grad():
        for batch in (1, 64):
            x = images[:batch]
            for _ in range(3):
                model(x)
            rates = []
            for _ in range(5):
                calls, t0 = 0, time.perf_counter()
                while time.perf_counter() - t0 < a.seconds / 5:
                    model(x)
                    calls += 1
                rates.append(calls * batch / (time.perf_counter() - t0))
            print(f"batch {batch:2d}: {statistics.median(rates):8.0f} images/s (median of 5 rounds; "
                  f"min {min(rates):.0f}, max {max(rates):.0f})")


if __name__ == "__main__":
    main()
