#!/usr/bin/env python3
"""Perplexity and first-choice agreement of several GGUF files of one model on one text,
the table in Documentation/21-Quantization-and-GGUF.md.

Runs `llama-cli perplexity --format json` on each file (the first is the reference) and
prints a Markdown table: bytes per weight of the file, perplexity, and the share of
positions where the file's most likely token is the reference's.

Usage (from the repository root, after `swift build -c release --product llama-cli`):

    python3 Scripts/measure_drift.py --text Tests/Fixtures/demo/heldout.txt \\
        REFERENCE.gguf OTHER.gguf ...
"""
import argparse
import json
import math
import os
import subprocess
import sys


def score(cli, model, text, window):
    out = subprocess.run([cli, "perplexity", "--model", model, "--text-file", text, "--window", str(window),
                          "--format", "json"], check=True, capture_output=True, text=True).stdout
    lines = [json.loads(line) for line in out.splitlines()]
    return [line for line in lines if "best" in line], lines[-1]["perplexity"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", default=".build/release/llama-cli")
    parser.add_argument("--text", required=True)
    parser.add_argument("--window", type=int, default=512)
    parser.add_argument("models", nargs="+")
    args = parser.parse_args()

    reference = None
    print("| file | bytes per weight | perplexity | first choice as the reference's |")
    print("|---|---:|---:|---:|")
    for model in args.models:
        info = json.loads(subprocess.run([args.cli, "info", "--model", model, "--format", "json"],
                                         check=True, capture_output=True, text=True).stdout)
        per_weight = info["weight_bytes"] / info["parameter_count"]
        scores, summary = score(args.cli, model, args.text, args.window)
        if reference is None:
            reference = scores
        if [s["id"] for s in scores] != [s["id"] for s in reference]:
            sys.exit(f"{model}: tokenizes the text differently from {args.models[0]}")
        agree = sum(a["best"] == b["best"] for a, b in zip(scores, reference)) / len(scores)
        print(f"| {os.path.basename(model)} | {per_weight:.3f} | {summary['perplexity']:.4f} | {agree * 100:.2f}% |")
        sys.stdout.flush()
    print(f"\n{len(reference)} tokens of {args.text}, windows of {args.window}.")


if __name__ == "__main__":
    main()
