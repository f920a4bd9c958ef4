#!/usr/bin/env python3
"""Write Tests/Fixtures/gguf/kquants.gguf: small 2-D tensors quantized by llama.cpp's own
quantizer (ggml_quantize_chunk in libggml-base, called through ctypes, no importance
matrix: the same path `llama-quantize` takes without --imatrix), each next to the F32
tensor that `gguf.quants.dequantize` makes of the same bytes.

Tensors (GGUF shapes are [columns, rows], i.e. ne0 first; numpy shapes are (rows, columns)):

    source.a                 F32   [256, 8]    seeded N(0,1) rows, 6 outliers (+-6..+-12)
    source.b                 F32   [512, 16]   rows of varied scale (std 1e-3 ... 30),
                                               outliers, and edge rows: all zero, all positive,
                                               all negative, constant, tiny (std 1e-6, f16
                                               scales go subnormal), one huge spike
    a.<t>, b.<t>             <T>   same shapes, ggml_quantize_chunk(<T>, source.x)
    a.<t>.dequantized        F32   gguf.quants.dequantize(bytes of a.<t>, <T>)
    b.<t>.dequantized        F32   likewise

for <t> in q4_0, q4_1, q8_0, q4_k, q6_k, q5_0, q5_1 (<T> = Q4_0, Q4_1, Q8_0, Q4_K, Q6_K,
Q5_0, Q5_1).

The script also checks, and refuses to write the file otherwise, that llama.cpp's own
dequantizer (ggml_get_type_traits(T)->to_float) gives bit-identical floats to
gguf.quants.dequantize for every tensor. It prints whether gguf.quants.quantize (Python)
writes the same bytes as llama.cpp where gguf implements it (Q4_0, Q4_1, Q8_0), for
information only: the fixture holds llama.cpp's bytes.

Needs: Python 3 with numpy and gguf (0.19.0 used), and a llama.cpp build that has
libggml-base.so. The one used was the llama.cpp vendored in the PyPI sdist of
llama-cpp-python 0.3.36 (ggml 0.25.3, commit 0c1e570), built on x86-64 with

    python3 -m pip download --no-deps --no-binary llama-cpp-python llama-cpp-python==0.3.36 -d /tmp/lcp
    tar xzf /tmp/lcp/llama_cpp_python-0.3.36.tar.gz -C /tmp/llama-src
    cmake -S /tmp/llama-src/llama_cpp_python-0.3.36/vendor/llama.cpp -B /tmp/llama.cpp-build \
        -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
        -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_APP=OFF -DBUILD_SHARED_LIBS=ON
    cmake --build /tmp/llama.cpp-build -j2 --target ggml

Usage (from the repository root):

    python3 Scripts/make_kquant_fixtures.py [--llama-build /tmp/llama.cpp-build]

(or set LLAMA_CPP_BUILD). The reference quantizers are plain C (no SIMD in the
quantize_row_*_ref / quantize_*_impl paths used without an importance matrix), so the
bytes should not depend on the machine; rerunning writes the same file.
"""

import argparse
import ctypes
import importlib.metadata
import os
import sys

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "gguf", "kquants.gguf")

TYPES = [("q4_0", T.Q4_0), ("q4_1", T.Q4_1), ("q8_0", T.Q8_0), ("q4_k", T.Q4_K), ("q6_k", T.Q6_K),
         ("q5_0", T.Q5_0), ("q5_1", T.Q5_1)]


class TypeTraits(ctypes.Structure):
    _fields_ = [
        ("type_name", ctypes.c_char_p),
        ("blck_size", ctypes.c_int64),
        ("blck_size_interleave", ctypes.c_int64),
        ("type_size", ctypes.c_size_t),
        ("is_quantized", ctypes.c_bool),
        ("to_float", ctypes.c_void_p),
        ("from_float_ref", ctypes.c_void_p),
    ]


TO_FLOAT = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64)


def load_ggml(build):
    for name in ("libggml-base.so", "libggml-base.dylib"):
        path = os.path.join(build, "bin", name)
        if os.path.exists(path):
            lib = ctypes.CDLL(path)
            break
    else:
        sys.exit(f"error: no libggml-base in {build}/bin (build llama.cpp with -DBUILD_SHARED_LIBS=ON; see this script's header)")
    lib.ggml_quantize_chunk.restype = ctypes.c_size_t
    lib.ggml_quantize_chunk.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p,
                                        ctypes.c_int64, ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p]
    lib.ggml_get_type_traits.restype = ctypes.POINTER(TypeTraits)
    lib.ggml_get_type_traits.argtypes = [ctypes.c_int]
    lib.ggml_row_size.restype = ctypes.c_size_t
    lib.ggml_row_size.argtypes = [ctypes.c_int, ctypes.c_int64]
    return lib


