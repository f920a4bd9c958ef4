#!/usr/bin/env python3
"""Rewrite a GGUF file with every tensor dequantized to F32.

    python3 Scripts/dequantize_gguf.py IN.gguf OUT.gguf

Tensor names, shapes and order are kept; every metadata key/value is copied in the same
order with the same value type (general.file_type included, so it still names the source's
quantization). Tensors are dequantized with gguf's own `gguf.quants.dequantize`, so the F32
values are exactly what the quantized blocks encode. After writing, the output is read back
and checked against the input (metadata bytes, tensor names/shapes, values); any difference
is an error. The output is written to OUT.tmp first and renamed only when it checks out.
"""
import os
import sys

import numpy as np
import gguf
from gguf import GGUFReader, GGUFWriter, GGUFValueType, GGMLQuantizationType

HEADER_KEYS = ("GGUF.version", "GGUF.tensor_count", "GGUF.kv_count")


def field_value(field):
    """The field's value in the form GGUFWriter.add_key_value takes, with its types."""
    vtype = field.types[0]
    if vtype == GGUFValueType.ARRAY:
        sub = field.types[1]
        if sub == GGUFValueType.ARRAY:
            raise SystemExit(f"dequantize_gguf: nested array in {field.name} is not supported")
        if sub == GGUFValueType.STRING:
            # Keep the raw bytes (GGUFWriter writes bytes as-is), so non-UTF-8 strings survive.
            val = [bytes(field.parts[i]) for i in field.data]
        else:
            val = [field.parts[i][0].item() for i in field.data]
        return val, vtype, sub
    if vtype == GGUFValueType.STRING:
        return bytes(field.parts[field.data[0]]), vtype, None
    return field.parts[field.data[0]][0].item(), vtype, None


def dequantized(tensor):
    qtype = GGMLQuantizationType(tensor.tensor_type)
    data = np.asarray(tensor.data)
    if qtype == GGMLQuantizationType.F32:
        out = data.astype(np.float32, copy=True)
    else:
        out = gguf.quants.dequantize(data, qtype).astype(np.float32, copy=False)
    shape = tuple(int(n) for n in reversed(tensor.shape))  # numpy order: [rows, cols]
    return np.ascontiguousarray(out.reshape(shape))


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: dequantize_gguf.py IN.gguf OUT.gguf")
    src, dst = sys.argv[1], sys.argv[2]
    reader = GGUFReader(src)
    arch_field = reader.fields.get("general.architecture")
    if arch_field is None:
        raise SystemExit("dequantize_gguf: input has no general.architecture")
    arch = bytes(arch_field.parts[arch_field.data[0]]).decode()
    keys = [k for k in reader.fields if k not in HEADER_KEYS]
    if keys[0] != "general.architecture":
        # GGUFWriter always writes general.architecture first.
        raise SystemExit("dequantize_gguf: general.architecture is not the first key; order would change")

    tmp = dst + ".tmp"
    writer = GGUFWriter(tmp, arch)
    if "general.alignment" in reader.fields:
        writer.data_alignment = reader.alignment
    for key in keys[1:]:
        val, vtype, sub = field_value(reader.fields[key])
        writer.add_key_value(key, val, vtype, sub)
    for t in reader.tensors:
        writer.add_tensor(t.name, dequantized(t))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()

    # Read back and compare.
    out = GGUFReader(tmp)
    out_keys = [k for k in out.fields if k not in HEADER_KEYS]
    if out_keys != keys:
        raise SystemExit("dequantize_gguf: metadata keys differ after writing")
    for key in keys:
        a, b = reader.fields[key], out.fields[key]
        if a.types != b.types or len(a.parts) != len(b.parts) or any(
            bytes(x) != bytes(y) for x, y in zip(a.parts, b.parts)
        ):
            raise SystemExit(f"dequantize_gguf: metadata {key} differs after writing")
    if [t.name for t in out.tensors] != [t.name for t in reader.tensors]:
        raise SystemExit("dequantize_gguf: tensor names/order differ after writing")
    for a, b in zip(reader.tensors, out.tensors):
        if list(a.shape) != list(b.shape) or GGMLQuantizationType(b.tensor_type) != GGMLQuantizationType.F32:
            raise SystemExit(f"dequantize_gguf: tensor {a.name} shape/type wrong after writing")
        want = dequantized(a)
        got = np.asarray(b.data).reshape(want.shape)
        if not np.array_equal(want.view(np.uint32), got.view(np.uint32)):
            raise SystemExit(f"dequantize_gguf: tensor {a.name} values differ after writing")
    os.replace(tmp, dst)
    print(f"wrote {dst}: {len(out.tensors)} F32 tensors, {len(keys)} metadata keys", file=sys.stderr)


if __name__ == "__main__":
    main()
