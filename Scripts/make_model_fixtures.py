#!/usr/bin/env python3
"""Generate the tiny Llama 3 model fixtures in Tests/Fixtures/models/.

Each fixture is a folder laid out exactly like one of Meta's checkpoint folders:

    consolidated.00.pth   written by torch.save(state_dict, path): a plain dict of tensor
                          name -> bfloat16 tensor (contiguous, each owning its storage),
                          Meta's tensor names, Linear weights [out, in]
    params.json           Meta's keys, with int/float spellings, key order and optional
                          keys varied across fixtures
    reference.json        what Meta's own reference forward pass computes in float32 over
                          these bf16 weights (llama_models/llama3/model.py from the PyPI
                          wheel llama-models==0.3.0): last-position logits of the prompt,
                          greedy tokens decoded with the KV cache exactly like Meta's
                          generation.py, top1-top2 margins, a no-cache full forward, ...

The weights are random (seeded), so the logits mean nothing; they only have to be computed
the way Meta computes them. Every greedy step's top1-top2 margin is asserted >= 1e-2 so a
float32 reimplementation cannot flip a near-tie.

Usage (from the repository root):

    python3 Scripts/make_model_fixtures.py [--llama-models DIR_OR_WHEEL] [--out DIR]

--llama-models is the unpacked wheel directory (the one that contains `llama_models/`) or
the .whl file itself; without it the script runs `pip download --no-deps llama-models==0.3.0`
into a temporary directory. Needs `torch` (CPU is enough); fairscale is NOT needed (stubbed).
It refuses to run if model.py/args.py differ from the 0.3.0 files (sha256 checked).

Runtime: about 3 s on a 2-core x86-64 VM (torch 2.15.0 CPU build, one thread), about half of
it importing torch; plus the download when --llama-models is not given.

Deterministic: fixed seeds (torch.Generator per fixture), one intra-op thread. Re-running
rewrites the same tensors and reference numbers. (The .pth bytes can still differ between
torch versions: the zip's `.data/serialization_id` entry and the archive layout are torch's.)
"""

import argparse
import glob
import hashlib
import importlib
import json
import math
import os
import pickletools
import shutil
import subprocess
import sys
import tempfile
import types
import zipfile

import torch

MODEL_PY_SHA256 = "ff135f051d66b03a9e32789966d2be84186a00b90cef398c05b10f7e9d2a7dc3"
ARGS_PY_SHA256 = "fce632ac3b167b490362a1c287de6886228e74977956667d455fdf6313cf602e"
MIN_MARGIN = 1e-2

# ---------------------------------------------------------------------------------------
# Fixture definitions.
#
# `params_json` is the literal text written to params.json (so int-vs-float spellings, key
# order and whitespace are exactly what we choose); the model is built from json.loads of
# that text, the way Meta's generation.py does it.
#
# Seeds: every fixture's greedy margins were checked >= 1e-2 with the seeds below. If a
# change (of torch, of an init scale, of a size) makes a margin smaller, the script stops
# with an error; then change that fixture's `seed` and note it here.
# ---------------------------------------------------------------------------------------

