#!/usr/bin/env python3
"""Generate Tests/Fixtures/trace/*.json: every intermediate value of Meta's forward pass.

For each case below, the fixture checkpoint in Tests/Fixtures/models is loaded into Meta's
reference model (llama_models/llama3/model.py from the llama-models==0.3.0 wheel, float32
over the bf16 weights, fairscale stubbed; see Scripts/make_model_fixtures.py, whose import
helpers this script reuses), and one forward pass is run through an INSTRUMENTED COPY of
Meta's forward methods: the same lines, with `record(name, tensor)` after each step. Before
anything is written, the instrumented pass is checked to give exactly (torch.equal) the
logits of the untouched model, so the copy cannot have drifted from Meta's code.

The steps and their names are those of SwiftLlama's TraceStep (Sources/LlamaModel/Tracing):
tok_embeddings; per layer attention_norm, attention.wq/.wk/.wv (before RoPE, viewed
[T, heads, head_dim]), attention.rope.xq/.xk, attention.scores [n_heads, T, P],
attention.mask [T, P], attention.softmax, attention.output [T, n_heads, head_dim],
attention.wo, h, ffn_norm, feed_forward.w1/.silu/.w3/.silu*w3/.w2, out; then norm and output
for the last position only (what predicts the next token). P = start_pos + T. For a
one-token pass Meta uses no mask; we record zeros, which is what it amounts to.

Each step stores its shape, min / max / mean / RMS over the finite values (the mask's -inf
entries are counted in `non_finite`), and its values: all of them when there are at most
MAX_VALUES, else the first MAX_VALUES ("complete": false). -inf is written as the string
"-inf". Floats have 7 significant digits.

Usage (from the repository root; about 3 s):

    python3 Scripts/make_trace_fixtures.py [--llama-models DIR_OR_WHEEL]

--llama-models as in make_model_fixtures.py; default .cache/demo/llama_models-0.3.0-py3-none-any.whl
when it exists, else pip downloads the wheel.
"""

import argparse
import json
import math
import os
import sys
import tempfile

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, HERE)
import make_model_fixtures as mmf  # noqa: E402  (the wheel import and fairscale stub)

MAX_VALUES = 512

# name: (fixture model, the tokens of the traced pass, tokens run before it to fill the cache)
CASES = [
    # A prefill pass: grouped-query attention, Llama 3.1 scaled RoPE.
    dict(name="gqa-scaled-prefill", model="gqa-scaled", prefix=0, length=6),
    # A decode step at position 4 after a 4-token prefill: the cache and a one-row mask.
    dict(name="gqa-scaled-decode", model="gqa-scaled", prefix=4, length=1),
    # Multi-head attention (n_kv_heads = n_heads), 4 layers, no RoPE scaling.
    dict(name="mha-unscaled-prefill", model="mha-unscaled", prefix=0, length=3),
]


def r7(x):
    return float(f"{float(x):.7g}")


def encode(value):
    if math.isinf(value) and value < 0:
        return "-inf"
    return r7(value)


class Recorder:
    def __init__(self):
        self.steps = []
        self.layer = None
        self.start = 0

    def record(self, name, tensor, layer="current"):
        t = tensor.detach().float().contiguous()
        flat = t.reshape(-1)
        finite = flat[torch.isfinite(flat)].double()
        n = finite.numel()
        stats = dict(
            min=r7(finite.min()) if n else 0.0,
            max=r7(finite.max()) if n else 0.0,
            mean=r7(finite.mean()) if n else 0.0,
            rms=r7(finite.pow(2).mean().sqrt()) if n else 0.0,
            non_finite=int(flat.numel() - n),
        )
        values = flat.tolist()
        complete = len(values) <= MAX_VALUES
        self.steps.append(dict(
            name=name,
            layer=self.layer if layer == "current" else layer,
            shape=list(t.shape),
            **stats,
            complete=complete,
            values=[encode(v) for v in values[:MAX_VALUES]],
        ))


