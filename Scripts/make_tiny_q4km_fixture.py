#!/usr/bin/env python3
"""Write Tests/Fixtures/gguf/tiny-q4_k_m.gguf and tiny-q4_k_m.json: a tiny random llama
model quantized to Q4_K_M by llama.cpp's own llama-quantize, with greedy continuations from
llama.cpp itself and from an independent float64 numpy forward pass.

Model: LLM_ARCH_LLAMA, dim 256, 2 layers, 4 heads (head_dim 64), 2 KV heads, FFN 512, vocab
1024, context 256, rope_theta 10000, RMS eps 1e-5, untied output.weight. Seeded N(0, 0.02)
matrices, norms 1.0. No tokenizer: tokenizer.ggml.model = "none" and llama.vocab_size = 1024
(llama.cpp then runs token ids only). The F32 original is written with gguf's GGUFWriter to
a temporary folder, then `llama-quantize in.gguf out.gguf Q4_K_M` (no imatrix) makes the
committed file; llama-quantize picks each tensor's type (the JSON lists them).

tiny-q4_k_m.json holds, for 3 seeded prompts of 8 token ids (no BOS: the model has none):
  - llamacpp: 16 greedy ids and each step's top-5 log-probabilities from libllama on the
    Q4_K_M file (Scripts/llamacpp_greedy.c: whole prompt in one llama_decode, then one token
    per call, argmax of the logits, default context settings: F16 KV cache, flash attention
    "auto", 2 threads)
  - numpy: the same from a float64 forward pass over gguf.quants.dequantize of every tensor
    of the Q4_K_M file (Meta's llama math: RMSNorm, GQA attention with RoPE rotating the
    interleaved pairs (2i, 2i+1) of each head, as GGUF llama weights need; SwiGLU FFN),
    also scored along llama.cpp's ids (teacher-forced) so both can be compared at every step
  - agreement: identical-prefix length, first differing step, max |logprob difference| of the
    top-5 entries along llama.cpp's path, and numpy's top-1/top-2 margin at every step.

Needs: numpy, gguf (0.19.0 used), and the llama.cpp build described in
Scripts/make_kquant_fixtures.py with the llama-quantize target, plus llamacpp-greedy built
from Scripts/llamacpp_greedy.c (its header has the command).

Usage (from the repository root):

    python3 Scripts/make_tiny_q4km_fixture.py [--llama-build /tmp/llama.cpp-build] [--work /tmp/tiny-q4km]
"""

import argparse
import json
import os
import subprocess
import sys

import numpy as np
import gguf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "Tests", "Fixtures", "gguf")

DIM, LAYERS, HEADS, KV_HEADS, FFN, VOCAB, CTX = 256, 2, 4, 2, 512, 1024, 256
THETA, EPS, STD = 10000.0, 1e-5, 0.02
N_PROMPTS, PROMPT_LEN, STEPS, TOP_K = 3, 8, 16, 5