FIXTURES = [
    dict(
        name="gqa-scaled",
        description=(
            "Llama 3.1-style: grouped-query attention (4 query heads share 2 KV heads), "
            "head_dim 16, odd vocab 997, ffn_dim_multiplier 1.3 (hidden 224), Llama 3.1 "
            "scaled RoPE with rope_theta 500000.0. params.json one line, Meta's 3.1 key order."
        ),
        seed=1001,
        params_json=(
            '{"dim": 64, "n_layers": 2, "n_heads": 4, "n_kv_heads": 2, "vocab_size": 997, '
            '"multiple_of": 32, "ffn_dim_multiplier": 1.3, "norm_eps": 1e-05, '
            '"rope_theta": 500000.0, "use_scaled_rope": true}\n'
        ),
        prompt_len=20,
        n_generate=12,
        decode_logits=True,
    ),
    dict(
        name="mha-unscaled",
        description=(
            "Multi-head attention (n_kv_heads absent from params.json, so it equals n_heads "
            "= 3), head_dim 32, 4 layers (39 tensors: enough pickle memo entries for "
            "LONG_BINPUT, as in real checkpoints), vocab 515, no ffn_dim_multiplier "
            "(hidden 256), norm_eps 1e-6, rope_theta written as the integer 10000, no RoPE scaling. params.json indented "
            "over several lines."
        ),
        seed=2002,
        params_json=(
            "{\n"
            '    "dim": 96,\n'
            '    "multiple_of": 64,\n'
            '    "n_heads": 3,\n'
            '    "n_layers": 4,\n'
            '    "norm_eps": 1e-06,\n'
            '    "rope_theta": 10000,\n'
            '    "use_scaled_rope": false,\n'
            '    "vocab_size": 515\n'
            "}\n"
        ),
        prompt_len=9,
        # saved straight to consolidated.00.pth: zip folder `consolidated.00/` (the others
        # use Meta's `consolidated/`), so the loader cannot hard-code the folder name
        archive_name=None,
        n_generate=12,
        decode_logits=True,
    ),
    dict(
        name="tied-output",
        description=(
            "Llama 3.2 1B/3B-style: the state dict has NO output.weight; the output "
            "projection is tied to tok_embeddings.weight (the reference sets the model's "
            "output weight to the embedding). 4 query heads share 1 KV head, head_dim 32, "
            "vocab 300, ffn_dim_multiplier 1.5 with multiple_of 256 (hidden 512), scaled "
            "RoPE. params.json keys in alphabetical order, as in the 3.2 files."
        ),
        seed=3003,
        params_json=(
            '{"dim": 128, "ffn_dim_multiplier": 1.5, "multiple_of": 256, "n_heads": 4, '
            '"n_kv_heads": 1, "n_layers": 2, "norm_eps": 1e-05, "rope_theta": 500000.0, '
            '"use_scaled_rope": true, "vocab_size": 300}\n'
        ),
        prompt_len=16,
        n_generate=12,
        decode_logits=True,
        tied_output=True,
        qk_scale=2.0,
        resid_scale=2.0,
        # The tied output makes logits = normed(h) . E, and the residual stream carries the
        # current token's own embedding, so a random tied model tends to repeat one token
        # forever. Small embeddings, strong residual branches (resid_scale) and sharper
        # attention (qk_scale) give a varied greedy sequence with margins >= 0.14. (Seed 3003
        # kept after trying 3003..3006 at these scales; all gave margins >= 0.06.)
        embedding_std=0.25,
    ),
    dict(
        name="long-context",
        description=(
            "A 2,113-token prompt with Llama 3.1 scaled RoPE, rope_theta 500000.0 and "
            "head_dim 64 (2 query heads, 1 KV head), so 18 of the 32 rotary frequencies are "
            "changed by the scaling. Also records prompt_last_logits_unscaled: the same "
            "model with use_scaled_rope=false, which differs measurably, so a skipped "
            "scaling cannot pass. Greedy N=4, no decode_logits."
        ),
        seed=4004,
        params_json=(
            '{"dim": 128, "n_layers": 2, "n_heads": 2, "n_kv_heads": 1, "vocab_size": 256, '
            '"multiple_of": 128, "ffn_dim_multiplier": 1.0, "norm_eps": 1e-05, '
            '"rope_theta": 500000.0, "use_scaled_rope": true}\n'
        ),
        prompt_len=2113,
        n_generate=4,
        decode_logits=False,
        unscaled_comparison=True,
        # Sharper attention (wq/wk std 2/sqrt(dim)) makes the rotary angles matter more:
        # with qk_scale 1 the scaled-vs-unscaled logits differed by only 0.20.
        qk_scale=2.0,
    ),
]


# ---------------------------------------------------------------------------------------
# Importing Meta's model.py without fairscale or the rest of llama_models' dependencies.
# ---------------------------------------------------------------------------------------


