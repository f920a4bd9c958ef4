#!/usr/bin/env python3
"""Write the BFloat16 fixtures from real torch.bfloat16 conversions.

Outputs (little-endian binary, in Tests/Fixtures/bfloat16/):
  widen.u32   65,536 uint32: float32 bits of torch's bf16 -> float32 for every bf16 bit pattern
  narrow.bin  records of (uint32 float32 bits, uint16 torch bf16 bits): float32 -> bf16
              rounding for edge cases (ties, subnormals, infinities, NaNs, overflow) and
              20,000 seeded random bit patterns.

Run: python3 Scripts/make_bfloat16_fixtures.py   (needs torch; takes about a second)
"""
import pathlib
import struct

import numpy as np
import torch

out = pathlib.Path(__file__).resolve().parent.parent / "Tests" / "Fixtures" / "bfloat16"
out.mkdir(parents=True, exist_ok=True)

# Every bf16 bit pattern widened to float32 by torch.
patterns = torch.arange(65536, dtype=torch.int32).to(torch.int16)  # wraps to the same 16 bits
widened = patterns.view(torch.bfloat16).to(torch.float32).view(torch.int32).numpy().astype("<u4")
(out / "widen.u32").write_bytes(widened.tobytes())

# Float32 values narrowed to bf16 by torch.
edge = []
for hi in (0x0000, 0x0001, 0x007F, 0x0080, 0x3F80, 0x3F81, 0x7F7F, 0x7F80, 0x7FC0, 0x8000, 0x8001, 0xFF7F, 0xFF80, 0xFFC0):
    for lo in (0x0000, 0x0001, 0x7FFF, 0x8000, 0x8001, 0xFFFF):
        edge.append((hi << 16) | lo)
edge += [0x7F800001, 0x7F800100, 0xFF800001, 0x7FFFFFFF, 0x7FBFFFFF, 0x00000001, 0x807FFFFF, 0x7F7FFFFF]
rng = np.random.default_rng(1234)
random_bits = rng.integers(0, 2**32, size=20000, dtype=np.uint64).astype(np.uint32).tolist()
values = np.array(edge + random_bits, dtype=np.uint32)
narrowed = torch.from_numpy(values.view(np.float32).copy()).to(torch.bfloat16).view(torch.int16).numpy().astype(np.uint16)
with open(out / "narrow.bin", "wb") as f:
    for v, b in zip(values.tolist(), narrowed.tolist()):
        f.write(struct.pack("<IH", v, b))
print(f"wrote {out}/widen.u32 (65536) and narrow.bin ({len(values)} records), torch {torch.__version__}")
