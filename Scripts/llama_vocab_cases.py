#!/usr/bin/env python3
"""Turn llama.cpp's tokenizer test files into JSON: {"cases": [{"text": ..., "ids": [...]}]}.

Usage: Scripts/llama_vocab_cases.py [OUTPUT.json] [--vocab PATH.gguf]

Reads PATH.gguf.inp and PATH.gguf.out (default .cache/llama-vocab/ggml-vocab-llama-bpe.gguf,
fetched by Scripts/fetch-llama-vocab.sh) and prints the JSON, or writes it to OUTPUT.json.

The files are parsed exactly as llama.cpp's tests/test-tokenizer-0.cpp (read_tests) does:
  * .inp, as raw bytes, is split on the separator b"\\n__ggml_vocab_test__\\n"; each text is the
    bytes before a separator (possibly empty, possibly ending in its own newlines); the file ends
    with a separator, so nothing follows the last one (a non-empty tail would be one more text).
  * .out is split into lines at b"\\n" (std::getline; a final newline ends the last line, it does
    not start an empty one); each line is stripped of ASCII whitespace at both ends (string_strip)
    and split at single spaces into decimal ids; an empty line means no ids.
  * text i expects line i; the counts must match.
The ids are what llama.cpp's tokenize gives with add_special=false and parse_special=false: no
BOS, and special-token text would be plain text. Cases are kept in file order (the C++ test
puts them in a std::map, which would merge duplicate texts; this script refuses duplicates).
"""
import json
import sys

SEP = b"\n__ggml_vocab_test__\n"


def split_inp(raw: bytes) -> list[bytes]:
    texts, pos = [], 0
    while pos < len(raw):
        nxt = raw.find(SEP, pos)
        if nxt == -1:
            texts.append(raw[pos:])
            break
        texts.append(raw[pos:nxt])
        pos = nxt + len(SEP)
    return texts


def split_out(raw: bytes) -> list[list[int]]:
    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    result = []
    for line in lines:
        line = line.strip(b" \t\n\v\f\r")
        result.append([int(tok) for tok in line.split(b" ")] if line else [])
    return result


def load_cases(vocab: str) -> list[dict]:
    with open(vocab + ".inp", "rb") as f:
        texts = split_inp(f.read())
    with open(vocab + ".out", "rb") as f:
        ids = split_out(f.read())
    if len(texts) != len(ids):
        sys.exit(f"{vocab}: {len(texts)} texts in .inp but {len(ids)} lines in .out")
    if len(set(texts)) != len(texts):
        sys.exit(f"{vocab}: duplicate texts in .inp")
    return [{"text": t.decode("utf-8"), "ids": i} for t, i in zip(texts, ids)]


def main() -> None:
    args = sys.argv[1:]
    vocab = ".cache/llama-vocab/ggml-vocab-llama-bpe.gguf"
    if "--vocab" in args:
        k = args.index("--vocab")
        vocab = args[k + 1]
        del args[k : k + 2]
    text = json.dumps({"cases": load_cases(vocab)}, ensure_ascii=False, indent=1) + "\n"
    if args:
        with open(args[0], "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
