#!/usr/bin/env python3
"""Write a random Llama-3.2-1B-shaped model as a BF16 GGUF, for speed comparisons only
(its weights are seeded noise; nothing it generates means anything). Not a fixture: it is
about 2.5 GB, so write it outside the repository (default /tmp/bench/llama-1b-shape-bf16.gguf).

Shape: LLM_ARCH_LLAMA, dim 2048, 16 layers, 32 heads (head_dim 64), 8 KV heads, FFN 8192,
vocab 128256, tied embeddings (no output.weight, as Llama 3.2 1B), rope_theta 500000,
RMS eps 1e-5, context 131072 declared. No RoPE scaling factors and no tokenizer
(tokenizer.ggml.model = "none", llama.vocab_size = 128256): llama.cpp runs it by token ids,
which is all llama-bench needs. Matrices N(0, 0.02) rounded to BF16 by gguf.quants; norms 1.

Then, with the llama.cpp build of Scripts/make_kquant_fixtures.py:

    llama-quantize /tmp/bench/llama-1b-shape-bf16.gguf /tmp/bench/llama-1b-shape-q4_0.gguf Q4_0 2
    llama-quantize ... q8_0.gguf Q8_0 2 ;  llama-quantize ... q4_k_m.gguf Q4_K_M 2
    llama-bench -m /tmp/bench/llama-1b-shape-q4_0.gguf -t 2 -p 64 -n 16

The 8B shape (Llama 3.1 8B: dim 4096, 32 layers, FFN 14336, an output head of its own) is
16 GB in bf16; `--shape 8b --type q4_0` (or q8_0) writes it quantized by gguf.quants
instead, about 4.7 (or 8.5) GB, without a bf16 copy first.

Usage: python3 Scripts/make_bench_1b_gguf.py [OUT.gguf] [--shape 1b|8b] [--type bf16|q8_0|q4_0]
"""

import os
import sys

import numpy as np
import gguf

SHAPES = {  # dim, layers, heads, KV heads, FFN, vocab, tied embeddings
    "1b": (2048, 16, 32, 8, 8192, 128256, True),
    "8b": (4096, 32, 32, 8, 14336, 128256, False),
}
TYPES = {
    "bf16": (gguf.GGMLQuantizationType.BF16, gguf.LlamaFileType.MOSTLY_BF16),
    "q8_0": (gguf.GGMLQuantizationType.Q8_0, gguf.LlamaFileType.MOSTLY_Q8_0),
    "q4_0": (gguf.GGMLQuantizationType.Q4_0, gguf.LlamaFileType.MOSTLY_Q4_0),
}


def main():
    args = sys.argv[1:]

    def option(name, default):
        if name in args:
            i = args.index(name)
            value = args[i + 1]
            del args[i:i + 2]
            return value
        return default

    shape, kind = option("--shape", "1b"), option("--type", "bf16")
    DIM, LAYERS, HEADS, KV_HEADS, FFN, VOCAB, TIED = SHAPES[shape]
    QTYPE, FILE_TYPE = TYPES[kind]
    out = args[0] if args else f"/tmp/bench/llama-{shape}-shape-{kind}.gguf"
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    rng = np.random.default_rng(0x31423B)
    hd = DIM // HEADS
    w = gguf.GGUFWriter(out, "llama")
    w.add_name(f"random-llama-{shape}-shape")
    w.add_context_length(131072)
    w.add_embedding_length(DIM)
    w.add_block_count(LAYERS)
    w.add_feed_forward_length(FFN)
    w.add_head_count(HEADS)
    w.add_head_count_kv(KV_HEADS)
    w.add_rope_freq_base(500000.0)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_dimension_count(hd)
    w.add_vocab_size(VOCAB)
    w.add_file_type(FILE_TYPE)
    w.add_tokenizer_model("none")

    def mat(name, rows, cols):
        x = rng.standard_normal((rows, cols), dtype=np.float32)
        x *= 0.02
        w.add_tensor(name, gguf.quants.quantize(x, QTYPE), raw_dtype=QTYPE)

    def norm(name):
        w.add_tensor(name, np.ones(DIM, dtype=np.float32))

    mat("token_embd.weight", VOCAB, DIM)
    for i in range(LAYERS):
        p = f"blk.{i}."
        norm(p + "attn_norm.weight")
        mat(p + "attn_q.weight", HEADS * hd, DIM)
        mat(p + "attn_k.weight", KV_HEADS * hd, DIM)
        mat(p + "attn_v.weight", KV_HEADS * hd, DIM)
        mat(p + "attn_output.weight", DIM, HEADS * hd)
        norm(p + "ffn_norm.weight")
        mat(p + "ffn_gate.weight", FFN, DIM)
        mat(p + "ffn_up.weight", FFN, DIM)
        mat(p + "ffn_down.weight", DIM, FFN)
    norm("output_norm.weight")
    if not TIED:
        mat("output.weight", VOCAB, DIM)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"wrote {out} ({os.path.getsize(out)} bytes)")


if __name__ == "__main__":
    main()