def _install_fairscale_stub():
    """model.py imports fairscale's model-parallel layers; with world size 1 they are
    plain Linear / Embedding layers, which is what these stubs are."""

    def column_parallel_linear(in_features, out_features, bias=False, **_kwargs):
        return torch.nn.Linear(in_features, out_features, bias=False)

    def row_parallel_linear(in_features, out_features, bias=False, **_kwargs):
        return torch.nn.Linear(in_features, out_features, bias=False)

    def vocab_parallel_embedding(num_embeddings, embedding_dim, **_kwargs):
        return torch.nn.Embedding(num_embeddings, embedding_dim)

    names = [
        "fairscale",
        "fairscale.nn",
        "fairscale.nn.model_parallel",
        "fairscale.nn.model_parallel.initialize",
        "fairscale.nn.model_parallel.layers",
    ]
    mods = {}
    for name in names:
        mod = types.ModuleType(name)
        mod.__path__ = []  # make it a package so submodule imports resolve
        mods[name] = mod
        sys.modules[name] = mod
    for name in names[1:]:
        parent, child = name.rsplit(".", 1)
        setattr(mods[parent], child, mods[name])
    init = mods["fairscale.nn.model_parallel.initialize"]
    init.get_model_parallel_world_size = lambda: 1
    init.get_model_parallel_rank = lambda: 0
    init.initialize_model_parallel = lambda *a, **k: None
    init.model_parallel_is_initialized = lambda: True
    layers = mods["fairscale.nn.model_parallel.layers"]
    layers.ColumnParallelLinear = column_parallel_linear
    layers.RowParallelLinear = row_parallel_linear
    layers.VocabParallelEmbedding = vocab_parallel_embedding


def _sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def locate_llama_models(arg, tmpdir):
    """Return a directory that contains the `llama_models/` package of llama-models 0.3.0."""
    if arg is None:
        print("downloading llama-models==0.3.0 with pip ...", file=sys.stderr)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "llama-models==0.3.0", "-d", tmpdir],
            check=True,
        )
        wheels = glob.glob(os.path.join(tmpdir, "llama_models-0.3.0-*.whl"))
        if not wheels:
            sys.exit("pip download did not produce llama_models-0.3.0-*.whl")
        arg = wheels[0]
    if os.path.isfile(arg) and arg.endswith(".whl"):
        dest = os.path.join(tmpdir, "wheel")
        with zipfile.ZipFile(arg) as z:
            z.extractall(dest)
        arg = dest
    if os.path.isdir(os.path.join(arg, "llama_models", "llama3")):
        return os.path.abspath(arg)
    # Accept the package directory itself (".../llama_models").
    if os.path.isdir(os.path.join(arg, "llama3")) and os.path.basename(os.path.normpath(arg)) == "llama_models":
        return os.path.dirname(os.path.abspath(arg))
    sys.exit(f"{arg}: no llama_models/llama3/ inside; pass the unpacked wheel directory or the .whl")


def import_meta_model(root):
    for rel, want in (("llama_models/llama3/model.py", MODEL_PY_SHA256),
                      ("llama_models/llama3/args.py", ARGS_PY_SHA256)):
        got = _sha256(os.path.join(root, rel))
        if got != want:
            sys.exit(f"{rel}: sha256 {got}, expected {want} (llama-models 0.3.0)")
    _install_fairscale_stub()
    sys.path.insert(0, root)
    # llama_models/__init__.py and llama_models/llama3/__init__.py are comment-only in
    # 0.3.0, so importing these two modules pulls in nothing else.
    model = importlib.import_module("llama_models.llama3.model")
    args = importlib.import_module("llama_models.llama3.args")
    return model, args


# ---------------------------------------------------------------------------------------
# Weights
# ---------------------------------------------------------------------------------------


def make_state_dict(model_mod, args_mod, params, fx, gen):
    """Random bf16 weights in Meta's names and order (the order of Transformer.state_dict())."""
    skeleton = model_mod.Transformer(args_mod.ModelArgs(max_batch_size=1, max_seq_len=8, **params))
    emb_std = fx.get("embedding_std", 1.0)
    out = {}
    for name, t in skeleton.state_dict().items():
        shape = tuple(t.shape)
        if name == "output.weight" and fx.get("tied_output"):
            continue
        if name.endswith("norm.weight"):
            w = 1.0 + 0.1 * torch.randn(shape, generator=gen)
        elif name == "tok_embeddings.weight":
            w = emb_std * torch.randn(shape, generator=gen)
        elif name == "output.weight":
            # logits std ~2.5 over an RMS-normalized hidden state
            w = (2.5 / math.sqrt(shape[1])) * torch.randn(shape, generator=gen)
        elif name.endswith(("attention.wo.weight", "feed_forward.w2.weight")):
            # residual-branch outputs: half the fan-in scale so the stream stays moderate
            w = (fx.get("resid_scale", 0.5) / math.sqrt(shape[1])) * torch.randn(shape, generator=gen)
        elif name.endswith(("wq.weight", "wk.weight")):
            # unit-variance projections (times qk_scale), so attention scores are O(1) or
            # more and RoPE matters
            w = (fx.get("qk_scale", 1.0) / math.sqrt(shape[1])) * torch.randn(shape, generator=gen)
        elif name.endswith(("wv.weight", "w1.weight", "w3.weight")):
            w = (1.0 / math.sqrt(shape[1])) * torch.randn(shape, generator=gen)
        else:
            raise RuntimeError(f"unexpected tensor {name}")
        # Contiguous, owning its own storage, bfloat16: as in Meta's files.
        out[name] = w.to(torch.bfloat16).contiguous().clone()
    del skeleton
    return out


