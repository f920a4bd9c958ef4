#!/usr/bin/env bash
# Fetch llama.cpp's own Llama 3 tokenizer test into .cache/llama-vocab/: the vocabulary-only GGUF
# ggml-vocab-llama-bpe.gguf (Llama 3.0's tokenizer: no <|eom_id|>, no <|python_tag|>) and its
# test texts and expected ids, ggml-vocab-llama-bpe.gguf.inp and .out. They come from the
# llama.cpp sources vendored in the PyPI sdist of llama-cpp-python 0.3.36
# (vendor/llama.cpp/models/). All three files are sha256-checked. Idempotent: does nothing when
# they are already there and intact. Any failure exits non-zero with a one-line message, so the
# tests that need them fail instead of skipping.
#
# Only llama-cpp-python itself is taken as an sdist (--no-binary llama-cpp-python): with
# --no-binary :all: pip would also build its build requirements (cmake, ninja) from source just
# to read the sdist's metadata, which takes far longer than the download.
#
# Format (as llama.cpp's tests/test-tokenizer-0.cpp reads it): the .inp is split on the exact
# bytes "\n__ggml_vocab_test__\n"; the text before each separator is one test text (it may be
# empty or end in newlines of its own); the file ends with a separator. The .out has one line per
# text, whitespace-trimmed, ids separated by single spaces, an empty line for no ids. The ids are
# tokenize(text, add_special=false, parse_special=false): no BOS.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/llama-vocab
version=0.3.36
names=(ggml-vocab-llama-bpe.gguf ggml-vocab-llama-bpe.gguf.inp ggml-vocab-llama-bpe.gguf.out)
sums=(97272e430d53bc7688f52d5e0ad8ea8f163ede9f1bbd1694feaa504797d5d96e
      be0a11f7071f0c67d3053a2d377d8f35f0dbcb77ff11a60300fb57d36b477cf0
      118abf2034a197fc5c9dec5204dfdeee7004c7c70952ae577f66b99e212fab9b)
fail() { echo "fetch-llama-vocab: $*" >&2; exit 1; }
ok() { [ -f "$2" ] && echo "$1  $2" | sha256sum -c --status; }
all_ok() {
  local i
  for i in 0 1 2; do ok "${sums[$i]}" "$dest/${names[$i]}" || return 1; done
}

all_ok && exit 0
mkdir -p "$dest" || fail "cannot create $dest"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$dest"/*.tmp' EXIT
python3 -m pip download --quiet --no-deps --no-binary llama-cpp-python \
  "llama-cpp-python==$version" -d "$tmp" >/dev/null 2>"$tmp/pip.log" \
  || fail "pip download llama-cpp-python==$version failed: $(tail -n 1 "$tmp/pip.log")"
python3 - "$tmp" "$dest" "$version" "${names[@]}" <<'PY' 2>"$tmp/extract.log" \
  || fail "cannot extract the vocab files from the llama-cpp-python sdist: $(tail -n 1 "$tmp/extract.log")"
import glob, shutil, sys, tarfile
tmp, dest, version, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
sdist = glob.glob(f"{tmp}/llama_cpp_python-{version}.tar.gz")[0]
wanted = {f"llama_cpp_python-{version}/vendor/llama.cpp/models/{n}": n for n in names}
found = set()
with tarfile.open(sdist, "r|gz") as tar:
    for member in tar:
        name = wanted.get(member.name)
        if name is None or not member.isfile():
            continue
        with tar.extractfile(member) as src, open(f"{dest}/{name}.tmp", "wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
        found.add(name)
missing = sorted(set(names) - found)
if missing:
    sys.exit(f"missing in {sdist}: {', '.join(missing)}")
PY
for i in 0 1 2; do
  f=$dest/${names[$i]}
  mv "$f.tmp" "$f"
  ok "${sums[$i]}" "$f" || fail "checksum mismatch for $f"
done
echo "fetched ${names[*]} into $dest" >&2
