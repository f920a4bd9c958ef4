#!/usr/bin/env python3
"""Write the GGUF fixtures in Tests/Fixtures/gguf/ with `gguf`, llama.cpp's own Python
writer (PyPI package gguf), from the Meta-format fixtures in Tests/Fixtures/models/ and the
demo model's tokenizer.

    <model>-bf16.gguf    every matrix BF16, norms F32        (gqa-scaled, tied-output, mha-unscaled)
    <model>-q8_0.gguf    every matrix Q8_0 (gguf.quants), norms F32
    demo-vocab.gguf      tokenizer.ggml.* of Models/demo/tokenizer.model, no tensors:
                         tokens as GPT-2 byte-level strings, token types, merges

Tensor names, keys and the RoPE factors (`rope_freqs.weight`) follow llama.cpp's
convert_hf_to_gguf.py for LLM_ARCH_LLAMA. The Swift tests load these files and check them
against the Meta checkpoints they came from (same logits for BF16; Q8_0 blocks byte-equal
to what `llama-cli quantize` writes) and against our own vocabulary export.

Usage (from the repository root; needs torch, numpy, gguf):

    python3 Scripts/make_gguf_fixtures.py

Deterministic: rerunning writes the same bytes.
"""

import base64
import json
import math
import os
import sys

import numpy as np
import torch
import gguf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.join(ROOT, "Tests", "Fixtures", "models")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "gguf")

# Meta checkpoint key (inside a layer) -> llama.cpp tensor name.
LAYER_NAMES = {
    "attention_norm.weight": "attn_norm.weight",
    "attention.wq.weight": "attn_q.weight",
    "attention.wk.weight": "attn_k.weight",
    "attention.wv.weight": "attn_v.weight",
    "attention.wo.weight": "attn_output.weight",
    "ffn_norm.weight": "ffn_norm.weight",
    "feed_forward.w1.weight": "ffn_gate.weight",
    "feed_forward.w2.weight": "ffn_down.weight",
    "feed_forward.w3.weight": "ffn_up.weight",
}


def gguf_name(key):
    top = {"tok_embeddings.weight": "token_embd.weight", "norm.weight": "output_norm.weight",
           "output.weight": "output.weight"}
    if key in top:
        return top[key]
    _, layer, rest = key.split(".", 2)
    return f"blk.{layer}.{LAYER_NAMES[rest]}"


