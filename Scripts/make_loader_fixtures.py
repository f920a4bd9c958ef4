#!/usr/bin/env python3
"""Writes the fixtures of the LlamaLoader tests into Tests/Fixtures/loader/.

Every checkpoint here is written by real `torch.save` (or, for the damaged and hostile
ones, derived from what `torch.save` wrote), and every value the tests compare against is
written beside it as the exact float32 bit pattern of what torch holds, so a test can say
"element for element" and mean it (NaN, infinities and -0.0 included).

    $ python3 Scripts/make_loader_fixtures.py
    $ python3 Scripts/make_loader_fixtures.py --big /tmp/big.pth   # not committed: timing only

Files (all small; the big synthetic checkpoint is only written with --big):
  dtypes.pth + .json          f32, bf16, f16 tensors (specials included), a scalar, an
                              empty tensor, in an OrderedDict (what state_dict() returns)
  shared-storage.pth + .json  views of one storage at different offsets (saved once)
  parameter.pth + .json       a plain dict holding an nn.Parameter (_rebuild_parameter)
  zip64.pth + .json           the dtypes.pth entries re-packed with every zip64 field used,
                              as torch writes for checkpoints over 4 GiB (torch.load reads it)
  tiny-llama/                 consolidated.00.pth + params.json + reference.json: a Llama
                              state dict in Meta's layout, with an extra rope.freqs tensor
  tiny-llama-tied/            the same without output.weight (tied to the embeddings)
  two-shards/                 consolidated.00.pth + consolidated.01.pth + params.json
  non-contiguous.pth          a transposed weight (strides [1, 3]): must be refused
  int64.pth                   a tensor of a dtype the loader does not read
  big-endian.pth              dtypes.pth with its byteorder entry saying "big"
  os-system.pth               data.pkl calls os.system (hand-written GLOBAL 'os system')
  reduce-system.pth           data.pkl from pickle.dumps of an object whose __reduce__
                              returns os.system (Python writes it as 'posix system')
  os-system.pkl               the same hostile pickle, bare
  corrupt-pickle.pth          a data.pkl with an opcode that does not exist
  truncated-pickle.pth        a data.pkl cut before its STOP
  not-a-dict.pth              torch.save of a list of tensors
  compressed.pth              dtypes.pth re-packed with deflate
  legacy.pth                  torch.save(..., _use_new_zipfile_serialization=False)
  truncated.pth               the first half of dtypes.pth
  empty.pth                   no bytes
  random.pth                  4 KiB of random bytes
"""

import argparse
import collections
import io
import json
import os
import pickle
import random
import re
import struct
import time
import zipfile
import zlib
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests" / "Fixtures" / "loader"


# MARK: Expected values

def float_bits(t: torch.Tensor) -> list:
    """The float32 bit patterns of `t` widened to float32 (exact for bf16 and f16)."""
    flat = t.detach().contiguous().to(torch.float32).reshape(-1)
    return flat.view(torch.int32).to(torch.int64).bitwise_and(0xFFFFFFFF).tolist()


DTYPE_NAMES = {torch.float32: "f32", torch.bfloat16: "bf16", torch.float16: "f16"}