def build_reference_model(model_mod, args_mod, params, state_dict, max_seq_len, tied,
                          use_scaled_rope=None):
    p = dict(params)
    if use_scaled_rope is not None:
        p["use_scaled_rope"] = use_scaled_rope
    model = model_mod.Transformer(args_mod.ModelArgs(max_batch_size=1, max_seq_len=max_seq_len, **p))
    sd32 = {k: v.float() for k, v in state_dict.items()}
    if tied:
        sd32["output.weight"] = sd32["tok_embeddings.weight"].clone()
    model.load_state_dict(sd32, strict=True)
    model.eval()
    for prm in model.parameters():
        assert prm.dtype == torch.float32
    return model


# ---------------------------------------------------------------------------------------
# Reference computation
# ---------------------------------------------------------------------------------------


def save_checkpoint(sd, path, archive_name, tmpdir):
    """torch.save(sd, path), with the zip's top folder named `archive_name`.

    torch names the folder inside the zip after the file name minus its last extension.
    Meta's real files (saved by an older torch) have `consolidated/...` inside
    `consolidated.00.pth`; torch 2.x saving straight to `consolidated.00.pth` writes
    `consolidated.00/...`. To get Meta's name we save to `<archive_name>.pth` and rename.
    None = save straight to `path`.
    """
    if archive_name is None:
        torch.save(sd, path)
        return
    tmp_path = os.path.join(tmpdir, archive_name + ".pth")
    torch.save(sd, tmp_path)
    shutil.move(tmp_path, path)


def r7(x):
    """Round to 7 significant digits for JSON."""
    return float(f"{float(x):.7g}")


def rlist(t):
    return [r7(v) for v in t.tolist()]


def margin(logits):
    top = torch.topk(logits, 2).values
    return float(top[0] - top[1])


