#!/usr/bin/env bash
# Builds every fuzz target with libFuzzer and AddressSanitizer, then runs each one.
#
#   Fuzz/run.sh [SECONDS] [TARGET...]   # default 30 seconds per target, every target
#
# The targets are compiled with swiftc straight from the library sources (one module per
# target, so they can reach internal types such as the unpickler), into .build-fuzz/; no
# product of the package contains them. Seed corpora come from the test fixtures (and, for
# gguf, from Fuzz/gguf/seeds/, written by Fuzz/gguf/make_seeds.py). A crash, or an input
# that makes a parser allocate more than the limits below, leaves its input in
# Fuzz/crashes/ and fails the script; turn it into a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
seconds="${1:-30}"
shift || true
all_targets="checkpoint pickle params ranks-file text arguments gguf model-folder"
targets="${*:-$all_targets}"
for target in $targets; do
    case " $all_targets " in *" $target "*) ;; *) echo "unknown target $target (expected one of: $all_targets)" >&2; exit 2 ;; esac
done
out=.build-fuzz
mkdir -p "$out" Fuzz/crashes

# LlamaTensor calls the C kernels of LlamaKernels: compiled here with clang, and imported
# through a module map as SwiftPM would.
kernels="$out/kernels"
mkdir -p "$kernels"
printf 'module LlamaKernels {\n    header "%s"\n    export *\n}\n' "$PWD/Sources/LlamaKernels/include/LlamaKernels.h" > "$kernels/module.modulemap"
for c in Sources/LlamaKernels/*.c; do
    clang -O2 -fsanitize=address -I Sources/LlamaKernels/include -c "$c" -o "$kernels/$(basename "$c" .c).o"
done
kernel_flags="-Xcc -fmodule-map-file=$kernels/module.modulemap $(ls "$kernels"/*.o | tr '\n' ' ')"
tensor_and_loader="$(find Sources/LlamaTensor Sources/LlamaLoader -name '*.swift') $kernel_flags"
tokenizer=$(find Sources/LlamaTokenizer -name '*.swift')
arguments="Sources/llama-cli/Arguments.swift Sources/llama-cli/CLIError.swift"

build() {  # name, module name, sources and target file...
    local name=$1 module=$2; shift 2
    case " $targets " in *" $name "*) ;; *) return 0 ;; esac
    # One module per target. LlamaLoader's sources `import LlamaTensor`; compiled into a
    # module of that name, the import of itself is only a warning.
    swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name "$module" -package-name SwiftLlama \
        -suppress-warnings "$@" -o "$out/$name"
}

build checkpoint LlamaTensor $tensor_and_loader Fuzz/Targets/FuzzCheckpoint.swift
build pickle LlamaTensor $tensor_and_loader Fuzz/Targets/FuzzPickle.swift
build params LlamaTensor $tensor_and_loader Fuzz/Targets/FuzzParams.swift
build ranks-file LlamaTokenizer $tokenizer Fuzz/Targets/FuzzRanksFile.swift
build text LlamaTokenizer $tokenizer Fuzz/Targets/FuzzText.swift
build arguments LlamaCLIArguments $arguments Fuzz/Targets/FuzzArguments.swift
build gguf LlamaTensor $tensor_and_loader Fuzz/Targets/FuzzGGUF.swift
build model-folder LlamaTensor $tensor_and_loader Fuzz/Targets/FuzzModelFolder.swift

# Seed corpora from the fixtures.
seed() {  # target, files...
    local dir="$out/corpus/$1"; shift
    mkdir -p "$dir"
    for f in "$@"; do cp "$f" "$dir/" 2>/dev/null || true; done
}
seed checkpoint Tests/Fixtures/loader/*.pth
mkdir -p "$out/corpus/pickle"
for f in Tests/Fixtures/loader/*.pth Tests/Fixtures/loader/*.pkl; do
    case "$f" in
        *.pkl) cp "$f" "$out/corpus/pickle/" ;;
        *) python3 - "$f" "$out/corpus/pickle/$(basename "$f").pkl" <<'PY' 2>/dev/null || true
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    name = next(n for n in z.namelist() if n.endswith("data.pkl"))
    open(sys.argv[2], "wb").write(z.read(name))
PY
        ;;
    esac
done
seed params Tests/Fixtures/models/*/params.json Models/demo/params.json
mkdir -p "$out/corpus/ranks-file"
head -c 4000 Models/demo/tokenizer.model > "$out/corpus/ranks-file/demo-head"
mkdir -p "$out/corpus/text"
split -b 2000 Tests/Fixtures/demo/heldout.txt "$out/corpus/text/heldout-" 2>/dev/null || true
mkdir -p "$out/corpus/arguments"
printf -- '--model\0Models/demo\0--max-tokens\00012\0--stop\0x\0--stats' > "$out/corpus/arguments/seed"
seed gguf Fuzz/gguf/seeds/*.gguf
# model-folder: the first bytes choose each entry's kind (see FuzzModelFolder.swift); 6 links
# the demo model's real file, so the first seed opens a whole model.
mkdir -p "$out/corpus/model-folder"
printf '\6\6\6\0' > "$out/corpus/model-folder/demo"
printf '\6\1\6\0' > "$out/corpus/model-folder/fifo-params"
printf '\1\6\2\0' > "$out/corpus/model-folder/fifo-checkpoint"
printf '\6\6\6\6' > "$out/corpus/model-folder/two-shards"

status=0
for target in $targets; do
    log="$out/$target.log"
    if "$out/$target" "$out/corpus/$target" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=1024 -malloc_limit_mb=256 \
        -artifact_prefix="Fuzz/crashes/$target-" -print_final_stats=1 > "$log" 2>&1; then
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
        echo "$target: $runs executions in ${seconds}s, no crash"
    else
        echo "$target: CRASH (see $log and Fuzz/crashes/)"
        tail -30 "$log"
        status=1
    fi
done
exit $status
