#!/usr/bin/env bash
# Fetch the real Llama 3 tokenizer.model from the PyPI package llama-models (0.3.0) into
# .cache/llama-models/, with Meta's model.py and generation.py beside it (the chapters quote
# them, and the documentation tests check the quotes). Idempotent: does nothing when the
# files are already there and the tokenizer is intact.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/llama-models
want=82e9d31979e92ab929cd544440f129d9ecd797b69e327f80f17e1c50d5551b55
if [ -f "$dest/model.py" ] && [ -f "$dest/generation.py" ] && [ -f "$dest/tokenizer.model" ] && echo "$want  $dest/tokenizer.model" | sha256sum -c --status; then
  exit 0
fi
mkdir -p "$dest"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps llama-models==0.3.0 -d "$tmp"
python3 - "$tmp" "$dest" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/llama_models-0.3.0-*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    for name in ("tokenizer.model", "model.py", "generation.py"):
        with open(f"{sys.argv[2]}/{name}", "wb") as out:
            out.write(z.read(f"llama_models/llama3/{name}"))
PY
echo "$want  $dest/tokenizer.model" | sha256sum -c --status || { echo "fetch-tokenizer: checksum mismatch" >&2; exit 1; }
echo "fetched $dest/tokenizer.model, model.py and generation.py" >&2
