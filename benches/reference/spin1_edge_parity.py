"""Optional reference, not part of the build or the test suite: why the open spin-1
Heisenberg chain trains with `symmetry="lattice_spin_flip"` (docs/local-operators.md).

Exact diagonalisation (NumPy) of the chain's total S^z = 0 block, in the library's site
values (0, 1, 2 for S^z = +1, 0, -1): the three lowest states, with their eigenvalues under
the spin flip v -> 2 - v and the reflection i -> N-1-i, and whether each has one Marshall
sign, (-1)^(sum of the values on the even sites). The ground state should be even under
both and of one Marshall sign; the edge partner just above it (the triplet for even N, the
singlet for odd N) odd under both.

    python3 benches/reference/spin1_edge_parity.py [N ...]      (default 6 7 8; 3^N states)
"""
import itertools
import sys

import numpy as np


def check(n):
    states = [s for s in itertools.product(range(3), repeat=n) if sum(s) == n]
    index = {s: i for i, s in enumerate(states)}
    h = np.zeros((len(states), len(states)))
    for s in states:
        i = index[s]
        for b in range(n - 1):
            h[i, i] += (1 - s[b]) * (1 - s[b + 1])  # S^z S^z
            # (S+ S- + S- S+)/2 between spin-1 states has elements sqrt(2) sqrt(2) / 2 = 1.
            for shift in (-1, 1):
                t = list(s)
                t[b] -= shift
                t[b + 1] += shift
                if 0 <= t[b] <= 2 and 0 <= t[b + 1] <= 2:
                    h[index[tuple(t)], i] += 1.0
    energies, vectors = np.linalg.eigh(h)
    flipped = np.array([index[tuple(2 - v for v in s)] for s in states])
    reflected = np.array([index[tuple(reversed(s))] for s in states])
    marshall = np.array([(-1) ** sum(s[0::2]) for s in states])
    for k in range(3):
        g = vectors[:, k]
        signed = marshall * g
        one_sign = np.all(signed >= -1e-12) or np.all(signed <= 1e-12)
        print(f"N = {n}, state {k}: E = {energies[k]:.9f}, flip {g @ g[flipped]:+.6f}, "
              f"reflection {g @ g[reflected]:+.6f}, one Marshall sign: {one_sign}")


if __name__ == "__main__":
    for n in [int(a) for a in sys.argv[1:]] or [6, 7, 8]:
        check(n)
