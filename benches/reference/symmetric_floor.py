"""Optional reference, not part of the build or the test suite: how low a symmetrised wave
function can go on the 4x4 lattices of docs/frustrated.md, exactly.

`--symmetry lattice` makes the state invariant under the square grid's D4 (times the sign
rule): psi(s) = sign(s) phi(s) with phi(g s) = phi(s). The lowest energy such a state can
have is the lowest eigenvalue of H compressed to that subspace (zero magnetisation), here
by dense diagonalisation over the group's orbits of configurations. Printed for the D4 of
the library and for the maps among them that leave H's bonds invariant ("H's own"), with
the Marshall sign rule and without, beside E0 (Lanczos, full sector):

    python3 -m venv /tmp/np && /tmp/np/bin/pip install numpy
    /tmp/np/bin/python benches/reference/symmetric_floor.py

On the triangular lattice (one diagonal) only 4 of D4's 8 maps are symmetries, and the D4
average of its bonds is the J1-J2 model at J2 = 0.5: the best D4-invariant state has that
model's ground energy, -30.0222278003, 2.65e-2 above the triangular E0. "H's own" maps are
found here from the bonds, independently of the library; they are the group that
`Model::restrict_symmetry` (the examples' `--symmetry lattice`) keeps, so its floor is the
last line of each lattice.
"""
import sys

import numpy as np
L = 4
N = L * L
def site(x, y): return (x % L) + L * (y % L)
def bonds(model, periodic, j2):
    b = []
    for y in range(L):
        for x in range(L):
            def add(x2, y2, J):
                if periodic or (0 <= x2 < L and 0 <= y2 < L):
                    b.append((site(x, y), site(x2, y2), J))
            add(x + 1, y, 1.0); add(x, y + 1, 1.0)
            if model == "j1j2":
                if j2: add(x + 1, y + 1, j2); add(x - 1, y + 1, j2)
            else:
                add(x + 1, y + 1, 1.0)
    return b
maps = [lambda x, y: (x, y), lambda x, y: (L-1-x, y), lambda x, y: (x, L-1-y),
        lambda x, y: (L-1-x, L-1-y), lambda x, y: (L-1-y, x), lambda x, y: (y, L-1-x),
        lambda x, y: (y, x), lambda x, y: (L-1-y, L-1-x)]
perms = [[site(*m(i % L, i // L)) for i in range(N)] for m in maps]
def bondset(b): return sorted((min(i, j), max(i, j), J) for i, j, J in b)
def invariant(b, p):
    # g s reads s at source p[i]; bond (i, j) of H maps to (target[i], target[j]).
    t = [0] * N
    for i, j in enumerate(p): t[j] = i
    return bondset([(t[i], t[j], J) for i, j, J in b]) == bondset(b)
configs = [c for c in range(1 << N) if bin(c).count("1") == N // 2]
index = {c: k for k, c in enumerate(configs)}
A = [i for i in range(N) if ((i % L) + (i // L)) % 2 == 0]
def marshall(c): return -1.0 if sum((c >> i) & 1 for i in A) % 2 else 1.0
def apply(p, c): return sum(((c >> p[i]) & 1) << i for i in range(N))
def hamiltonian(b):
    rows, cols, vals = [], [], []
    for k, c in enumerate(configs):
        d = 0.0
        for i, j, J in b:
            si, sj = (c >> i) & 1, (c >> j) & 1
            if si == sj: d += J
            else:
                d -= J
                rows.append(index[c ^ (1 << i) ^ (1 << j)]); cols.append(k); vals.append(2 * J)
        rows.append(k); cols.append(k); vals.append(d)
    return np.array(rows), np.array(cols), np.array(vals)
def lanczos_min(H, n, iters=300):
    r, c, v = H
    mv = lambda x: np.bincount(r, weights=v * x[c], minlength=n)
    rng = np.random.default_rng(1); q = rng.standard_normal(n); q /= np.linalg.norm(q)
    Q = [q]; a = []; bb = []
    for k in range(iters):
        w = mv(Q[-1]); al = w @ Q[-1]; a.append(al)
        w -= al * Q[-1] + (bb[-1] * Q[-2] if bb else 0)
        for qq in Q: w -= (w @ qq) * qq
        be = np.linalg.norm(w)
        if be < 1e-12: break
        bb.append(be); Q.append(w / be)
    T = np.diag(a) + np.diag(bb[:len(a)-1], 1) + np.diag(bb[:len(a)-1], -1)
    return np.linalg.eigvalsh(T)[0]
def compressed_min(H, group, sign):
    r, c, v = H
    orbit = {}
    orbits = []
    for cfg in configs:
        if cfg in orbit: continue
        o = sorted({apply(p, cfg) for p in group})
        for t in o: orbit[t] = len(orbits)
        orbits.append(o)
    n = len(orbits)
    w = np.zeros(len(configs)); oid = np.zeros(len(configs), dtype=int)
    for k, o in enumerate(orbits):
        for t in o:
            w[index[t]] = (marshall(t) if sign else 1.0) / np.sqrt(len(o)); oid[index[t]] = k
    Hc = np.zeros((n, n))
    np.add.at(Hc, (oid[r], oid[c]), w[r] * v * w[c])
    return np.linalg.eigvalsh(Hc)[0], n
for name, model, periodic, j2 in [("J1-J2 J2=0.5 open", "j1j2", False, 0.5),
                                  ("J1-J2 J2=0.7 open", "j1j2", False, 0.7),
                                  ("J1-J2 J2=0.5 periodic", "j1j2", True, 0.5),
                                  ("triangular open", "tri", False, 0)]:
    b = bonds(model, periodic, j2)
    H = hamiltonian(b)
    e0 = lanczos_min(H, len(configs))
    own = [p for p in perms if invariant(b, p)]
    print(f"{name}: E0 = {e0:.10f}; {len(own)} of the 8 D4 maps are symmetries of H")
    for gname, group in [("D4", perms), ("H's own", own)]:
        for sign in (True, False):
            e, n = compressed_min(H, group, sign)
            print(f"  {gname:8s} sign rule {'Marshall' if sign else 'none':8s}: best invariant E = {e:.10f}  rel {abs(e-e0)/abs(e0):.2e}  ({n} orbits)")
    sys.stdout.flush()