def ggml_quantize(lib, qtype, x):
    x = np.ascontiguousarray(x, dtype=np.float32)
    rows, cols = x.shape
    row_bytes = lib.ggml_row_size(int(qtype), cols)
    out = np.zeros((rows, row_bytes), dtype=np.uint8)
    n = lib.ggml_quantize_chunk(int(qtype), x.ctypes.data, out.ctypes.data, 0, rows, cols, None)
    assert n == out.size, (n, out.size)
    return out


def ggml_dequantize(lib, qtype, q, cols):
    traits = lib.ggml_get_type_traits(int(qtype)).contents
    to_float = TO_FLOAT(traits.to_float)
    q = np.ascontiguousarray(q)
    y = np.zeros((q.shape[0], cols), dtype=np.float32)
    to_float(q.ctypes.data, y.ctypes.data, y.size)
    return y


def sources():
    rng = np.random.default_rng(0x4B515541)  # "KQUA"
    a = rng.standard_normal((8, 256)).astype(np.float32)
    for r, c, v in [(0, 3, 8.0), (1, 200, -12.0), (3, 31, 6.0), (4, 32, -6.5), (6, 255, 10.0), (7, 128, -9.0)]:
        a[r, c] = v

    b = np.zeros((16, 512), dtype=np.float32)
    scales = [1e-3, 0.02, 0.1, 0.5, 1.0, 2.0, 5.0, 30.0, 0.05, 1.0]
    for r, s in enumerate(scales):
        b[r] = rng.standard_normal(512) * s
    b[1, 17] = 0.5        # a 25-sigma outlier in a weight-like row
    b[4, 300] = -20.0
    b[5, 511] = 40.0
    b[9, :32] *= 100.0    # one block far louder than the rest of its row
    # edge rows
    b[10] = 0.0                                         # all zero
    b[11] = np.abs(rng.standard_normal(512))            # all positive (Q4_1/Q4_K mins > 0)
    b[12] = -np.abs(rng.standard_normal(512)) - 0.25    # all negative
    b[13] = 0.75                                        # constant
    b[14] = rng.standard_normal(512) * 1e-6             # tiny: f16 scales subnormal
    b[15] = rng.standard_normal(512) * 0.01
    b[15, 260] = 1000.0                                 # one huge spike
    return {"a": a, "b": b}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--llama-build", default=os.environ.get("LLAMA_CPP_BUILD", "/tmp/llama.cpp-build"))
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args()
    lib = load_ggml(args.llama_build)

    w = gguf.GGUFWriter(args.out, "kquant-fixture")
    w.add_string("fixture.quantizer",
                 "ggml_quantize_chunk (no imatrix) of llama.cpp vendored in llama-cpp-python 0.3.36, ggml 0.25.3")
    w.add_string("fixture.dequantizer", f"gguf.quants.dequantize, gguf {importlib.metadata.version('gguf')}")
    w.add_string("fixture.generator", "Scripts/make_kquant_fixtures.py")

    srcs = sources()
    for key, x in srcs.items():
        w.add_tensor(f"source.{key}", x)
    for key, x in srcs.items():
        rows, cols = x.shape
        for tname, qt in TYPES:
            q = ggml_quantize(lib, qt, x)
            deq = gguf.quants.dequantize(q, qt).astype(np.float32)
            assert deq.shape == x.shape, (deq.shape, x.shape)
            ref = ggml_dequantize(lib, qt, q, cols)
            same = np.array_equal(deq.view(np.uint32), ref.view(np.uint32))
            if not same:
                bad = np.count_nonzero(deq.view(np.uint32) != ref.view(np.uint32))
                sys.exit(f"error: {key}.{tname}: gguf.quants.dequantize differs from ggml to_float in {bad} values")
            try:
                py = gguf.quants.quantize(x, qt)
                note = "gguf.quants.quantize: same bytes" if np.array_equal(py, q) else \
                    f"gguf.quants.quantize: {np.count_nonzero(py != q)} bytes differ"
            except NotImplementedError:
                note = "gguf.quants.quantize: not implemented"
            err = np.abs(deq.astype(np.float64) - x).max()
            print(f"{key}.{tname:5s} {qt.name:5s} rows={rows:2d} cols={cols} bytes={q.size:6d} "
                  f"max|err|={err:.4g}  ggml to_float == gguf dequantize; {note}")
            w.add_tensor(f"{key}.{tname}", q, raw_dtype=qt)
            w.add_tensor(f"{key}.{tname}.dequantized", deq)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"wrote {os.path.relpath(args.out, ROOT)} ({os.path.getsize(args.out)} bytes)")


if __name__ == "__main__":
    main()
