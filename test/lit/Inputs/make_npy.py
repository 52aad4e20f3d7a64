"""Writes a float32 .npy of the given shape with seeded values in [-1, 1) (standard library only).

usage: python3 make_npy.py OUT.npy D0,D1,... [SEED]
"""
import random
import struct
import sys

out, dims = sys.argv[1], [int(d) for d in sys.argv[2].split(",")]
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
count = 1
for d in dims:
    count *= d
header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % "".join(f"{d}, " for d in dims)
header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
with open(out, "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
    f.write(struct.pack(f"<{count}f", *(rng.uniform(-1, 1) for _ in range(count))))
