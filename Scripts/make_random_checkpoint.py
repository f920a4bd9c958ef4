#!/usr/bin/env python3
"""Write a full-size checkpoint folder with random bf16 weights, laid out like Meta's.

`llama-bench model --shape 1b` builds its random model in anonymous memory. This script
writes the same shapes as a real folder (consolidated.00.pth from torch.save, params.json),
so the benchmark can time the path a real checkpoint takes: the zip and pickle reader, the
memory-mapped file, and weights read from the page cache.

Usage (from the repository root; needs torch, about 25 s and 3 GB of disk for 1b):

    python3 Scripts/make_random_checkpoint.py --shape 1b --out /tmp/random-1b
    swift run -c release llama-bench model --model /tmp/random-1b --threads 2

The 1B and 3B shapes are written with tied output (no output.weight), as Meta ships them;
the 8B shape has its own output matrix. The weights are N(0, 0.02) rounded to bf16 and the
norms are 1, so the logits mean nothing: this is for timing, not for text. No tokenizer is
written (llama-bench does not need one).
"""

import argparse
import json
import os

import torch

SHAPES = {
    # dim, layers, heads, kv heads, ffn multiplier, multiple_of, tied output
    "1b": (2048, 16, 32, 8, 1.5, 256, True),
    "3b": (3072, 28, 24, 8, 1.0, 256, True),
    "8b": (4096, 32, 32, 8, 1.3, 1024, False),
}
VOCAB = 128256


def ffn_hidden(dim, multiplier, multiple_of):
    # Meta's FeedForward: int(2 * 4 * dim / 3), scaled, rounded up to a multiple.
    hidden = int(2 * (4 * dim) / 3)
    hidden = int(multiplier * hidden)
    return multiple_of * ((hidden + multiple_of - 1) // multiple_of)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shape", choices=sorted(SHAPES), default="1b")
    parser.add_argument("--out", required=True, help="folder to create")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    dim, layers, heads, kv_heads, multiplier, multiple_of, tied = SHAPES[args.shape]
    head_dim = dim // heads
    hidden = ffn_hidden(dim, multiplier, multiple_of)
    torch.manual_seed(args.seed)

    state = {}

    def matrix(name, rows, cols):
        state[name] = (torch.randn(rows, cols) * 0.02).to(torch.bfloat16)

    def norm(name):
        state[name] = torch.ones(dim, dtype=torch.bfloat16)

    matrix("tok_embeddings.weight", VOCAB, dim)
    for i in range(layers):
        p = f"layers.{i}."
        matrix(p + "attention.wq.weight", heads * head_dim, dim)
        matrix(p + "attention.wk.weight", kv_heads * head_dim, dim)
        matrix(p + "attention.wv.weight", kv_heads * head_dim, dim)
        matrix(p + "attention.wo.weight", dim, heads * head_dim)
        matrix(p + "feed_forward.w1.weight", hidden, dim)
        matrix(p + "feed_forward.w2.weight", dim, hidden)
        matrix(p + "feed_forward.w3.weight", hidden, dim)
        norm(p + "attention_norm.weight")
        norm(p + "ffn_norm.weight")
    norm("norm.weight")
    if not tied:
        matrix("output.weight", VOCAB, dim)

    os.makedirs(args.out, exist_ok=True)
    torch.save(state, os.path.join(args.out, "consolidated.00.pth"))
    params = {
        "dim": dim, "n_layers": layers, "n_heads": heads, "n_kv_heads": kv_heads,
        "vocab_size": VOCAB, "ffn_dim_multiplier": multiplier, "multiple_of": multiple_of,
        "norm_eps": 1e-05, "rope_theta": 500000.0, "use_scaled_rope": True,
    }
    with open(os.path.join(args.out, "params.json"), "w") as f:
        json.dump(params, f, indent=2)
    print(f"wrote {args.out}: {sum(t.numel() for t in state.values()):,} parameters")


if __name__ == "__main__":
    main()
