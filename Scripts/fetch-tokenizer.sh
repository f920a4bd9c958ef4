#!/usr/bin/env bash
# Fetch the real Llama 3 tokenizer.model from the PyPI package llama-models (0.3.0) into
# .cache/llama-models/. Idempotent: does nothing when the file is already there and intact.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/llama-models
want=82e9d31979e92ab929cd544440f129d9ecd797b69e327f80f17e1c50d5551b55
if [ -f "$dest/tokenizer.model" ] && echo "$want  $dest/tokenizer.model" | sha256sum -c --status; then
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
    for name in ("tokenizer.model",):
        with open(f"{sys.argv[2]}/{name}", "wb") as out:
            out.write(z.read(f"llama_models/llama3/{name}"))
PY
echo "$want  $dest/tokenizer.model" | sha256sum -c --status || { echo "fetch-tokenizer: checksum mismatch" >&2; exit 1; }
echo "fetched $dest/tokenizer.model" >&2
