"""Reference singular values for test/unit/linalg (numpy/LAPACK SVD, not the Gram route).

The matrices come from a 32-bit LCG that test/unit/linalg/helpers.ts reproduces exactly, so the
fixture stores only the values. Run with /usr/bin/python3 (Debian's numpy).
"""
import json
import os
import numpy as np


def lcg_matrix(rows, cols, seed):
    out = np.empty(rows * cols)
    s = seed & 0xFFFFFFFF
    for i in range(rows * cols):
        s = (s * 1664525 + 1013904223) & 0xFFFFFFFF
        out[i] = s / 4294967296 - 0.5
    return out.reshape(rows, cols)


cases = []
for rows, cols, seed in [(600, 900, 7), (900, 600, 8), (512, 512, 9)]:
    a = lcg_matrix(rows, cols, seed)
    if seed == 9:
        a[:, 500:] = a[:, :12] * 0.5  # exactly rank-deficient: 12 repeated columns
    values = np.linalg.svd(a, compute_uv=False)
    cases.append({"rows": rows, "cols": cols, "seed": seed, "repeatLast12Columns": seed == 9, "values": values.tolist()})

path = os.path.join(os.path.dirname(__file__), "..", "test", "unit", "linalg", "fixtures", "numpy-svd.json")
with open(path, "w") as f:
    json.dump({"generator": "bench/make-linalg-fixture.py", "numpy": np.__version__, "cases": cases}, f)
print("wrote", path)