def expected(state: dict) -> dict:
    """What the Swift tests compare against: names in order, dtype, shape, bits."""
    return {
        "order": list(state.keys()),
        "tensors": {
            name: {"dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape), "bits": float_bits(t)}
            for name, t in state.items()
        },
    }


def write_json(path: Path, value) -> None:
    # One line per innermost object keeps the files small and their diffs readable.
    text = json.dumps(value, indent=1, sort_keys=True)
    text = re.sub(r"\[\s+([^\[\]{}]*?)\s+\]", lambda m: "[" + " ".join(m.group(1).split()) + "]", text)
    path.write_text(text + "\n")


def save_with_expected(state: dict, path: Path) -> None:
    torch.save(state, path)
    write_json(path.with_suffix(".json"), expected(state))


# MARK: A zip writer (stored entries, 64-byte aligned data, optional zip64)

def torch_entries(path: Path) -> list:
    """The (name, bytes) entries of a zip in file order."""
    with zipfile.ZipFile(path) as z:
        return [(info.filename, z.read(info)) for info in z.infolist()]


def write_zip(path: Path, entries: list, zip64: bool = False) -> None:
    """Writes stored entries, data aligned to 64 bytes as torch aligns it. With zip64, every
    size and offset goes through the zip64 extra field and the zip64 end records, which is
    what torch's writer (miniz) does once a checkpoint passes 4 GiB."""
    out = io.BytesIO()
    central = []
    for name, data in entries:
        name_bytes = name.encode()
        offset = out.tell()
        crc = zlib.crc32(data) & 0xFFFFFFFF
        extra = b""
        if zip64:
            extra = struct.pack("<HHQQ", 1, 16, len(data), len(data))
        # Pad with an unknown extra field ('FB', as torch does) so the data is aligned.
        unpadded = offset + 30 + len(name_bytes) + len(extra)
        pad = (-(unpadded + 4)) % 64
        extra += struct.pack("<HH", 0x4246, pad) + b"Z" * pad
        size32 = 0xFFFFFFFF if zip64 else len(data)
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 45 if zip64 else 20, 0, 0, 0, 0x21,
                              crc, size32, size32, len(name_bytes), len(extra)))
        out.write(name_bytes + extra)
        assert out.tell() % 64 == 0
        out.write(data)
        central.append((name_bytes, crc, len(data), offset))
    cd_start = out.tell()
    for name_bytes, crc, size, offset in central:
        if zip64:
            extra = struct.pack("<HHQQQ", 1, 24, size, size, offset)
            size32, offset32 = 0xFFFFFFFF, 0xFFFFFFFF
        else:
            extra, size32, offset32 = b"", size, offset
        out.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45 if zip64 else 20, 0, 0, 0,
                              0x21, crc, size32, size32, len(name_bytes), len(extra), 0, 0, 0, 0,
                              offset32))
        out.write(name_bytes + extra)
    cd_size = out.tell() - cd_start
    count = len(central)
    if zip64:
        eocd64 = out.tell()
        out.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count,
                              cd_size, cd_start))
        out.write(struct.pack("<IIQI", 0x07064B50, 0, eocd64, 1))
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF,
                              0xFFFFFFFF, 0))
    else:
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, cd_size, cd_start, 0))
    path.write_bytes(out.getvalue())


def replace_pickle(source: Path, path: Path, pickle_bytes: bytes) -> None:
    """`source`'s archive with its data.pkl replaced, folder renamed after `path`'s stem."""
    stem = path.stem
    entries = []
    for name, data in torch_entries(source):
        _, rest = name.split("/", 1)
        entries.append((f"{stem}/{rest}", pickle_bytes if rest == "data.pkl" else data))
    write_zip(path, entries)


# MARK: Fixtures

def dtypes_state() -> collections.OrderedDict:
    g = torch.Generator().manual_seed(1)
    f32 = torch.randn(2, 3, generator=g)
    f32[0, 0] = float("nan")
    f32[0, 1] = -0.0
    f32[1, 2] = float("inf")
    bf16 = (torch.randn(4, 5, generator=g) * 100).to(torch.bfloat16)
    bf16[0, 0] = float("-inf")
    bf16[0, 1] = 1e-40  # a bf16 subnormal
    f16 = torch.randn(7, generator=g).to(torch.float16)
    f16[0] = 65504.0  # the largest f16
    f16[1] = 6e-8  # an f16 subnormal
    return collections.OrderedDict([
        ("weight.f32", f32),
        ("weight.bf16", bf16),
        ("vector.f16", f16),
        ("scalar", torch.tensor(3.5)),
        ("empty", torch.zeros(0, 4, dtype=torch.bfloat16)),
        ("cube", torch.arange(24, dtype=torch.float32).reshape(2, 3, 4)),
    ])


