#!/usr/bin/env python3
"""Write Tests/Fixtures/smollm2/llamacpp.json: what llama.cpp itself does with SmolLM2-135M-
Instruct (the Q4_1 GGUF and its F32 copy in .cache/smollm2/, see Tests/Fixtures/smollm2/README.md).

  - greedy: each case of Tests/Fixtures/smollm2/reference.json, its `prompt_ids` exactly (no
    BOS added), 24 greedy steps by Scripts/llamacpp_greedy.c on libllama (argmax of the
    logits; default context: F16 KV cache, flash attention auto; 2 threads), with top-5
    logprobs, on both files. `matches_reference` is true when llama.cpp's first
    len(continuation_ids) ids equal the reference's (the reference stops after an
    end-of-generation token, <|im_end|> = 2 or <|endoftext|> = 0; llama.cpp's 24 ids are
    recorded unstopped). `max_abs_logprob_diff_top5` compares llama.cpp's top-5 logprobs
    with the reference's `top5` at the steps before the first differing id.
  - tokenize: llama-tokenize (vocab of the Q4_1 file) on every text of tokenize.json
    `cases`, read from a file byte for byte: `--ids --no-bos --no-parse-special --no-escape`;
    each case's ids, and the list of texts whose ids differ from the Hugging Face ids there.
  - perplexity: `llama-perplexity -f Tests/Fixtures/demo/heldout.txt -c 512 -t 2` on both
    files; the final estimate and the per-chunk running values, verbatim. (llama-perplexity
    splits the text into 512-token chunks, adds BOS only if the vocabulary asks for it --
    SmolLM2's does not -- and scores only the second half of each chunk.)

Needs: Python 3 (standard library only); the llama.cpp build described in Scripts/make_kquant_fixtures.py
with targets llama-tokenize and llama-perplexity, and llamacpp-greedy built from
Scripts/llamacpp_greedy.c; the two GGUF files from Scripts/fetch-smollm2.sh.

Usage (from the repository root):

    python3 Scripts/make_llamacpp_smollm2.py [--llama-build /tmp/llama.cpp-build] [--skip-perplexity]
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "Tests", "Fixtures", "smollm2")
CACHE = os.path.join(ROOT, ".cache", "smollm2")
FILES = {"Q4_1": "SmolLM2-135M-Instruct.Q4_1.gguf", "F32": "SmolLM2-135M-Instruct.F32.gguf"}
STEPS, TOP_K = 24, 5


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, **kw)
    if r.returncode != 0:
        err = r.stderr if isinstance(r.stderr, str) else r.stderr.decode("utf-8", "replace")
        sys.exit(f"error: {' '.join(cmd[:3])} ... failed ({r.returncode}):\n{err[-2000:]}")
    return r


def greedy(bin_dir, ref):
    out = {}
    for label, name in FILES.items():
        path = os.path.join(CACHE, name)
        cmd = [os.path.join(bin_dir, "llamacpp-greedy"), path, str(STEPS), str(TOP_K), "--threads", "2"]
        cmd += [",".join(map(str, c["prompt_ids"])) for c in ref["cases"]]
        lines = run(cmd, text=True).stdout.splitlines()
        out[label] = [json.loads(line) for line in lines if line.strip()]
    cases = []
    for i, c in enumerate(ref["cases"]):
        want = c["continuation_ids"]
        ref_top = json.loads(c["top5"]) if isinstance(c["top5"], str) else c["top5"]
        entry = {"name": c["name"], "reference_continuation_ids": want}
        for label in FILES:
            got = out[label][i]
            assert got["prompt"] == c["prompt_ids"]
            same = 0
            while same < len(want) and got["ids"][same] == want[same]:
                same += 1
            diffs = []
            for s in range(same + 1 if same < len(want) else same):  # up to and including the first differing step
                rd = dict((int(t), v) for t, v in ref_top[s])
                diffs += [abs(v - rd[t]) for t, v in got["top"][s] if t in rd]
            entry[label] = {
                "ids": got["ids"],
                "top5": [[[t, round(v, 6)] for t, v in step] for step in got["top"]],
                "matches_reference": same == len(want),
                "identical_prefix": same,
                "max_abs_logprob_diff_top5": round(max(diffs), 6) if diffs else None,
            }
        cases.append(entry)
    return cases


def tokenize(bin_dir, cases):
    exe = os.path.join(bin_dir, "llama-tokenize")
    model = os.path.join(CACHE, FILES["Q4_1"])
    results, differ = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for c in cases:
            f = os.path.join(tmp, "text")
            with open(f, "wb") as fh:
                fh.write(c["text"].encode("utf-8", "surrogatepass"))
            r = run([exe, "-m", model, "-f", f, "--ids", "--no-bos", "--no-parse-special", "--no-escape",
                     "--log-disable"], text=True)
            ids = json.loads(r.stdout.strip().splitlines()[-1])
            same = ids == c["ids"]
            results.append({"text": c["text"], "ids": ids, "hf_ids": c["ids"], "same_as_hf": same})
            if not same:
                differ.append(c["text"])
    return results, differ


def perplexity(bin_dir):
    out = {}
    text = os.path.join(ROOT, "Tests", "Fixtures", "demo", "heldout.txt")
    for label, name in FILES.items():
        cmd = [os.path.join(bin_dir, "llama-perplexity"), "-m", os.path.join(CACHE, name), "-f", text,
               "-c", "512", "-t", "2"]
        r = run(cmd, text=True)
        log = r.stdout + r.stderr
        final = re.search(r"Final estimate: PPL = ([0-9.]+) \+/- ([0-9.]+)", log)
        chunks = re.search(r"calculating perplexity over (\d+) chunks, n_ctx=(\d+), batch_size=(\d+), n_seq=(\d+)", log)
        running = re.findall(r"\[(\d+)\]([0-9.]+),", log)
        out[label] = {
            "command": "llama-perplexity -m " + name + " -f Tests/Fixtures/demo/heldout.txt -c 512 -t 2",
            "final_line": final.group(0) if final else None,
            "ppl": float(final.group(1)) if final else None,
            "ppl_stderr": float(final.group(2)) if final else None,
            "chunks_line": chunks.group(0) if chunks else None,
            "running_ppl": [[int(k), float(v)] for k, v in running],
        }
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--llama-build", default=os.environ.get("LLAMA_CPP_BUILD", "/tmp/llama.cpp-build"))
    ap.add_argument("--skip-perplexity", action="store_true")
    args = ap.parse_args()
    bin_dir = os.path.join(args.llama_build, "bin")
    for name in FILES.values():
        if not os.path.exists(os.path.join(CACHE, name)):
            sys.exit(f"error: .cache/smollm2/{name} missing (run Scripts/fetch-smollm2.sh)")
    ref = json.load(open(os.path.join(FIX, "reference.json")))
    tok = json.load(open(os.path.join(FIX, "tokenize.json")))

    doc = {
        "llamacpp": "llama.cpp vendored in llama-cpp-python 0.3.36 (ggml 0.25.3, commit 0c1e570), CPU build "
                    "(see Scripts/make_kquant_fixtures.py); greedy by Scripts/llamacpp_greedy.c "
                    "(`llamacpp-greedy FILE 24 5 --threads 2 IDS...`: no BOS, prompt in one llama_decode, "
                    "argmax of logits, default context: F16 KV cache, flash attention auto)",
        "files": FILES,
        "greedy": greedy(bin_dir, ref),
    }
    tok_cases, differ = tokenize(bin_dir, tok["cases"])
    doc["tokenize"] = {
        "command": "llama-tokenize -m SmolLM2-135M-Instruct.Q4_1.gguf -f TEXTFILE --ids --no-bos "
                   "--no-parse-special --no-escape --log-disable",
        "texts_differing_from_hf": differ,
        "cases": tok_cases,
    }
    if not args.skip_perplexity:
        doc["perplexity"] = perplexity(bin_dir)
    with open(os.path.join(FIX, "llamacpp.json"), "w") as f:
        json.dump(doc, f, indent=1, ensure_ascii=True)
        f.write("\n")

    for c in doc["greedy"]:
        print(c["name"], {k: (c[k]["matches_reference"], c[k]["identical_prefix"], c[k]["max_abs_logprob_diff_top5"])
                          for k in FILES})
    print("tokenize: %d of %d texts differ from HF: %r" % (len(differ), len(tok_cases), differ))
    for label, p in doc.get("perplexity", {}).items():
        print(label, p["chunks_line"], "|", p["final_line"])


if __name__ == "__main__":
    main()
