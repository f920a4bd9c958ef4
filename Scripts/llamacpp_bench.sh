#!/usr/bin/env bash
# llama.cpp's speed on this machine, for comparison with ours: llama-bench on SmolLM2
# (Q4_1 and F32 from .cache/smollm2/), Tests/Fixtures/gguf/tiny-q4_k_m.gguf, and, when present,
# the random Llama-3.2-1B-shaped files of Scripts/make_bench_1b_gguf.py in /tmp/bench/
# (llama-1b-shape-{q4_0,q8_0,q4_k_m}.gguf).
#
# Needs the llama.cpp build of Scripts/make_kquant_fixtures.py with the llama-bench target
# (LLAMA_CPP_BUILD, default /tmp/llama.cpp-build). Waits (up to WAIT_IDLE_S, default 1800 s)
# until the CPUs look idle (vmstat idle >= 85% over 10 s), since other work on the same cores
# makes the numbers meaningless; prints the load average before and after each run.
#
# Each test runs REPS (default 10) times; llama-bench's table is followed by each test's
# median, best and worst single run.
#
# Usage (from the repository root): Scripts/llamacpp_bench.sh [OUT.md]
set -euo pipefail
B=${LLAMA_CPP_BUILD:-/tmp/llama.cpp-build}
BENCH=$B/bin/llama-bench
OUT=${1:-/dev/stdout}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
[ -x "$BENCH" ] || { echo "error: $BENCH missing (see Scripts/make_kquant_fixtures.py)" >&2; exit 1; }

wait_idle() {
    local deadline=$(( $(date +%s) + ${WAIT_IDLE_S:-1800} ))
    while :; do
        local idle
        idle=$(vmstat 10 2 | tail -1 | awk '{print $15}')
        [ "$idle" -ge 85 ] && return 0
        [ "$(date +%s)" -ge "$deadline" ] && { echo "warning: CPUs still busy (idle ${idle}%), benching anyway" >&2; return 0; }
    done
}

bench() {  # label, then llama-bench arguments
    local label=$1; shift
    wait_idle
    {
        echo "### $label"
        echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
        "$BENCH" "$@" -r "${REPS:-10}" -o md -oe jsonl 2>"$tmp"
        # each run's own speed: under intermittent load from others the median and best of
        # the single runs say more than llama-bench's mean +- sd
        grep '^{' "$tmp" | python3 -c '
import json, statistics, sys
for line in sys.stdin:
    r = json.loads(line)
    test = ("pp%d" % r["n_prompt"]) if r["n_prompt"] else ("tg%d" % r["n_gen"])
    s = sorted(r["samples_ts"])
    print("%s %s: runs %d, median %.2f t/s, best %.2f t/s, worst %.2f t/s" % (r["model_filename"].split("/")[-1], test, len(s), statistics.median(s), s[-1], s[0]))
'
        echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
        echo
    } >>"$OUT"
}

{
    echo "# llama-bench, $(date -u +%Y-%m-%dT%H:%MZ)"
    lscpu | head -20
    echo
    grep -E "^(CMAKE_BUILD_TYPE|GGML_NATIVE|GGML_AVX[A-Z0-9_]*|GGML_OPENMP|BUILD_SHARED_LIBS|GGML_CPU_REPACK|GGML_LLAMAFILE):" "$B/CMakeCache.txt" || true
    echo
} >>"$OUT"

S=.cache/smollm2
bench "SmolLM2-135M Q4_1, F32" -t 2 -p 64 -n 32 -m $S/SmolLM2-135M-Instruct.Q4_1.gguf -m $S/SmolLM2-135M-Instruct.F32.gguf
bench "tiny-q4_k_m" -t 2 -p 64 -n 32 -m Tests/Fixtures/gguf/tiny-q4_k_m.gguf
for q in q4_0 q8_0 q4_k_m; do
    f=/tmp/bench/llama-1b-shape-$q.gguf
    [ -f "$f" ] && bench "Llama-3.2-1B-shaped random $q" -t 2 -p 64 -n 16 -m "$f"
done
exit 0