def shared_storage_state() -> collections.OrderedDict:
    # One storage of 16 bf16 values; torch.save writes it once and each view keeps its own
    # storage offset (in elements).
    base = torch.arange(16, dtype=torch.float32).mul(0.25).to(torch.bfloat16)
    return collections.OrderedDict([
        ("first", base[0:6].view(2, 3)),
        ("second", base[6:14].view(4, 2)),
        ("overlap", base[4:8]),
        ("whole", base),
    ])


def llama_state(dim, n_layers, n_heads, n_kv_heads, vocab, hidden, seed, tied=False):
    g = torch.Generator().manual_seed(seed)
    head_dim = dim // n_heads

    def w(*shape):
        return (torch.randn(*shape, generator=g) * 0.1).to(torch.bfloat16)

    state = {"tok_embeddings.weight": w(vocab, dim)}
    for i in range(n_layers):
        p = f"layers.{i}."
        state[p + "attention.wq.weight"] = w(n_heads * head_dim, dim)
        state[p + "attention.wk.weight"] = w(n_kv_heads * head_dim, dim)
        state[p + "attention.wv.weight"] = w(n_kv_heads * head_dim, dim)
        state[p + "attention.wo.weight"] = w(dim, n_heads * head_dim)
        state[p + "feed_forward.w1.weight"] = w(hidden, dim)
        state[p + "feed_forward.w2.weight"] = w(dim, hidden)
        state[p + "feed_forward.w3.weight"] = w(hidden, dim)
        state[p + "attention_norm.weight"] = (1 + w(dim).float() * 0.1).to(torch.bfloat16)
        state[p + "ffn_norm.weight"] = (1 + w(dim).float() * 0.1).to(torch.bfloat16)
    state["norm.weight"] = (1 + w(dim).float() * 0.1).to(torch.bfloat16)
    if not tied:
        state["output.weight"] = w(vocab, dim)
    # Older Meta checkpoints carry the RoPE frequencies too; the loader ignores them.
    state["rope.freqs"] = (1.0 / (10000.0 ** (torch.arange(0, head_dim, 2).float() / head_dim))).to(torch.bfloat16)
    return state


def write_tiny_llama(folder: Path, tied: bool) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    # dim 16, 2 heads of 8, 1 KV head; FFN hidden: int(2*64/3) = 42, * 1.5 -> 63, rounded
    # up to a multiple of 16 -> 64.
    params = {"dim": 16, "n_layers": 2, "n_heads": 2, "n_kv_heads": 1, "vocab_size": 32,
              "multiple_of": 16, "ffn_dim_multiplier": 1.5, "norm_eps": 1e-05,
              "rope_theta": 500000.0, "use_scaled_rope": True}
    state = llama_state(16, 2, 2, 1, 32, 64, seed=7, tied=tied)
    torch.save(state, folder / "consolidated.00.pth")
    write_json(folder / "params.json", params)
    write_json(folder / "reference.json", expected(state))


def hostile_pickles() -> tuple:
    # By hand: GLOBAL 'os system', the command as a 1-tuple, REDUCE. Python's pickle.loads
    # would run the command; the loader must refuse at the GLOBAL and run nothing.
    command = b"echo swiftllama-must-never-run-this"
    by_hand = (b"\x80\x02cos\nsystem\nq\x00X" + struct.pack("<I", len(command)) + command
               + b"q\x01\x85q\x02Rq\x03.")

    class Exploit:
        def __reduce__(self):
            return (os.system, (command.decode(),))

    # What Python itself writes for os.system: on Linux the function lives in 'posix'.
    via_reduce = pickle.dumps(Exploit(), protocol=2)
    return by_hand, via_reduce


