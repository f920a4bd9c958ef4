#!/usr/bin/env python3
"""Train the demo model's byte-level BPE vocabulary and write it as a tokenizer.model.

    python3 Scripts/demo/train_tokenizer.py [--ranks 4096]
    python3 Scripts/demo/train_tokenizer.py --check-only   # retrain, compare, write nothing

Reads .cache/demo/corpus.txt (Scripts/demo/build_corpus.py), writes
Models/demo/tokenizer.model in tiktoken's format, the format of Meta's file: one line per
token, `base64(bytes) rank`, ranks 0 .. N-1. Ranks 0-255 are the single bytes; every later
rank is the merge of two earlier tokens, in the order training chose them. Meta's
tokenizer (and ours) adds its 256 special tokens after the last rank.

The text is first split with Llama 3's pre-tokenizer pattern (the same regex tiktoken and
Sources/LlamaTokenizer use), so no token ever spans two pre-tokens. Then the classic BPE
loop: count adjacent pairs over all pre-tokens (weighted by frequency), merge the most
frequent pair everywhere, repeat. Pair counts are updated incrementally, only in the
pre-tokens a merge touches; ties go to the pair with the smaller token ids. About 5 s
for the 9 MB corpus on one core (most of it the regex split).

tiktoken does not replay the merge list: inside a pre-token it repeatedly joins the
adjacent pair whose concatenated bytes have the lowest rank, whichever two tokens made
them. For a vocabulary learned this way the two agree, but that is a claim, so after
writing the file this script encodes the held-out pages and the first megabyte of the
corpus both ways (`encode` below replays the merges in training order, by pair of ids)
and stops with an error at the first pre-token where they differ.
"""

import argparse
import base64
import collections
import heapq
import os
import sys
import time

import regex

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tokenizer_file import PATTERN, encoding  # noqa: E402  PATTERN is Meta's, from tokenizer.py


def train(text, ranks):
    counts = collections.Counter(m.group().encode("utf-8") for m in regex.finditer(PATTERN, text))
    words = [list(w) for w in counts]
    freqs = list(counts.values())
    tokens = [bytes([b]) for b in range(256)]
    merges = []  # merges[i] = the pair of ids that became id 256 + i

    pair_counts = collections.Counter()
    pair_words = collections.defaultdict(set)
    for i, w in enumerate(words):
        for pair in zip(w, w[1:]):
            pair_counts[pair] += freqs[i]
            pair_words[pair].add(i)
    heap = [(-c, p) for p, c in pair_counts.items()]
    heapq.heapify(heap)

    while len(tokens) < ranks and heap:
        negative, pair = heapq.heappop(heap)
        if pair_counts.get(pair, 0) != -negative or -negative <= 0:
            continue  # stale entry: the count changed after it was pushed
        new = len(tokens)
        tokens.append(tokens[pair[0]] + tokens[pair[1]])
        merges.append(pair)
        changed = set()
        for i in pair_words.pop(pair):
            w, f = words[i], freqs[i]
            for p in zip(w, w[1:]):
                pair_counts[p] -= f
                changed.add(p)
            merged, j = [], 0
            while j < len(w):
                if j + 1 < len(w) and (w[j], w[j + 1]) == pair:
                    merged.append(new)
                    j += 2
                else:
                    merged.append(w[j])
                    j += 1
            words[i] = merged
            for p in zip(merged, merged[1:]):
                pair_counts[p] += f
                pair_words[p].add(i)
                changed.add(p)
        pair_counts.pop(pair, None)
        for p in changed:
            if pair_counts.get(p, 0) > 0:
                heapq.heappush(heap, (-pair_counts[p], p))
    return tokens, merges


def encode(text, merges):
    """The trainer's own encoding: within each pre-token, apply the learned merges in the
    order they were learned (the earliest applicable merge first, leftmost on a tie)."""
    merge_of = {pair: 256 + i for i, pair in enumerate(merges)}  # (left, right) -> id
    out = []
    for match in regex.finditer(PATTERN, text):
        word = list(match.group().encode("utf-8"))
        while len(word) > 1:
            best = min(((merge_of.get(p, 1 << 30), j) for j, p in enumerate(zip(word, word[1:]))))
            if best[0] == 1 << 30:
                break
            j = best[1]
            word[j:j + 2] = [best[0]]
        out.extend(word)
    return out


def check_against_tiktoken(merges, texts):
    """Encode each text with tiktoken (configured from the written file as Meta does) and
    with `encode`; they must agree."""
    enc = encoding()
    for label, text in texts:
        ours, theirs = encode(text, merges), enc.encode(text, disallowed_special=())
        if ours != theirs:
            at = next(i for i, (a, b) in enumerate(zip(ours + [-1], theirs + [-1])) if a != b)
            raise SystemExit(f"{label}: trainer and tiktoken differ at token {at}: "
                             f"{ours[at:at + 5]} vs {theirs[at:at + 5]}")
        if enc.decode_bytes(theirs) != text.encode("utf-8"):
            raise SystemExit(f"{label}: tiktoken does not round-trip")
        print(f"{label}: {len(theirs):,} tokens, trainer == tiktoken")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ranks", type=int, default=4096)
    parser.add_argument("--check-only", action="store_true",
                        help="retrain in memory, check the result equals Models/demo/tokenizer.model, "
                             "and compare with tiktoken; write nothing")
    args = parser.parse_args()
    with open(os.path.join(ROOT, ".cache/demo/corpus.txt"), encoding="utf-8") as f:
        text = f.read()
    with open(os.path.join(ROOT, "Tests/Fixtures/demo/heldout.txt"), encoding="utf-8") as f:
        heldout = f.read()
    samples = [("heldout.txt", heldout), ("corpus.txt, first 1 MB", text[:1_000_000])]
    start = time.time()
    tokens, merges = train(text, args.ranks)
    if len(set(tokens)) != len(tokens):
        raise SystemExit("duplicate tokens")
    print(f"{len(tokens)} ranks in {time.time() - start:.0f} s; longest token {max(tokens, key=len)!r}")
    out = os.path.join(ROOT, "Models/demo")
    if args.check_only:
        with open(os.path.join(out, "tokenizer.model")) as f:
            shipped = [base64.b64decode(line.split()[0]) for line in f if line.strip()]
        if shipped != tokens:
            raise SystemExit("retrained vocabulary differs from Models/demo/tokenizer.model")
        print("retrained vocabulary == Models/demo/tokenizer.model")
        check_against_tiktoken(merges, samples)
        return
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "tokenizer.model"), "w") as f:
        for rank, token in enumerate(tokens):
            f.write(f"{base64.b64encode(token).decode()} {rank}\n")
    check_against_tiktoken(merges, samples)


if __name__ == "__main__":
    main()
