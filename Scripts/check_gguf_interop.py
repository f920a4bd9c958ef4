#!/usr/bin/env python3
"""Check that the GGUF files `llama-cli quantize` writes are what llama.cpp's own Python
package (`gguf` on PyPI) expects: it reads them, finds llama.cpp's tensor names with the
shapes and types of the Meta checkpoint they came from, the llama.* hyperparameters and the
tokenizer.ggml.* vocabulary; and the Q8_0, Q4_0 and Q4_1 blocks equal what gguf.quants computes from the
bf16 file we also write.

Usage (from the repository root; needs numpy and gguf, no torch):

    python3 Scripts/check_gguf_interop.py [--cli .build/debug/llama-cli] [--model Models/demo]

Exits non-zero, naming the first difference, when a check fails. CI runs it.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import gguf

LAYER = {"attention_norm.weight": "attn_norm.weight", "attention.wq.weight": "attn_q.weight",
         "attention.wk.weight": "attn_k.weight", "attention.wv.weight": "attn_v.weight",
         "attention.wo.weight": "attn_output.weight", "ffn_norm.weight": "ffn_norm.weight",
         "feed_forward.w1.weight": "ffn_gate.weight", "feed_forward.w2.weight": "ffn_down.weight",
         "feed_forward.w3.weight": "ffn_up.weight"}
TOP = {"tok_embeddings.weight": "token_embd.weight", "norm.weight": "output_norm.weight",
       "output.weight": "output.weight"}


# The types `quantize --type` writes, and what gguf calls them.
KINDS = {
    "q8_0": gguf.GGMLQuantizationType.Q8_0,
    "q4_0": gguf.GGMLQuantizationType.Q4_0,
    "q4_1": gguf.GGMLQuantizationType.Q4_1,
    "bf16": gguf.GGMLQuantizationType.BF16,
}


def gguf_name(key):
    if key in TOP:
        return TOP[key]
    _, layer, rest = key.split(".", 2)
    return f"blk.{layer}.{LAYER[rest]}"


def fail(message):
    print(f"check_gguf_interop: FAIL: {message}")
    sys.exit(1)


def field(reader, key):
    f = reader.get_field(key)
    if f is None:
        fail(f"missing metadata key {key}")
    return f.contents()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", default=".build/debug/llama-cli")
    parser.add_argument("--model", default="Models/demo")
    args = parser.parse_args()

    info = json.loads(subprocess.run([args.cli, "info", "--model", args.model, "--format", "json"],
                                     check=True, capture_output=True, text=True).stdout)
    params = info["params"]
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for kind in KINDS:
            files[kind] = os.path.join(tmp, f"model-{kind}.gguf")
            subprocess.run([args.cli, "quantize", "--model", args.model, "--type", kind, "--out", files[kind]],
                           check=True, capture_output=True)
        readers = {kind: gguf.GGUFReader(path) for kind, path in files.items()}
        q8, bf16 = readers["q8_0"], readers["bf16"]

        expected_keys = {
            "general.architecture": "llama",
            "llama.embedding_length": params["dim"],
            "llama.block_count": params["n_layers"],
            "llama.attention.head_count": params["n_heads"],
            "llama.attention.head_count_kv": params["n_kv_heads"],
            "llama.feed_forward_length": info["ffn_hidden_dim"],
            "llama.vocab_size": params["vocab_size"],
            "llama.rope.dimension_count": info["head_dim"],
            "tokenizer.ggml.model": "gpt2",
        }
        for key, value in expected_keys.items():
            got = field(q8, key)
            if got != value:
                fail(f"{key}: expected {value!r}, found {got!r}")
        tokens = field(q8, "tokenizer.ggml.tokens")
        merges = field(q8, "tokenizer.ggml.merges")
        if len(tokens) != params["vocab_size"] or tokens[params["vocab_size"] - 256] != "<|begin_of_text|>":
            fail(f"tokenizer.ggml.tokens: expected {params['vocab_size']} tokens with <|begin_of_text|> at {params['vocab_size'] - 256}")
        if not merges or " " not in merges[0]:
            fail("tokenizer.ggml.merges: expected 'left right' pairs")

        by_name = {kind: {t.name: t for t in r.tensors} for kind, r in readers.items()}
        checked = 0
        for record in info["tensors"]:
            name = gguf_name(record["name"])
            shape = record["shape"]
            for kind in KINDS:
                tensor = by_name[kind].get(name)
                if tensor is None:
                    fail(f"{kind}: no tensor {name}")
                if list(reversed([int(d) for d in tensor.shape])) != shape:
                    fail(f"{kind} {name}: expected shape {shape} (outermost first), found ne {list(tensor.shape)}")
                want = gguf.GGMLQuantizationType.F32 if len(shape) == 1 else KINDS[kind]
                if kind in ("q4_0", "q4_1") and name in ("token_embd.weight", "output.weight"):
                    want = gguf.GGMLQuantizationType.Q8_0  # 4-bit files keep the head in Q8_0
                if tensor.tensor_type != want:
                    fail(f"{kind} {name}: expected type {want.name}, found {tensor.tensor_type.name}")
            if len(shape) == 2:
                raw = np.asarray(by_name["bf16"][name].data).view(np.uint16).astype(np.uint32) << 16
                floats = raw.view(np.float32).reshape(shape)
                for kind, qtype in KINDS.items():
                    if kind == "bf16":
                        continue
                    if kind in ("q4_0", "q4_1") and name in ("token_embd.weight", "output.weight"):
                        qtype = gguf.GGMLQuantizationType.Q8_0
                    ours = np.asarray(by_name[kind][name].data).view(np.uint8).reshape(-1)
                    theirs = gguf.quants.quantize(floats, qtype).reshape(-1)
                    if not np.array_equal(ours, theirs):
                        first = int(np.argmax(ours != theirs))
                        fail(f"{name}: {qtype.name} bytes differ from gguf.quants at byte {first}")
            checked += 1
        print(f"check_gguf_interop: ok: {checked} tensors, {len(tokens)} tokens, {len(merges)} merges; "
              "names, types, shapes, keys and Q8_0, Q4_0 and Q4_1 bytes agree with the gguf package")


if __name__ == "__main__":
    main()
