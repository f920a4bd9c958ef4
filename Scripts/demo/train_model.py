#!/usr/bin/env python3
"""Train the demo model: Llama 3's architecture at a few million parameters, on Python's
documentation, saved exactly as Meta ships a checkpoint folder.

    python3 Scripts/demo/train_model.py [--minutes 25 | --steps 1901] [--threads 2]

Reads .cache/demo/corpus.txt and Models/demo/tokenizer.model (the two scripts beside this
one), writes Models/demo/consolidated.00.pth (bfloat16, Meta's tensor names, saved with
torch.save), Models/demo/params.json and Models/demo/training.json (what the run measured).

The model below is written from the paper's equations with the names of Meta's
llama_models/llama3/model.py, so its state dict is a Meta state dict: tok_embeddings,
layers.N.attention.{wq,wk,wv,wo}, layers.N.feed_forward.{w1,w2,w3}, attention_norm,
ffn_norm, norm, output. Scripts/demo/make_reference.py checks it against Meta's model.py.

Recorded run (the shipped weights, Models/demo/training.json): `--minutes 25` on 2 CPU
cores of an AMD EPYC VM (no GPU; the cores were shared with another engineer's Swift builds; nice 10),
torch 2.15.0, 2 intra-op threads. It planned 1901 steps from its first 20 (0.79 s/step)
and took 29.0 minutes of wall time; 1901 steps x 16 x 256 = 7.8 million tokens, about 3
passes over the 2.56-million-token corpus. Final training loss 2.724 (mean over the last
50 steps); held-out mean log-likelihood -3.766 per token (Scripts/demo/make_reference.py).
`--steps 1901` replays the same schedule and batches on any machine (bitwise equal weights
are not promised: CPU float32 reductions depend on the thread count and the CPU).
"""

import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from tokenizer_file import encode_corpus  # noqa: E402

BEGIN_OF_TEXT = 4096  # the first special token, right after the 4096 ranks

PARAMS = {
    "dim": 256,
    "n_layers": 4,
    "n_heads": 8,
    "n_kv_heads": 4,
    "vocab_size": 4096 + 256,
    "multiple_of": 32,
    "ffn_dim_multiplier": None,
    "norm_eps": 1e-5,
    "rope_theta": 500000.0,
    "use_scaled_rope": True,
}