def compute_reference(model_mod, args_mod, params, state_dict, fx, gen):
    vocab = params["vocab_size"]
    prompt = torch.randint(0, vocab, (fx["prompt_len"],), generator=gen).tolist()
    n_gen = fx["n_generate"]
    max_seq_len = len(prompt) + n_gen
    tied = bool(fx.get("tied_output"))
    model = build_reference_model(model_mod, args_mod, params, state_dict, max_seq_len, tied)

    # Greedy decoding as in Meta's generation.py: forward(tokens[prev_pos:cur_pos], prev_pos)
    # -- the whole prompt at start_pos 0, then one token at a time.
    logits = model.forward(torch.tensor([prompt]), 0)[0, -1]
    prompt_last = logits.clone()
    greedy, margins, decode_logits = [], [], []
    pos = len(prompt)
    while True:
        nxt = int(torch.argmax(logits))
        greedy.append(nxt)
        margins.append(margin(logits))
        if len(greedy) == n_gen:
            break
        logits = model.forward(torch.tensor([[nxt]]), pos)[0, -1]
        decode_logits.append(logits.clone())
        pos += 1

    bad = [(i, m) for i, m in enumerate(margins) if m < MIN_MARGIN]
    if bad:
        sys.exit(f"{fx['name']}: greedy margins below {MIN_MARGIN}: {bad}; change its seed")

    # No-cache full forward over prompt + greedy[:-1]: its last position is the same
    # position as the last decode step.
    full = model.forward(torch.tensor([prompt + greedy[:-1]]), 0)[0, -1]
    last_step = decode_logits[-1] if decode_logits else prompt_last
    cache_vs_full = float((full - last_step).abs().max())
    assert int(torch.argmax(full)) == greedy[-1], "full forward disagrees with greedy"
    assert cache_vs_full < 1e-3 * max(1.0, float(full.abs().max())), cache_vs_full

    hd = params["dim"] // params["n_heads"]
    layer0 = model.layers[0]
    ref = {
        "name": fx["name"],
        "description": fx["description"],
        "generated_by": "Scripts/make_model_fixtures.py",
        "reference": "llama_models/llama3/model.py (llama-models==0.3.0), float32 over the bf16 weights",
        "torch_version": torch.__version__,
        "params": {
            "head_dim": hd,
            "n_kv_heads": layer0.attention.n_kv_heads,
            "n_rep": layer0.attention.n_rep,
            "ffn_hidden_dim": layer0.feed_forward.w1.weight.shape[0],
            "output_tied_to_embeddings": tied,
            "max_seq_len_used": max_seq_len,
        },
        "notes": (
            "greedy[0] = argmax(prompt_last_logits); decode_logits[i] are the logits of "
            "forward([greedy[i]], start_pos=len(prompt)+i) and argmax(decode_logits[i]) == "
            "greedy[i+1]; greedy_margins[i] = top1 - top2 of the logits that chose greedy[i]; "
            "full_last_logits = last position of forward(prompt + greedy[:-1], start_pos=0) "
            "without a cache (same position as the last decode step). Floats rounded to 7 "
            "significant digits."
        ),
        "prompt": prompt,
        "prompt_last_logits": rlist(prompt_last),
        "greedy": greedy,
        "greedy_margins": [r7(m) for m in margins],
        "full_last_logits": rlist(full),
        "cache_vs_full_max_abs_diff": r7(cache_vs_full),
    }
    if fx.get("decode_logits"):
        ref["decode_logits"] = [rlist(l) for l in decode_logits]

    summary = {"margins": margins, "cache_vs_full": cache_vs_full}
    if fx.get("unscaled_comparison"):
        del model
        unscaled = build_reference_model(model_mod, args_mod, params, state_dict, max_seq_len,
                                         tied, use_scaled_rope=False)
        u = unscaled.forward(torch.tensor([prompt]), 0)[0, -1]
        diff = float((u - prompt_last).abs().max())
        scale = float(prompt_last.abs().max())
        if not diff > 0.05 * scale:
            sys.exit(f"{fx['name']}: unscaled RoPE logits differ by only {diff} (max |logit| {scale})")
        ref["prompt_last_logits_unscaled"] = rlist(u)
        ref["scaled_vs_unscaled_max_abs_diff"] = r7(diff)
        ref["unscaled_argmax"] = int(torch.argmax(u))
        summary["scaled_vs_unscaled"] = diff
        summary["max_abs_logit"] = scale
        summary["unscaled_argmax"] = int(torch.argmax(u))
    return ref, summary


# ---------------------------------------------------------------------------------------
# Self-check of the written files
# ---------------------------------------------------------------------------------------


