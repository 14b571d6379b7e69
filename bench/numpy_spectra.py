"""numpy reference for bench/run.mjs: all singular values via eigvalsh of the smaller Gram matrix.

Usage: numpy_spectra.py FILE DTYPE REPEATS [--vectors] SHAPE [SHAPE ...], SHAPE = ROWSxCOLS. The
file holds the matrices back to back in row-major order. Prints JSON: the median seconds over
REPEATS runs of computing every matrix's spectrum, and the spectra of the last run (to check
agreement). --vectors: all singular vectors too, by the same method as ours (eigh of the Gram
matrix, the other side as W·v/ν), and numpy's own SVD (gesdd) timed separately.
"""
import json
import sys
import time
import numpy as np

path, dtype, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
vectors = sys.argv[4:5] == ["--vectors"]
shapes = [tuple(int(x) for x in s.split("x")) for s in sys.argv[5 if vectors else 4 :]]
data = np.fromfile(path, dtype=dtype)
mats, offset = [], 0
for rows, cols in shapes:
    mats.append(data[offset : offset + rows * cols].reshape(rows, cols))
    offset += rows * cols


split = {"gram": 0.0, "eigvalsh": 0.0}


def spectrum(w):
    t0 = time.process_time()
    w = w.astype(np.float64)  # widening is part of the work, as for ours
    g = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
    t1 = time.process_time()
    if vectors:
        lam, v = np.linalg.eigh(g)
        nu = np.sqrt(np.maximum(lam, 0))
        # Ascending like lam: a reversed view of v would send the product past BLAS.
        other = (w.T @ v if w.shape[0] <= w.shape[1] else w @ v) / np.where(nu > 0, nu, 1)
        nu = nu[::-1]
    else:
        lam = np.linalg.eigvalsh(g)
        nu = np.sqrt(np.maximum(lam[::-1], 0))
    split["gram"] += t1 - t0
    split["eigvalsh"] += time.process_time() - t1
    return nu


times, cpu = [], []
for _ in range(repeats):
    split["gram"] = split["eigvalsh"] = 0.0
    t, c = time.perf_counter(), time.process_time()
    spectra = [spectrum(w) for w in mats]
    times.append(time.perf_counter() - t)
    cpu.append(time.process_time() - c)

gesdd = []
if vectors:
    for _ in range(repeats):
        c = time.process_time()
        for w in mats:
            np.linalg.svd(w.astype(np.float64), full_matrices=False)
        gesdd.append(time.process_time() - c)


def blas_library():
    """The BLAS numpy actually loaded (Debian switches it with update-alternatives)."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "blas" in line or "lapack" in line}
        return sorted(paths)
    except OSError:
        return []


print(json.dumps({"blas": blas_library(), "seconds": float(np.median(times)), "times": times, "cpuSeconds": float(np.median(cpu)),
                  "cpuSplit": dict(split), "gesddCpuSeconds": float(np.median(gesdd)) if gesdd else None,
                  "top": [float(s[0]) for s in spectra],
                  "sums": [float(np.sum(s)) for s in spectra], "numpy": np.__version__}))
