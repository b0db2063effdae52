#!/usr/bin/python3
"""Convert a PyTorch checkpoint (.pth / .pt) to a float32 safetensors file that attnconv loads.

Needs only PyTorch (Debian: `apt install python3-torch`); no other Python package.

    /usr/bin/python3 tools/pth_to_safetensors.py acmix_swin_tiny.pth acmix_swin_tiny.safetensors
    /usr/bin/python3 tools/pth_to_safetensors.py ckpt.pth out.safetensors --key model --prefix module.

Input: a state_dict (a mapping key -> tensor), or a full training checkpoint holding one under a key
(`{'model': state_dict, 'optimizer': ..., 'epoch': ...}`, as microsoft/Swin-Transformer and LeapLabTHU/ACmix
save theirs). Without --key the state_dict is found automatically: the object itself if its values are tensors,
else its 'model', 'state_dict' or 'model_state' entry. With --prefix P, keys starting with P lose it (e.g.
'module.' left by DistributedDataParallel); keys without it are kept unchanged.

Output: every floating-point tensor as contiguous little-endian float32 (F32) under its key, in the checkpoint's
order; integer tensors (BatchNorm's num_batches_tracked, Swin's relative_position_index) are written as float32
too unless --skip-int is given (attnconv's loadStateDict accepts both: the index is a derived buffer, the counter an
ignored integer buffer). The file's __metadata__ records the source file name and the torch version. The load is
`torch.load(..., map_location='cpu')`: a pickle, so convert only checkpoints you trust.

Then, in TypeScript:

    import { readSafetensors } from 'attnconv/io';
    const st = readSafetensors(readFileSync('acmix_swin_tiny.safetensors'));
    const model = nn.swinTinyACmix();
    model.loadStateDict(st.tensors);
"""

import argparse
import collections
import json
import struct
import sys

import torch


def find_state_dict(obj, key):
    """The mapping of tensors inside a loaded checkpoint."""
    def is_state(o):
        return isinstance(o, collections.abc.Mapping) and len(o) > 0 and all(torch.is_tensor(v) for v in o.values())

    if key is not None:
        if not isinstance(obj, collections.abc.Mapping) or key not in obj:
            keys = list(obj.keys()) if isinstance(obj, collections.abc.Mapping) else type(obj).__name__
            raise SystemExit(f"pth_to_safetensors: no entry {key!r} in the checkpoint (it has {keys})")
        obj = obj[key]
        if not is_state(obj):
            raise SystemExit(f"pth_to_safetensors: entry {key!r} is not a state_dict of tensors")
        return obj
    if is_state(obj):
        return obj
    if isinstance(obj, collections.abc.Mapping):
        for k in ("model", "state_dict", "model_state"):
            if k in obj and is_state(obj[k]):
                print(f"using the checkpoint's {k!r} entry", file=sys.stderr)
                return obj[k]
        raise SystemExit(f"pth_to_safetensors: no state_dict found; the checkpoint has {list(obj.keys())}: pass --key")
    raise SystemExit(f"pth_to_safetensors: the file holds a {type(obj).__name__}, not a state_dict (save model.state_dict())")


def convert(state, prefix, skip_int):
    out = collections.OrderedDict()
    for key, t in state.items():
        if prefix and key.startswith(prefix):
            key = key[len(prefix):]
        if key in out:
            raise SystemExit(f"pth_to_safetensors: two entries map to {key!r} after stripping {prefix!r}")
        if not t.is_floating_point() and skip_int:
            continue
        out[key] = t.detach().to("cpu", torch.float32).contiguous()
    return out


def write_safetensors(path, tensors, metadata):
    """safetensors layout: u64 little-endian header size, JSON header (padded with spaces to 8 bytes), raw data."""
    header = {"__metadata__": metadata}
    offset = 0
    for key, t in tensors.items():
        n = t.numel() * 4
        header[key] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + n]}
        offset += n
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for t in tensors.values():
            f.write(t.numpy().astype("<f4", copy=False).tobytes())
    return offset


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input", help=".pth / .pt file (state_dict or checkpoint)")
    ap.add_argument("output", help=".safetensors file to write")
    ap.add_argument("--key", default=None, help="entry of the checkpoint holding the state_dict (default: found automatically)")
    ap.add_argument("--prefix", default="", help="strip this prefix from the keys that start with it (e.g. 'module.')")
    ap.add_argument("--skip-int", action="store_true", help="leave out integer tensors (num_batches_tracked, relative_position_index)")
    args = ap.parse_args(argv)

    obj = torch.load(args.input, map_location="cpu")
    state = convert(find_state_dict(obj, args.key), args.prefix, args.skip_int)
    meta = {"source": str(args.input).rsplit("/", 1)[-1], "torch": torch.__version__, "format": "pt"}
    nbytes = write_safetensors(args.output, state, meta)
    params = sum(t.numel() for t in state.values())
    print(f"wrote {args.output}: {len(state)} tensors, {params:,} values, {nbytes / 2 ** 20:.1f} MiB float32")


if __name__ == "__main__":
    main()