def instrument(model_mod, rec):
    """Replace the forward methods of Meta's classes by copies that record each step.
    The lines between the record() calls are Meta's, in Meta's order."""

    def attention_forward(self, x, start_pos, freqs_cis, mask):
        bsz, seqlen, _ = x.shape
        xq, xk, xv = self.wq(x), self.wk(x), self.wv(x)

        xq = xq.view(bsz, seqlen, self.n_local_heads, self.head_dim)
        xk = xk.view(bsz, seqlen, self.n_local_kv_heads, self.head_dim)
        xv = xv.view(bsz, seqlen, self.n_local_kv_heads, self.head_dim)
        rec.record("attention.wq", xq[0])
        rec.record("attention.wk", xk[0])
        rec.record("attention.wv", xv[0])

        xq, xk = model_mod.apply_rotary_emb(xq, xk, freqs_cis=freqs_cis)
        rec.record("attention.rope.xq", xq[0])
        rec.record("attention.rope.xk", xk[0])

        self.cache_k = self.cache_k.to(xq)
        self.cache_v = self.cache_v.to(xq)

        self.cache_k[:bsz, start_pos : start_pos + seqlen] = xk
        self.cache_v[:bsz, start_pos : start_pos + seqlen] = xv

        keys = self.cache_k[:bsz, : start_pos + seqlen]
        values = self.cache_v[:bsz, : start_pos + seqlen]

        keys = model_mod.repeat_kv(keys, self.n_rep)
        values = model_mod.repeat_kv(values, self.n_rep)

        xq = xq.transpose(1, 2)
        keys = keys.transpose(1, 2)
        values = values.transpose(1, 2)
        scores = torch.matmul(xq, keys.transpose(2, 3)) / math.sqrt(self.head_dim)
        rec.record("attention.scores", scores[0])
        rec.record("attention.mask", mask if mask is not None else torch.zeros(seqlen, start_pos + seqlen))
        if mask is not None:
            scores = scores + mask
        scores = F.softmax(scores.float(), dim=-1).type_as(xq)
        rec.record("attention.softmax", scores[0])
        output = torch.matmul(scores, values)
        rec.record("attention.output", output[0].transpose(0, 1))
        output = output.transpose(1, 2).contiguous().view(bsz, seqlen, -1)
        out = self.wo(output)
        rec.record("attention.wo", out[0])
        return out

    def feed_forward_forward(self, x):
        a = self.w1(x)
        rec.record("feed_forward.w1", a[0])
        s = F.silu(a)
        rec.record("feed_forward.silu", s[0])
        b = self.w3(x)
        rec.record("feed_forward.w3", b[0])
        g = s * b
        rec.record("feed_forward.silu*w3", g[0])
        out = self.w2(g)
        rec.record("feed_forward.w2", out[0])
        return out

    def block_forward(self, x, start_pos, freqs_cis, mask):
        rec.layer = self.layer_id
        n = self.attention_norm(x)
        rec.record("attention_norm", n[0])
        h = x + self.attention(n, start_pos, freqs_cis, mask)
        rec.record("h", h[0])
        m = self.ffn_norm(h)
        rec.record("ffn_norm", m[0])
        out = h + self.feed_forward(m)
        rec.record("out", out[0])
        rec.layer = None
        return out

    def transformer_forward(self, tokens, start_pos):
        _bsz, seqlen = tokens.shape
        h = self.tok_embeddings(tokens)
        rec.record("tok_embeddings", h[0], layer=None)
        self.freqs_cis = self.freqs_cis.to(h.device)
        freqs_cis = self.freqs_cis[start_pos : start_pos + seqlen]

        mask = None
        if seqlen > 1:
            mask = torch.full((seqlen, seqlen), float("-inf"), device=tokens.device)
            mask = torch.triu(mask, diagonal=1)
            mask = torch.hstack([torch.zeros((seqlen, start_pos), device=tokens.device), mask]).type_as(h)

        for layer in self.layers:
            h = layer(h, start_pos, freqs_cis, mask)
        h = self.norm(h)
        rec.record("norm", h[0, -1:], layer=None)
        output = self.output(h).float()
        rec.record("output", output[0, -1:], layer=None)
        return output

    model_mod.Attention.forward = attention_forward
    model_mod.FeedForward.forward = feed_forward_forward
    model_mod.TransformerBlock.forward = block_forward
    model_mod.Transformer.forward = torch.inference_mode()(transformer_forward)


def load_model(model_mod, args_mod, folder, max_seq_len):
    with open(os.path.join(folder, "params.json")) as f:
        params = json.load(f)
    sd = torch.load(os.path.join(folder, "consolidated.00.pth"), weights_only=True, map_location="cpu")
    tied = "output.weight" not in sd
    return mmf.build_reference_model(model_mod, args_mod, params, sd, max_seq_len, tied)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--llama-models", help="unpacked llama-models 0.3.0 wheel dir or the .whl")
    a = ap.parse_args()
    torch.set_num_threads(1)
    wheel = a.llama_models
    default_wheel = os.path.join(ROOT, ".cache", "demo", "llama_models-0.3.0-py3-none-any.whl")
    if wheel is None and os.path.exists(default_wheel):
        wheel = default_wheel
    out_dir = os.path.join(ROOT, "Tests", "Fixtures", "trace")
    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = mmf.locate_llama_models(wheel, tmp)
        model_mod, args_mod = mmf.import_meta_model(root)
        original = {c: getattr(model_mod, c).forward for c in ("Attention", "FeedForward", "TransformerBlock", "Transformer")}
        for case in CASES:
            folder = os.path.join(ROOT, "Tests", "Fixtures", "models", case["model"])
            with open(os.path.join(folder, "reference.json")) as f:
                prompt = json.load(f)["prompt"]
            tokens = prompt[: case["prefix"] + case["length"]]
            prefix, traced = tokens[: case["prefix"]], tokens[case["prefix"]:]
            max_seq_len = len(tokens)

            # The untouched model: the logits the instrumented copy must reproduce exactly.
            for c, fn in original.items():
                setattr(getattr(model_mod, c), "forward", fn)
            plain = load_model(model_mod, args_mod, folder, max_seq_len)
            if prefix:
                plain.forward(torch.tensor([prefix]), 0)
            expected = plain.forward(torch.tensor([traced]), len(prefix))[0, -1]

            rec = Recorder()
            instrument(model_mod, rec)
            model = load_model(model_mod, args_mod, folder, max_seq_len)
            if prefix:
                model.forward(torch.tensor([prefix]), 0)
                rec.steps.clear()
            got = model.forward(torch.tensor([traced]), len(prefix))[0, -1]
            if not torch.equal(got, expected):
                sys.exit(f"{case['name']}: the instrumented copy differs from Meta's model.py")

            out = dict(
                name=case["name"],
                generated_by="Scripts/make_trace_fixtures.py",
                reference="llama_models/llama3/model.py (llama-models==0.3.0), float32 over the bf16 weights",
                torch_version=torch.__version__,
                model=case["model"],
                prefix_tokens=prefix,
                tokens=traced,
                start_pos=len(prefix),
                steps=rec.steps,
            )
            path = os.path.join(out_dir, case["name"] + ".json")
            with open(path, "w") as f:
                json.dump(out, f, separators=(",", ":"))
                f.write("\n")
            print(f"{path}: {len(rec.steps)} steps, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
