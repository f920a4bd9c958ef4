#!/usr/bin/env python3
"""Write the seed corpus of the `gguf` fuzz target (Fuzz/gguf/seeds/) with `gguf`,
llama.cpp's own Python writer (PyPI package gguf). Every seed is a few tens of KB at most,
so libFuzzer's default input length stays small.

    tiny-q8_0.gguf        llama, dim 64, 1 block, 4 heads, 2 KV heads, FFN 96, vocab 64:
                          matrices Q8_0 (gguf.quants), norms F32, separate output.weight
    tiny-f32.gguf         llama, dim 16, 1 block, 4 heads, 2 KV heads, FFN 48, vocab 16:
                          every tensor F32, output tied to token_embd, rope_freqs.weight
                          (F32 at dim 64 would be 150 KB)
    mixed-types.gguf      llama, dim 32, 1 block, 2 heads, FFN 96, vocab 32: matrices F16
                          and BF16, attn_v Q4_0 (a type we name but do not read),
                          general.alignment 64
    metadata-only.gguf    no tensors: every value type, an array of strings, an array of
                          arrays (gguf refuses to write an empty array; the fuzzer makes them)
    metadata-only-v2.gguf the same with version 2 in the header (v2 and v3 share the layout)

Usage (from the repository root; needs numpy and gguf):

    python3 Fuzz/gguf/make_seeds.py

Deterministic: rerunning writes the same bytes.
"""

import os

import numpy as np
import gguf

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")
Q = gguf.GGMLQuantizationType


def write(name, fill):
    path = os.path.join(OUT, name)
    writer = gguf.GGUFWriter(path, "llama")
    fill(writer)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def llama_keys(w, dim, blocks, heads, kv_heads, ffn, vocab, rope=True, file_type=7):
    w.add_uint32("llama.embedding_length", dim)
    w.add_uint32("llama.block_count", blocks)
    w.add_uint32("llama.attention.head_count", heads)
    w.add_uint32("llama.attention.head_count_kv", kv_heads)
    w.add_uint32("llama.feed_forward_length", ffn)
    w.add_uint32("llama.vocab_size", vocab)
    w.add_float32("llama.attention.layer_norm_rms_epsilon", 1e-5)
    w.add_float32("llama.rope.freq_base", 500000.0)
    if rope:
        w.add_uint32("llama.rope.dimension_count", dim // heads)
    w.add_uint32("general.file_type", file_type)  # 0 all F32, 1 mostly F16, 7 mostly Q8_0


def llama_tensors(w, rng, dim, blocks, heads, kv_heads, ffn, vocab, matrix, tied=False, overrides=None):
    """Adds the tensors in PyTorch [out, in] order (gguf reverses the dims itself)."""
    overrides = overrides or {}
    kv = kv_heads * (dim // heads)

    def add(name, shape, kind):
        kind = overrides.get(name, kind)
        data = (rng.standard_normal(shape) * 0.05).astype(np.float32)
        if kind == Q.F32:
            w.add_tensor(name, data)
        elif kind == Q.F16:
            w.add_tensor(name, data.astype(np.float16))
        else:
            q = gguf.quants.quantize(data, kind)
            w.add_tensor(name, q, raw_shape=q.shape, raw_dtype=kind)

    add("token_embd.weight", (vocab, dim), matrix)
    for b in range(blocks):
        p = f"blk.{b}."
        add(p + "attn_norm.weight", (dim,), Q.F32)
        add(p + "attn_q.weight", (dim, dim), matrix)
        add(p + "attn_k.weight", (kv, dim), matrix)
        add(p + "attn_v.weight", (kv, dim), matrix)
        add(p + "attn_output.weight", (dim, dim), matrix)
        add(p + "ffn_norm.weight", (dim,), Q.F32)
        add(p + "ffn_gate.weight", (ffn, dim), matrix)
        add(p + "ffn_down.weight", (dim, ffn), matrix)
        add(p + "ffn_up.weight", (ffn, dim), matrix)
    add("output_norm.weight", (dim,), Q.F32)
    if not tied:
        add("output.weight", (vocab, dim), matrix)


def tiny_q8_0(w):
    cfg = dict(dim=64, blocks=1, heads=4, kv_heads=2, ffn=96, vocab=64)
    llama_keys(w, **cfg)
    llama_tensors(w, np.random.default_rng(1), matrix=Q.Q8_0, **cfg)


def tiny_f32(w):
    cfg = dict(dim=16, blocks=1, heads=4, kv_heads=2, ffn=48, vocab=16)
    llama_keys(w, file_type=0, **cfg)
    llama_tensors(w, np.random.default_rng(2), matrix=Q.F32, tied=True, **cfg)
    # llama.cpp's RoPE factors: one per rotated pair of a head.
    w.add_tensor("rope_freqs.weight", np.linspace(1, 8, 16 // 4 // 2, dtype=np.float32))


def mixed_types(w):
    cfg = dict(dim=32, blocks=1, heads=2, kv_heads=2, ffn=96, vocab=32)
    w.add_custom_alignment(64)  # the key, and the writer's padding
    llama_keys(w, rope=False, file_type=1, **cfg)
    llama_tensors(w, np.random.default_rng(3), matrix=Q.F16, overrides={
        "blk.0.attn_q.weight": Q.BF16, "blk.0.ffn_down.weight": Q.BF16,
        "output.weight": Q.BF16, "blk.0.attn_v.weight": Q.Q4_0,
    }, **cfg)


def metadata_only(w):
    w.add_name("metadata only")
    w.add_uint8("test.u8", 200)
    w.add_int8("test.i8", -100)
    w.add_uint16("test.u16", 60000)
    w.add_int16("test.i16", -30000)
    w.add_uint32("test.u32", 4000000000)
    w.add_int32("test.i32", -2000000000)
    w.add_uint64("test.u64", 2 ** 63 + 5)
    w.add_int64("test.i64", -(2 ** 62))
    w.add_float32("test.f32", 0.25)
    w.add_float64("test.f64", -1.5e300)
    w.add_bool("test.bool", True)
    w.add_string("test.string", "héllo")
    w.add_array("test.strings", ["a", "bc", ""])
    w.add_array("test.ints", [1, 2, 3])
    w.add_array("test.nested", [[1, 2], [3]])
    w.add_uint32("llama.embedding_length", 64)
    w.add_uint32("llama.attention.head_count", 4)


def main():
    os.makedirs(OUT, exist_ok=True)
    write("tiny-q8_0.gguf", tiny_q8_0)
    write("tiny-f32.gguf", tiny_f32)
    write("mixed-types.gguf", mixed_types)
    v3 = open(write("metadata-only.gguf", metadata_only), "rb").read()
    assert v3[4:8] == (3).to_bytes(4, "little")
    with open(os.path.join(OUT, "metadata-only-v2.gguf"), "wb") as f:
        f.write(v3[:4] + (2).to_bytes(4, "little") + v3[8:])
    for name in sorted(os.listdir(OUT)):
        print(f"{name}: {os.path.getsize(os.path.join(OUT, name))} bytes")


if __name__ == "__main__":
    main()