def ffn_hidden_dim(p):
    hidden = int(2 * (4 * p["dim"]) / 3)
    if p.get("ffn_dim_multiplier") is not None:
        hidden = int(p["ffn_dim_multiplier"] * hidden)
    return p["multiple_of"] * ((hidden + p["multiple_of"] - 1) // p["multiple_of"])


def rope_frequencies(p, length):
    """cos and sin of position x frequency, with Llama 3.1's scaling of low frequencies."""
    head_dim = p["dim"] // p["n_heads"]
    freqs = 1.0 / (p["rope_theta"] ** (torch.arange(0, head_dim, 2)[: head_dim // 2].float() / head_dim))
    if p["use_scaled_rope"]:
        factor, low, high, old_context = 8.0, 1.0, 4.0, 8192
        wavelength = 2 * math.pi / freqs
        smooth = (old_context / wavelength - low) / (high - low)
        scaled = torch.where(wavelength > old_context / low, freqs / factor, freqs)
        middle = (wavelength <= old_context / low) & (wavelength >= old_context / high)
        scaled = torch.where(middle, (1 - smooth) * freqs / factor + smooth * freqs, scaled)
        freqs = scaled
    angles = torch.outer(torch.arange(length).float(), freqs)
    return torch.cos(angles), torch.sin(angles)


def rotate(x, cos, sin):
    """Rotate interleaved pairs (x0, x1), (x2, x3), ... as Meta's complex multiply does."""
    pairs = x.float().reshape(*x.shape[:-1], -1, 2)
    a, b = pairs[..., 0], pairs[..., 1]
    cos = cos[None, :, None, :]
    sin = sin[None, :, None, :]
    return torch.stack((a * cos - b * sin, a * sin + b * cos), dim=-1).flatten(-2).type_as(x)


class RMSNorm(torch.nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = torch.nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class Attention(torch.nn.Module):
    def __init__(self, p):
        super().__init__()
        self.n_heads, self.n_kv_heads = p["n_heads"], p["n_kv_heads"]
        self.head_dim = p["dim"] // p["n_heads"]
        self.wq = torch.nn.Linear(p["dim"], self.n_heads * self.head_dim, bias=False)
        self.wk = torch.nn.Linear(p["dim"], self.n_kv_heads * self.head_dim, bias=False)
        self.wv = torch.nn.Linear(p["dim"], self.n_kv_heads * self.head_dim, bias=False)
        self.wo = torch.nn.Linear(self.n_heads * self.head_dim, p["dim"], bias=False)

    def forward(self, x, cos, sin):
        b, t, _ = x.shape
        q = rotate(self.wq(x).view(b, t, self.n_heads, self.head_dim), cos, sin)
        k = rotate(self.wk(x).view(b, t, self.n_kv_heads, self.head_dim), cos, sin)
        v = self.wv(x).view(b, t, self.n_kv_heads, self.head_dim)
        repeats = self.n_heads // self.n_kv_heads
        k = k.repeat_interleave(repeats, dim=2)
        v = v.repeat_interleave(repeats, dim=2)
        out = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2),
                                             is_causal=True)
        return self.wo(out.transpose(1, 2).reshape(b, t, -1))


class FeedForward(torch.nn.Module):
    def __init__(self, p):
        super().__init__()
        hidden = ffn_hidden_dim(p)
        self.w1 = torch.nn.Linear(p["dim"], hidden, bias=False)
        self.w2 = torch.nn.Linear(hidden, p["dim"], bias=False)
        self.w3 = torch.nn.Linear(p["dim"], hidden, bias=False)

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class TransformerBlock(torch.nn.Module):
    def __init__(self, p):
        super().__init__()
        self.attention = Attention(p)
        self.feed_forward = FeedForward(p)
        self.attention_norm = RMSNorm(p["dim"], p["norm_eps"])
        self.ffn_norm = RMSNorm(p["dim"], p["norm_eps"])

    def forward(self, x, cos, sin):
        h = x + self.attention(self.attention_norm(x), cos, sin)
        return h + self.feed_forward(self.ffn_norm(h))


class Transformer(torch.nn.Module):
    def __init__(self, p, max_length=2048):
        super().__init__()
        self.tok_embeddings = torch.nn.Embedding(p["vocab_size"], p["dim"])
        self.layers = torch.nn.ModuleList(TransformerBlock(p) for _ in range(p["n_layers"]))
        self.norm = RMSNorm(p["dim"], p["norm_eps"])
        self.output = torch.nn.Linear(p["dim"], p["vocab_size"], bias=False)
        cos, sin = rope_frequencies(p, max_length)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)

    def forward(self, tokens):
        t = tokens.shape[1]
        h = self.tok_embeddings(tokens)
        for layer in self.layers:
            h = layer(h, self.cos[:t], self.sin[:t])
        return self.output(self.norm(h)).float()


def initialize(model, p):
    """GPT-2-style initialization: std 0.02, residual outputs scaled by 1/sqrt(2 * layers)."""
    for name, prm in model.named_parameters():
        if name.endswith("norm.weight"):
            continue
        std = 0.02 / math.sqrt(2 * p["n_layers"]) if name.endswith(("wo.weight", "w2.weight")) else 0.02
        torch.nn.init.normal_(prm, std=std)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=25)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--length", type=int, default=256)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--steps", type=int, default=None,
                        help="train exactly this many steps (the shipped run's count is in "
                             "Models/demo/training.json) instead of planning from --minutes")
    args = parser.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)

    ids = torch.tensor(encode_corpus(os.path.join(ROOT, ".cache/demo/corpus.txt")), dtype=torch.long)
    print(f"{len(ids):,} training tokens", flush=True)
    p = PARAMS
    model = Transformer(p, max_length=args.length)
    initialize(model, p)
    count = sum(prm.numel() for prm in model.parameters())
    print(f"{count:,} parameters", flush=True)
    decay = [prm for n, prm in model.named_parameters() if not n.endswith("norm.weight")]
    no_decay = [prm for n, prm in model.named_parameters() if n.endswith("norm.weight")]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                                   {"params": no_decay, "weight_decay": 0.0}],
                                  lr=args.lr, betas=(0.9, 0.95))
    generator = torch.Generator().manual_seed(0)
    start = time.time()
    budget = args.minutes * 60
    warmup, total = 40, args.steps
    step, losses = 0, []
    while True:
        elapsed = time.time() - start
        if total is None and step == 20:
            # Fix the schedule's length from the measured speed, so the cosine ends on time.
            total = max(warmup + 10, int(budget / (elapsed / step)))
            print(f"{elapsed / step:.2f} s per step: planning {total} steps", flush=True)
        if total is not None and step >= total:
            break
        planned = total or 10_000
        lr = args.lr * min(1.0, (step + 1) / warmup)
        if step >= warmup:
            progress = (step - warmup) / max(1, planned - warmup)
            lr = args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))
        for group in optimizer.param_groups:
            group["lr"] = lr
        # Every sample starts with <|begin_of_text|>, as every prompt will (the library puts
        # it first), followed by a random window of the corpus.
        starts = torch.randint(0, len(ids) - args.length, (args.batch,), generator=generator)
        windows = torch.stack([ids[s:s + args.length] for s in starts.tolist()])
        batch = torch.cat([torch.full((args.batch, 1), BEGIN_OF_TEXT), windows], dim=1)
        logits = model(batch[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch[:, 1:].reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
        step += 1
        if step % 25 == 0:
            recent = sum(losses[-25:]) / 25
            print(f"step {step}/{total} loss {recent:.3f} lr {lr:.2e} {time.time() - start:.0f} s", flush=True)

    final = sum(losses[-50:]) / min(50, len(losses))
    minutes = (time.time() - start) / 60
    out = os.path.join(ROOT, "Models/demo")
    os.makedirs(out, exist_ok=True)
    state = {name: t.detach().to(torch.bfloat16).contiguous().clone() for name, t in model.state_dict().items()}
    sys.path.insert(0, os.path.join(ROOT, "Scripts"))
    import tempfile
    from make_model_fixtures import save_checkpoint
    with tempfile.TemporaryDirectory() as tmp:
        # Meta's files name the zip's folder `consolidated`, as save_checkpoint does.
        save_checkpoint(state, os.path.join(out, "consolidated.00.pth"), "consolidated", tmp)
    # All of Meta's keys, in Meta's 3.1 order; ffn_dim_multiplier null (ModelArgs' default).
    params = dict(p)
    with open(os.path.join(out, "params.json"), "w") as f:
        json.dump(params, f, indent=2)
        f.write("\n")
    record = {"parameters": count, "steps": step, "batch": args.batch, "length": args.length,
              "tokens_seen": step * args.batch * args.length, "minutes": round(minutes, 1),
              "final_loss": round(final, 3), "threads": args.threads, "torch": torch.__version__}
    with open(os.path.join(out, "training.json"), "w") as f:
        json.dump(record, f, indent=2)
        f.write("\n")
    print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