def write_negative_fixtures() -> None:
    dtypes = OUT / "dtypes.pth"

    t = torch.arange(6, dtype=torch.float32).reshape(2, 3).t()  # strides (1, 3)
    torch.save({"transposed": t}, OUT / "non-contiguous.pth")
    torch.save({"ids": torch.arange(4)}, OUT / "int64.pth")

    entries = []
    for name, data in torch_entries(dtypes):
        _, rest = name.split("/", 1)
        entries.append((f"big-endian/{rest}", b"big" if rest == "byteorder" else data))
    write_zip(OUT / "big-endian.pth", entries)

    by_hand, via_reduce = hostile_pickles()
    replace_pickle(dtypes, OUT / "os-system.pth", by_hand)
    replace_pickle(dtypes, OUT / "reduce-system.pth", via_reduce)
    (OUT / "os-system.pkl").write_bytes(by_hand)

    pkl = dict(torch_entries(dtypes))["dtypes/data.pkl"]
    # 0xFF is no opcode; put it right after PROTO, where an opcode must begin.
    replace_pickle(dtypes, OUT / "corrupt-pickle.pth", pkl[:2] + b"\xff" + pkl[2:])
    replace_pickle(dtypes, OUT / "truncated-pickle.pth", pkl[: len(pkl) // 2])

    torch.save([torch.ones(2)], OUT / "not-a-dict.pth")

    with zipfile.ZipFile(OUT / "compressed.pth", "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in torch_entries(dtypes):
            z.writestr(name.replace("dtypes/", "compressed/"), data)

    torch.save({"w": torch.ones(2)}, OUT / "legacy.pth", _use_new_zipfile_serialization=False)

    raw = dtypes.read_bytes()
    (OUT / "truncated.pth").write_bytes(raw[: len(raw) // 2])
    (OUT / "empty.pth").write_bytes(b"")
    (OUT / "random.pth").write_bytes(random.Random(3).randbytes(4096))


def write_zip64_fixture() -> None:
    entries = [(name.replace("dtypes/", "zip64/"), data)
               for name, data in torch_entries(OUT / "dtypes.pth")]
    write_zip(OUT / "zip64.pth", entries, zip64=True)
    # Prove the hand-made archive is one torch itself reads, with the same values.
    loaded = torch.load(OUT / "zip64.pth", weights_only=True)
    for name, t in dtypes_state().items():
        assert float_bits(loaded[name]) == float_bits(t), name
    write_json(OUT / "zip64.json", expected(dtypes_state()))


def write_two_shards() -> None:
    folder = OUT / "two-shards"
    folder.mkdir(parents=True, exist_ok=True)
    state = llama_state(16, 2, 2, 1, 32, 64, seed=9)
    names = list(state)
    half = len(names) // 2
    torch.save({k: state[k] for k in names[:half]}, folder / "consolidated.00.pth")
    torch.save({k: state[k] for k in names[half:]}, folder / "consolidated.01.pth")
    write_json(folder / "params.json", json.loads((OUT / "tiny-llama" / "params.json").read_text()))


# MARK: The big synthetic checkpoint (timing only, never committed)

def write_big(path: Path) -> None:
    # A Llama-shaped state dict of about 1.4 GB: dim 2048, 12 layers, vocab 32000, bf16.
    state = llama_state(2048, 12, 16, 8, 32000, 5632, seed=11)
    started = time.time()
    torch.save(state, path)
    size = path.stat().st_size
    print(f"{path}: {size / 1e9:.2f} GB, {len(state)} tensors, saved in {time.time() - started:.1f} s")
    started = time.time()
    torch.load(path, mmap=True, weights_only=True)
    print(f"torch.load(mmap=True) for comparison: {time.time() - started:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--big", type=Path, help="also write a ~1.4 GB checkpoint here")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    save_with_expected(dtypes_state(), OUT / "dtypes.pth")
    save_with_expected(shared_storage_state(), OUT / "shared-storage.pth")
    save_with_expected({"p": torch.nn.Parameter(torch.tensor([1.5, -2.0]))}, OUT / "parameter.pth")
    write_zip64_fixture()
    write_tiny_llama(OUT / "tiny-llama", tied=False)
    write_tiny_llama(OUT / "tiny-llama-tied", tied=True)
    write_two_shards()
    write_negative_fixtures()
    if args.big:
        write_big(args.big)


if __name__ == "__main__":
    main()