def write_f32_model(path):
    rng = np.random.default_rng(0x54494E59)  # "TINY"
    hd = DIM // HEADS
    w = gguf.GGUFWriter(path, "llama")
    w.add_name("tiny-random-llama")
    w.add_context_length(CTX)
    w.add_embedding_length(DIM)
    w.add_block_count(LAYERS)
    w.add_feed_forward_length(FFN)
    w.add_head_count(HEADS)
    w.add_head_count_kv(KV_HEADS)
    w.add_rope_freq_base(THETA)
    w.add_layer_norm_rms_eps(EPS)
    w.add_rope_dimension_count(hd)
    w.add_vocab_size(VOCAB)
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    w.add_tokenizer_model("none")

    def mat(out_dim, in_dim):  # numpy (rows=out, cols=in) = GGUF ne [in, out]
        return (rng.standard_normal((out_dim, in_dim)) * STD).astype(np.float32)

    w.add_tensor("token_embd.weight", mat(VOCAB, DIM))
    for i in range(LAYERS):
        p = f"blk.{i}."
        w.add_tensor(p + "attn_norm.weight", np.ones(DIM, dtype=np.float32))
        w.add_tensor(p + "attn_q.weight", mat(HEADS * hd, DIM))
        w.add_tensor(p + "attn_k.weight", mat(KV_HEADS * hd, DIM))
        w.add_tensor(p + "attn_v.weight", mat(KV_HEADS * hd, DIM))
        w.add_tensor(p + "attn_output.weight", mat(DIM, HEADS * hd))
        w.add_tensor(p + "ffn_norm.weight", np.ones(DIM, dtype=np.float32))
        w.add_tensor(p + "ffn_gate.weight", mat(FFN, DIM))
        w.add_tensor(p + "ffn_up.weight", mat(FFN, DIM))
        w.add_tensor(p + "ffn_down.weight", mat(DIM, FFN))
    w.add_tensor("output_norm.weight", np.ones(DIM, dtype=np.float32))
    w.add_tensor("output.weight", mat(VOCAB, DIM))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def load_dequantized(path):
    r = gguf.GGUFReader(path)
    weights, types = {}, {}
    for t in r.tensors:
        shape = tuple(int(x) for x in reversed(t.shape))  # numpy order: (rows, cols)
        data = gguf.quants.dequantize(np.array(t.data), t.tensor_type)
        weights[t.name] = np.asarray(data, dtype=np.float64).reshape(shape)
        types[t.name] = t.tensor_type.name
    return weights, types


class NumpyLlama:
    """Float64 llama forward pass, Meta's math, GGUF tensor layout (interleaved-pair RoPE)."""

    def __init__(self, w):
        self.w = w
        self.hd = DIM // HEADS
        inv = THETA ** (-np.arange(0, self.hd, 2, dtype=np.float64) / self.hd)
        ang = np.outer(np.arange(CTX, dtype=np.float64), inv)  # (pos, hd/2)
        self.cos, self.sin = np.cos(ang), np.sin(ang)

    @staticmethod
    def rmsnorm(x, g):
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + EPS) * g

    def rope(self, x, pos):  # x: (T, heads, hd); rotate pairs (2i, 2i+1)
        c, s = self.cos[pos][:, None, :], self.sin[pos][:, None, :]
        a, b = x[..., 0::2], x[..., 1::2]
        out = np.empty_like(x)
        out[..., 0::2] = a * c - b * s
        out[..., 1::2] = a * s + b * c
        return out

    def logits(self, ids):
        """Logits at every position of `ids` (full causal recompute; the model is tiny)."""
        w, hd, T = self.w, self.hd, len(ids)
        pos = np.arange(T)
        x = w["token_embd.weight"][ids]
        group = HEADS // KV_HEADS
        mask = np.triu(np.full((T, T), -np.inf), 1)
        for i in range(LAYERS):
            p = f"blk.{i}."
            h = self.rmsnorm(x, w[p + "attn_norm.weight"])
            q = self.rope((h @ w[p + "attn_q.weight"].T).reshape(T, HEADS, hd), pos)
            k = self.rope((h @ w[p + "attn_k.weight"].T).reshape(T, KV_HEADS, hd), pos)
            v = (h @ w[p + "attn_v.weight"].T).reshape(T, KV_HEADS, hd)
            out = np.empty((T, HEADS, hd))
            for hh in range(HEADS):
                kv = hh // group
                s = q[:, hh, :] @ k[:, kv, :].T / np.sqrt(hd) + mask
                s = np.exp(s - s.max(axis=-1, keepdims=True))
                s /= s.sum(axis=-1, keepdims=True)
                out[:, hh, :] = s @ v[:, kv, :]
            x = x + out.reshape(T, DIM) @ w[p + "attn_output.weight"].T
            h = self.rmsnorm(x, w[p + "ffn_norm.weight"])
            g = h @ w[p + "ffn_gate.weight"].T
            u = h @ w[p + "ffn_up.weight"].T
            x = x + (g / (1.0 + np.exp(-g)) * u) @ w[p + "ffn_down.weight"].T
        x = self.rmsnorm(x, w["output_norm.weight"])
        out_w = w.get("output.weight", w["token_embd.weight"])
        return x @ out_w.T


