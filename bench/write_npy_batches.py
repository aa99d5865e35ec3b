#!/usr/bin/env python3
"""Writes N float32 .npy batches of a given shape with seeded normal values, without NumPy.

usage: write_npy_batches.py DIR COUNT D0 D1 ...   (e.g. DIR 8 4 3 224 224)
"""
import array
import os
import random
import sys


def write_npy(path, shape, values):
    dims = ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "")
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % dims
    # Pad so that magic (6) + version (2) + length (2) + header + newline is a multiple of 64, as NumPy does.
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * pad + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00")
        f.write(len(header).to_bytes(2, "little"))
        f.write(header.encode("latin1"))
        values.tofile(f)


def main():
    out, count, shape = sys.argv[1], int(sys.argv[2]), [int(d) for d in sys.argv[3:]]
    os.makedirs(out, exist_ok=True)
    n = 1
    for d in shape:
        n *= d
    rng = random.Random(1234)
    for k in range(count):
        values = array.array("f", (rng.gauss(0.0, 1.0) for _ in range(n)))
        if sys.byteorder != "little":
            values.byteswap()
        write_npy(os.path.join(out, f"batch_{k:03d}.npy"), shape, values)


if __name__ == "__main__":
    main()
