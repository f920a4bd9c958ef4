#!/usr/bin/env python3
"""Time tiktoken's single-threaded `Encoding.encode` with the Llama 3 tokenizer on the same
text that Benchmarks/tokenizer-bench uses, and print JSON in the same shape.

    pip install tiktoken
    python3 Scripts/bench_tiktoken.py [--tokenizer PATH] [--text FILE] [--megabytes 4] [--runs 5]
                                      [--ids-out FILE]

--ids-out writes the ids space-separated, in the same format as tokenizer-bench --ids-out,
so that `cmp` can check the two on any text.

The tokenizer is built as Meta's llama_models/llama3/tokenizer.py builds it (same pattern,
same special tokens), but without its wrapper, which cuts long texts into pieces.
"""

import argparse
import base64
import json
import os
import time

import tiktoken

PATTERN = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"  # noqa: E501
NAMED = ["<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>", "<|reserved_special_token_1|>",
         "<|finetune_right_pad_id|>", "<|step_id|>", "<|start_header_id|>", "<|end_header_id|>", "<|eom_id|>",
         "<|eot_id|>", "<|python_tag|>", "<|image|>"]


def load(path):
    ranks = {}
    with open(path, "rb") as file:
        for line in file.read().splitlines():
            if line.strip():
                token, rank = line.split()
                ranks[base64.b64decode(token)] = int(rank)
    names = NAMED + [f"<|reserved_special_token_{2 + i}|>" for i in range(256 - len(NAMED))]
    special = {name: len(ranks) + i for i, name in enumerate(names)}
    return tiktoken.Encoding(name="llama3", pat_str=PATTERN, mergeable_ranks=ranks, special_tokens=special)


def corpus_text(path, megabytes):
    """Exactly the text tokenizer-bench builds: ordinary corpus texts joined with "\\n"."""
    with open(path, encoding="utf-8") as file:
        cases = json.load(file)["cases"]
    unit = "\n".join(c["text"] for c in cases if not c.get("allowSpecialTokens")) + "\n"
    target = int(megabytes * 1_000_000)
    text = ""
    while len(text.encode()) < target:
        text += unit
    return text


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokenizer", default=os.environ.get("LLAMA_TOKENIZER", ".cache/llama-models/tokenizer.model"))
    parser.add_argument("--text")
    parser.add_argument("--corpus", default="Tests/Fixtures/tokenizer/encode.json")
    parser.add_argument("--megabytes", type=float, default=4.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--ids-out")
    args = parser.parse_args()

    start = time.perf_counter()
    encoding = load(args.tokenizer)
    load_seconds = time.perf_counter() - start
    if args.text:
        # newline="": keep "\r\n" and "\r" as they are, as tokenizer-bench does.
        with open(args.text, encoding="utf-8", newline="") as file:
            text = file.read()
    else:
        text = corpus_text(args.corpus, args.megabytes)
    size = len(text.encode())
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        ids = encoding.encode(text, allowed_special=set(), disallowed_special=())
        times.append(time.perf_counter() - start)
    times.sort()
    start = time.perf_counter()
    decoded = encoding.decode(ids)
    decode_seconds = time.perf_counter() - start
    if args.ids_out:
        with open(args.ids_out, "w") as file:
            file.write(" ".join(map(str, ids)) + "\n")
    print(json.dumps({
        "implementation": f"tiktoken {tiktoken.__version__}",
        "text": args.text or f"{args.corpus} repeated",
        "text_bytes": size,
        "tokens": len(ids),
        "runs": args.runs,
        "load_seconds": load_seconds,
        "encode_seconds_best": times[0],
        "encode_seconds_median": times[len(times) // 2],
        "encode_megabytes_per_second": size / times[0] / 1e6,
        "encode_megabytes_per_second_median": size / times[len(times) // 2] / 1e6,
        "decode_megabytes_per_second": size / decode_seconds / 1e6,
        "round_trip_exact": decoded == text,
    }, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