def check_checkpoint(path, expected):
    loaded = torch.load(path, weights_only=True, map_location="cpu")
    assert type(loaded) is dict, type(loaded)
    assert list(loaded.keys()) == list(expected.keys()), "tensor names/order differ"
    for k, v in loaded.items():
        assert v.dtype == torch.bfloat16, (k, v.dtype)
        assert v.shape == expected[k].shape, (k, v.shape)
        assert v.is_contiguous() and v.storage_offset() == 0, k
        assert v.untyped_storage().nbytes() == v.numel() * 2, k
        assert torch.equal(v, expected[k]), k
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        for i in infos:
            assert i.compress_type == zipfile.ZIP_STORED, i.filename
        tops = {i.filename.split("/", 1)[0] for i in infos}
        assert len(tops) == 1, tops
        pkl_name = [i.filename for i in infos if i.filename.endswith("/data.pkl")][0]
        pkl = z.read(pkl_name)
        # Where each entry's bytes start in the file (local header is 30 bytes + name +
        # extra field); torch pads the extra field so tensor data is 64-byte aligned.
        offsets = {}
        with open(path, "rb") as f:
            for i in infos:
                f.seek(i.header_offset)
                hdr = f.read(30)
                assert hdr[:4] == b"PK\x03\x04"
                n_name = int.from_bytes(hdr[26:28], "little")
                n_extra = int.from_bytes(hdr[28:30], "little")
                offsets[i.filename] = i.header_offset + 30 + n_name + n_extra
                if "/data/" in i.filename:
                    assert offsets[i.filename] % 64 == 0, (i.filename, offsets[i.filename])
    ops, globals_ = set(), set()
    for op, arg, _pos in pickletools.genops(pkl):
        ops.add(op.name)
        if op.name == "GLOBAL":
            globals_.add(arg.replace(" ", "."))
    return infos, offsets, pkl, ops, globals_


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--llama-models", help="unpacked llama-models 0.3.0 wheel dir (containing llama_models/) or the .whl")
    ap.add_argument("--out", default=None, help="output dir (default: Tests/Fixtures/models next to this script)")
    ap.add_argument("--only", action="append", help="generate only this fixture (repeatable)")
    ap.add_argument("--dis", action="store_true", help="print pickletools.dis of the first fixture's data.pkl")
    a = ap.parse_args()

    out_root = a.out or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "models")
    out_root = os.path.normpath(out_root)
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float32)
    torch.manual_seed(0)  # nothing should draw from the global generator; fixed anyway

    all_ops, all_globals = set(), set()
    with tempfile.TemporaryDirectory() as tmp:
        root = locate_llama_models(a.llama_models, tmp)
        model_mod, args_mod = import_meta_model(root)
        for fx in FIXTURES:
            if a.only and fx["name"] not in a.only:
                continue
            folder = os.path.join(out_root, fx["name"])
            os.makedirs(folder, exist_ok=True)
            params = json.loads(fx["params_json"])
            gen = torch.Generator().manual_seed(fx["seed"])
            sd = make_state_dict(model_mod, args_mod, params, fx, gen)
            pth = os.path.join(folder, "consolidated.00.pth")
            save_checkpoint(sd, pth, fx.get("archive_name", "consolidated"), tmp)
            with open(os.path.join(folder, "params.json"), "w") as f:
                f.write(fx["params_json"])
            ref, summary = compute_reference(model_mod, args_mod, params, sd, fx, gen)
            with open(os.path.join(folder, "reference.json"), "w") as f:
                json.dump(ref, f, separators=(",", ":"))
                f.write("\n")

            infos, offsets, pkl, ops, globals_ = check_checkpoint(pth, sd)
            all_ops |= ops
            all_globals |= globals_
            sizes = {n: os.path.getsize(os.path.join(folder, n)) for n in sorted(os.listdir(folder))}
            total = sum(sizes.values())
            print(f"== {fx['name']}  ({total / 1e6:.3f} MB: " +
                  ", ".join(f"{n} {s}" for n, s in sizes.items()) + ")")
            print(f"   params {ref['params']}")
            print(f"   prompt {len(ref['prompt'])} tokens; greedy {ref['greedy']}")
            print("   margins " + " ".join(f"{m:.4f}" for m in summary["margins"]) +
                  f"  (min {min(summary['margins']):.4f})")
            print(f"   cache vs full forward max |diff| {summary['cache_vs_full']:.3g}")
            if "scaled_vs_unscaled" in summary:
                print(f"   scaled vs unscaled RoPE: max |diff| {summary['scaled_vs_unscaled']:.4f} "
                      f"(max |logit| {summary['max_abs_logit']:.3f}); unscaled argmax "
                      f"{summary['unscaled_argmax']} vs scaled {ref['greedy'][0]}")
            print(f"   {len(sd)} tensors, all bf16; zip entries ({len(infos)}):")
            for i in infos:
                print(f"     {i.filename:45s} size {i.file_size:8d}  at {offsets[i.filename]:8d}")
            if a.dis and fx is FIXTURES[0]:
                pickletools.dis(pkl)
            if total > 1.5e6:
                sys.exit(f"{fx['name']}: {total} bytes, over the 1.5 MB budget")
    print("pickle opcodes used:", " ".join(sorted(all_ops)))
    print("pickle GLOBALs used:", " ".join(sorted(all_globals)))


if __name__ == "__main__":
    main()
