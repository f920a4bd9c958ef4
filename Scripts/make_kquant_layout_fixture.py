#!/usr/bin/env python3
"""Write Tests/Fixtures/gguf/kquant-layout.gguf: Q4_K and Q6_K tensors of seeded random
bytes (every bit of the levels, scales and mins varies; only the f16 super-block scales are
set to modest finite values), each beside the F32 tensor that `gguf.quants.dequantize`
computes from the same bytes (name + ".dequantized"). The Swift tests read both and require
our dequantization to equal gguf's bit for bit: a check of the bit layout, independent of
how a quantizer chose the levels.

Usage (needs numpy and gguf from PyPI):

    python3 Scripts/make_kquant_layout_fixture.py
"""
import numpy as np
import gguf

OUT = "Tests/Fixtures/gguf/kquant-layout.gguf"
ROWS, WIDTH = 6, 512


def random_blocks(rng, qtype, count):
    block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
    blocks = rng.integers(0, 256, size=(count, type_size), dtype=np.uint8)
    halves = lambda n: (rng.uniform(0.001, 0.05, size=(count, n)).astype(np.float16)).view(np.uint8)
    if qtype == gguf.GGMLQuantizationType.Q4_K:
        blocks[:, 0:4] = halves(2)  # d and dmin
    elif qtype == gguf.GGMLQuantizationType.Q6_K:
        blocks[:, 208:210] = halves(1)  # d
    return blocks


def main():
    rng = np.random.default_rng(20261207)
    writer = gguf.GGUFWriter(OUT, "llama")
    for qtype in (gguf.GGMLQuantizationType.Q4_K, gguf.GGMLQuantizationType.Q6_K):
        block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
        blocks = random_blocks(rng, qtype, ROWS * WIDTH // block_size)
        raw = blocks.reshape(ROWS, WIDTH // block_size * type_size)
        name = qtype.name.lower()
        writer.add_tensor(name, raw, raw_shape=raw.shape, raw_dtype=qtype)
        values = gguf.quants.dequantize(raw, qtype).astype(np.float32)
        assert values.shape == (ROWS, WIDTH) and np.isfinite(values).all()
        writer.add_tensor(name + ".dequantized", values)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