def ffn_hidden(p):
    hidden = int(2 * (4 * p["dim"]) / 3)
    if p.get("ffn_dim_multiplier") is not None:
        hidden = int(p["ffn_dim_multiplier"] * hidden)
    m = p.get("multiple_of", 256)
    return m * ((hidden + m - 1) // m)


def rope_factors(p):
    """Llama 3.1 scaling as one divisor per frequency, the way llama.cpp stores it."""
    head_dim = p["dim"] // p["n_heads"]
    theta = p.get("rope_theta", 500000.0)
    factor, low, high, old = 8.0, 1.0, 4.0, 8192.0
    out = []
    for i in range(0, head_dim, 2):
        freq = 1.0 / (theta ** (i / head_dim))
        wavelength = 2 * math.pi / freq
        if wavelength < old / high:
            out.append(1.0)
        elif wavelength > old / low:
            out.append(factor)
        else:
            smooth = (old / wavelength - low) / (high - low)
            out.append(1.0 / ((1 - smooth) / factor + smooth))
    return np.array(out, dtype=np.float32)


def write_model(name, qtype):
    folder = os.path.join(MODELS, name)
    with open(os.path.join(folder, "params.json")) as f:
        p = json.load(f)
    state = torch.load(os.path.join(folder, "consolidated.00.pth"), map_location="cpu", weights_only=True)
    suffix = "bf16" if qtype == gguf.GGMLQuantizationType.BF16 else "q8_0"
    path = os.path.join(OUT, f"{name}-{suffix}.gguf")
    w = gguf.GGUFWriter(path, "llama")
    w.add_name(name)
    w.add_vocab_size(p["vocab_size"])
    w.add_context_length(8192)
    w.add_embedding_length(p["dim"])
    w.add_block_count(p["n_layers"])
    w.add_feed_forward_length(ffn_hidden(p))
    w.add_rope_dimension_count(p["dim"] // p["n_heads"])
    w.add_head_count(p["n_heads"])
    w.add_head_count_kv(p.get("n_kv_heads", p["n_heads"]))
    w.add_rope_freq_base(float(p.get("rope_theta", 500000.0)))
    w.add_layer_norm_rms_eps(float(p.get("norm_eps", 1e-5)))
    w.add_file_type(gguf.LlamaFileType.MOSTLY_BF16 if suffix == "bf16" else gguf.LlamaFileType.MOSTLY_Q8_0)
    for key, tensor in state.items():
        data = tensor.to(torch.float32).numpy()
        if data.ndim == 1:
            w.add_tensor(gguf_name(key), data)  # norms stay F32
        else:
            w.add_tensor(gguf_name(key), gguf.quants.quantize(data, qtype), raw_dtype=qtype)
    if p.get("use_scaled_rope"):
        w.add_tensor("rope_freqs.weight", rope_factors(p))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"{path}: {os.path.getsize(path)} bytes")


def byte_level_table():
    """GPT-2's bytes_to_unicode: printable Latin-1 bytes map to themselves, the rest to 256+."""
    printable = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    table, extra = {}, 0
    for b in range(256):
        if b in printable:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


def write_vocabulary():
    table = byte_level_table()
    ranks = {}
    with open(os.path.join(ROOT, "Models", "demo", "tokenizer.model"), "rb") as f:
        for line in f.read().splitlines():
            if line.strip():
                token, rank = line.split()
                ranks[base64.b64decode(token)] = int(rank)
    by_rank = sorted(ranks.items(), key=lambda kv: kv[1])

    def encode(bs):
        return "".join(table[b] for b in bs)

    def last_merge(token, rank):
        parts = [bytes([b]) for b in token]
        while len(parts) > 2:
            best = None
            for i in range(len(parts) - 1):
                r = ranks.get(parts[i] + parts[i + 1])
                if r is not None and r < rank and (best is None or r < best[1]):
                    best = (i, r)
            if best is None:
                return None
            i = best[0]
            parts[i:i + 2] = [parts[i] + parts[i + 1]]
        return parts if len(parts) == 2 else None

    tokens = [encode(t) for t, _ in by_rank]
    merges = []
    for token, rank in by_rank:
        if len(token) > 1:
            pair = last_merge(token, rank)
            if pair:
                merges.append(encode(pair[0]) + " " + encode(pair[1]))
    specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>",
                "<|reserved_special_token_1|>", "<|finetune_right_pad_id|>", "<|step_id|>",
                "<|start_header_id|>", "<|end_header_id|>", "<|eom_id|>", "<|eot_id|>",
                "<|python_tag|>", "<|image|>"]  # Meta's list (llama_models/llama3/tokenizer.py)
    specials += [f"<|reserved_special_token_{2 + i}|>" for i in range(256 - len(specials))]
    types = [gguf.TokenType.NORMAL] * len(tokens) + [gguf.TokenType.CONTROL] * len(specials)
    path = os.path.join(OUT, "demo-vocab.gguf")
    w = gguf.GGUFWriter(path, "llama")
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("llama-bpe")
    w.add_token_list(tokens + specials)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(len(tokens))
    w.add_eos_token_id(len(tokens) + 1)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"{path}: {os.path.getsize(path)} bytes, {len(tokens)} + {len(specials)} tokens, {len(merges)} merges")


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in ["gqa-scaled", "tied-output", "mha-unscaled"]:
        for qtype in [gguf.GGMLQuantizationType.BF16, gguf.GGMLQuantizationType.Q8_0]:
            write_model(name, qtype)
    write_vocabulary()


if __name__ == "__main__":
    sys.exit(main())