def log_softmax(z):
    m = z.max()
    return z - (m + np.log(np.sum(np.exp(z - m))))


def topk(lp, k):
    order = np.lexsort((np.arange(len(lp)), -lp))[:k]  # by logprob desc, then lowest id
    return [[int(i), float(lp[i])] for i in order]


def numpy_greedy(model, prompt):
    ids, tops, margins = list(prompt), [], []
    for _ in range(STEPS):
        lp = log_softmax(model.logits(ids)[-1])
        t = topk(lp, TOP_K)
        tops.append(t)
        margins.append(t[0][1] - t[1][1])
        ids.append(t[0][0])
    return ids[len(prompt):], tops, margins


def numpy_along(model, prompt, path):
    """numpy's top-k at each step, fed llama.cpp's ids (teacher forcing)."""
    lg = model.logits(list(prompt) + list(path[:-1]))
    return [topk(log_softmax(lg[len(prompt) - 1 + s]), TOP_K) for s in range(len(path))]


def run_greedy(greedy, path, prompts, flags=()):
    cmd = [greedy, path, str(STEPS), str(TOP_K), "--threads", "2", *flags] + [",".join(map(str, p)) for p in prompts]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"error: llamacpp-greedy failed:\n{r.stderr}")
    return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]


def max_diff_along(model, prompts, runs):
    """Largest |llama.cpp - numpy| over llama.cpp's top-5 logprobs, numpy fed llama.cpp's ids."""
    worst = 0.0
    for p, l in zip(prompts, runs):
        along = numpy_along(model, p, l["ids"])
        for s in range(STEPS):
            nd = dict((i, v) for i, v in along[s])
            worst = max([worst] + [abs(v - nd[i]) for i, v in l["top"][s] if i in nd])
    return worst


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--llama-build", default=os.environ.get("LLAMA_CPP_BUILD", "/tmp/llama.cpp-build"))
    ap.add_argument("--work", default="/tmp/tiny-q4km")
    args = ap.parse_args()
    bin_dir = os.path.join(args.llama_build, "bin")
    quantize = os.path.join(bin_dir, "llama-quantize")
    greedy = os.path.join(bin_dir, "llamacpp-greedy")
    for exe in (quantize, greedy):
        if not os.access(exe, os.X_OK):
            sys.exit(f"error: {exe} missing (see this script's header)")
    os.makedirs(args.work, exist_ok=True)
    f32 = os.path.join(args.work, "tiny-f32.gguf")
    out = os.path.join(OUT_DIR, "tiny-q4_k_m.gguf")

    write_f32_model(f32)
    q = subprocess.run([quantize, f32, out, "Q4_K_M", "2"], capture_output=True, text=True)
    if q.returncode != 0:
        sys.exit(f"error: llama-quantize failed:\n{q.stdout}\n{q.stderr}")

    weights, types = load_dequantized(out)
    model = NumpyLlama(weights)
    rng = np.random.default_rng(0x50524F4D)  # "PROM"
    prompts = [[int(t) for t in rng.integers(0, VOCAB, PROMPT_LEN)] for _ in range(N_PROMPTS)]

    lc = run_greedy(greedy, out, prompts)

    # Where the differences come from: the same comparison on the F32 original (llama.cpp's
    # F32 matmuls quantize no activations) and on the Q4_K_M file with an F32 KV cache.
    f32_model = NumpyLlama(load_dequantized(f32)[0])
    checks = {
        "f32_original_kv_f32_fa_off": max_diff_along(f32_model, prompts, run_greedy(greedy, f32, prompts, ["--kv", "f32", "--fa", "off"])),
        "f32_original_default": max_diff_along(f32_model, prompts, run_greedy(greedy, f32, prompts)),
        "q4_k_m_kv_f32_fa_off": max_diff_along(model, prompts, run_greedy(greedy, out, prompts, ["--kv", "f32", "--fa", "off"])),
        "q4_k_m_default": max_diff_along(model, prompts, lc),
    }

    cases = []
    for p, l in zip(prompts, lc):
        assert l["prompt"] == p
        n_ids, n_top, n_margin = numpy_greedy(model, p)
        along = numpy_along(model, p, l["ids"])
        same = 0
        while same < STEPS and n_ids[same] == l["ids"][same]:
            same += 1
        diffs = []
        for s in range(STEPS):
            nd = dict((i, v) for i, v in along[s])
            diffs += [abs(v - nd[i]) for i, v in l["top"][s] if i in nd]
        top1_along = sum(1 for s in range(STEPS) if along[s][0][0] == l["ids"][s])
        cases.append({
            "prompt_ids": p,
            "llamacpp_ids": l["ids"],
            "llamacpp_top5": [[[i, round(v, 6)] for i, v in t] for t in l["top"]],
            "numpy_ids": n_ids,
            "numpy_top5": n_top,
            "numpy_margin": n_margin,
            "numpy_top5_along_llamacpp": along,
            "agreement": {
                "identical_prefix": same,
                "first_difference": None if same == STEPS else same,
                "numpy_top1_equals_llamacpp_along_its_path": f"{top1_along}/{STEPS}",
                "max_abs_logprob_diff_top5_along_llamacpp": float(max(diffs)) if diffs else None,
            },
        })

    doc = {
        "model": "tiny-q4_k_m.gguf: random llama, dim 256, 2 layers, 4 heads, 2 KV heads, FFN 512, "
                 "vocab 1024 (no tokenizer), rope_theta 10000, rms eps 1e-5, N(0,0.02) matrices, norms 1; "
                 "F32 original written by gguf.GGUFWriter, quantized by llama.cpp's llama-quantize Q4_K_M",
        "tensor_types": types,
        "steps": STEPS,
        "llamacpp": "Scripts/llamacpp_greedy.c on libllama (llama.cpp vendored in llama-cpp-python 0.3.36, "
                    "ggml 0.25.3, CPU): `llamacpp-greedy tiny-q4_k_m.gguf 16 5 --threads 2 IDS...`: no BOS, "
                    "prompt in one batch, argmax of logits each step (lowest id on ties), default context "
                    "(F16 KV cache, flash attention auto); logprobs = log_softmax of its float logits",
        "numpy": "float64 forward pass over gguf.quants.dequantize of every tensor of the file "
                 "(RMSNorm, GQA attention, RoPE on interleaved pairs (2i,2i+1), SwiGLU, untied output); "
                 "numpy_margin = top-1 minus top-2 logprob at each step",
        "max_abs_logprob_diff_llamacpp_vs_numpy": checks,
        "max_abs_logprob_diff_note": "over llama.cpp's top-5 at each of the 16 steps of the 3 prompts, numpy fed "
                                     "llama.cpp's ids; the F32 original (not committed; same seed) isolates the "
                                     "forward-pass math from llama.cpp's Q8_K quantization of activations in its "
                                     "Q4_K/Q6_K matmuls; default = F16 KV cache, flash attention auto",
        "cases": cases,
    }
    with open(os.path.join(OUT_DIR, "tiny-q4_k_m.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    counts = {}
    for n, t in types.items():
        counts.setdefault(t, []).append(n)
    for t, ns in sorted(counts.items()):
        print(f"{t}: {len(ns)}: {', '.join(ns)}")
    print("max |logprob diff| llama.cpp vs numpy:", {k: float("%.3g" % v) for k, v in checks.items()})
    for c in cases:
        print(c["prompt_ids"], c["agreement"], "min margin %.4f" % min(c["numpy_margin"]))
    print(f"wrote {os.path.relpath(out, ROOT)} ({os.path.getsize(out)} bytes) and tiny-q4_k_m.json")


if __name__ == "__main__":
    main()
