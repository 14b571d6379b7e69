"""Reference values for the rmt unit tests, computed independently of the TypeScript code.

Run with /usr/bin/python3 (numpy not needed); writes reference.json beside this file.
- xoshiro128** / SplitMix64 / 53-bit doubles / Box–Muller: a direct Python transcription of the
  algorithm as documented in src/rmt/prng.ts (Blackman & Vigna's published definitions);
- erf/erfc from Python's math module (C library);
- Si and Ci by their power series in 60-digit decimal arithmetic.
"""
import json
import math
import os

MASK64 = (1 << 64) - 1
MASK32 = (1 << 32) - 1


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return state, z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & MASK32


class Xoshiro128StarStar:
    def __init__(self, seed):
        st, a = splitmix64(seed)
        st, b = splitmix64(st)
        self.s = [a & MASK32, a >> 32, b & MASK32, b >> 32]

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & MASK32, 7) * 9) & MASK32
        t = (s[1] << 9) & MASK32
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 11)
        return result

    def uniform(self):
        a = self.next() >> 5
        b = self.next() >> 6
        return (a * 67108864 + b) / 9007199254740992.0

    def normals(self, count):
        out = []
        while len(out) < count:
            u1 = self.uniform()
            u2 = self.uniform()
            r = math.sqrt(-2 * math.log(1 - u1))
            out.append(r * math.cos(2 * math.pi * u2))
            out.append(r * math.sin(2 * math.pi * u2))
        return out[:count]


ref = {"prng": {}, "erf": []}
for seed in [0, 1, 42, 2**53 - 1]:
    g = Xoshiro128StarStar(seed)
    words = [g.next() for _ in range(8)]
    g = Xoshiro128StarStar(seed)
    uniforms = [g.uniform() for _ in range(4)]
    g = Xoshiro128StarStar(seed)
    normals = g.normals(6)
    ref["prng"][str(seed)] = {"words": words, "uniforms": uniforms, "normals": normals}
for x in [-7, -3.5, -1, -0.3, 0, 1e-8, 0.1, 0.5, 1, 2, 2.9, 3, 3.1, 4, 5.5, 6.5]:
    ref["erf"].append({"x": x, "erf": math.erf(x), "erfc": math.erfc(x)})

from decimal import Decimal, getcontext

getcontext().prec = 60
EULER = Decimal("0.577215664901532860606512090082402431042159335939923598805767")


def si_ci(x):
    x = Decimal(x)
    si = Decimal(0)
    ci = Decimal(0)
    odd = Decimal(1)  # (2k+1)!
    even = Decimal(1)  # (2k)!
    for k in range(0, 200):
        if k > 0:
            even *= (2 * k - 1) * (2 * k)
            ci += (-1) ** k * x ** (2 * k) / (2 * k * even)
            odd *= (2 * k) * (2 * k + 1)
        si += (-1) ** k * x ** (2 * k + 1) / ((2 * k + 1) * odd)
    return float(si), float(EULER + x.ln() + ci)


getcontext().prec = 120
ref["siCi"] = [{"x": x, "si": si_ci(x)[0], "ci": si_ci(x)[1]} for x in [0.5, 1, 3.9, 4, 4.1, 7, 10, 20, 40]]

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference.json"), "w") as f:
    json.dump(ref, f, indent=1)
