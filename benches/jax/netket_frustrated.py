"""NetKet's side of the time-to-accuracy tables in docs/frustrated.md: the J1-J2 model and
the triangular lattice on lx x ly grids, open or periodic, in Pauli units (J sigma.sigma,
every bond once), zero magnetisation, trained by VMC with a complex symmetric RBM,
MetropolisExchange and SR, for a wall-time budget. An optional peer, not a project
dependency. Not part of the test suite.

    python3 -m venv /tmp/nkenv && /tmp/nkenv/bin/pip install "netket==3.23"
    taskset -c 1 /tmp/nkenv/bin/python benches/jax/netket_frustrated.py \
        --lattice j1j2 --j2 0.5 --boundary open --sign marshall
    taskset -c 1 /tmp/nkenv/bin/python benches/jax/netket_frustrated.py --lattice j1j2 \
        --lx 6 --ly 6 --boundary periodic --sign marshall --reference -72.548590160286
    taskset -c 1 /tmp/nkenv/bin/python benches/jax/netket_frustrated.py --lattice triangular \
        --lx 10 --ly 10 --sign neel120 --reference -205.90673107198964

The operators are rnnwf's, site for site: site i = x + lx*y; J1-J2 bonds (x,y)-(x+1,y),
(x,y)-(x,y+1) (J1) and both diagonals (J2), as `rnnwf_hamiltonian_heisenberg`; triangular
bonds (x,y)-(x+1,y), (x,y)-(x,y+1), (x,y)-(x+1,y+1) (J), as `rnnwf_hamiltonian_triangular`;
periodic bonds wrap, a bond met twice counts once (and a diagonal that is also a nearest
pair counts as nearest).

`--sign` is the basis the model sees, rnnwf's rotation about z (docs/method.md, "Basis
rotation about z"): H' = U H U^dagger, U = prod_j exp(-i phi_j n_j), n_j = 1 on a down spin
(sigma^z = -1), so that each bond's sigma+_a sigma-_b takes the factor exp(i (phi_a - phi_b))
and the spectrum is unchanged. `marshall`: phi = pi where x + y is even, the Marshall sign
rule (on the square grid's J1 bonds exactly NetKet's `Heisenberg(sign_rule=...)`);
`neel120`: phi = (2 pi / 3) ((x + y) mod 3), the triangular lattice's 120-degree
three-sublattice rotation (complex operator); `none`: the bare operator. On up to 20 sites
the script checks H' against U H U^dagger element by element and prints the largest
difference.

Symmetries: the lattice maps that leave the operator (the rotated one) invariant, found by
mapping its terms, from the grid's point maps (D4 when lx = ly, else D2) on the open grid and
those times the translations (the space group) on the torus: all 8 on the open square J1-J2
model, the space group on the torus, 4 on the open triangular grid (identity, half turn and
the two diagonal reflections), 2 with the 120-degree rotation (identity and the diagonal).

Model: NetKet's symmetric RBM (nk.models.RBMSymm, complex parameters, holomorphic SR) by
default; it is NetKet's strongest entry for J1-J2 of these sizes in varbench (1.0e-4 on 6x6
periodic at J2 = 0.5). Features: at least --features (4), and at least --alpha (2) hidden
units per site, so that a small group (2 or 4 maps on a 10x10 triangular grid) still gets a
model of RBM size. `--model gcnn` (nk.models.GCNN, real parameters, complex output) is the
alternative: in a short check on 4x4 open J1-J2 (J2 = 0.5, Marshall, one core) a 2-layer,
8-feature GCNN trailed the RBM at 1, 2 and 3 minutes (6.3e-3, 4.1e-3, 3.3e-3 against 2.65e-3,
2.48e-3, 2.49e-3), so the RBM stays the default (docs/frustrated.md).

Reference energy: NetKet's Lanczos on up to 20 sites (and the trained state's energy then
exact, a sum over every zero-magnetisation configuration); on more sites `--reference E0`
is needed, and the energy at each checkpoint is estimated from --eval-samples samples
(8192), printed with its error of the mean.

Prints, at --minutes of wall time from the start of training (after the imports and the
reference energy; jit compilation counted), that energy and its relative error, the steps
done, the median wall time of a step and the process's CPU time; the time spent on the
checkpoint energies is counted in neither. Writes one JSON line per step to --log. XLA's own
threading is switched off (below); pin the process with taskset for one core.
"""
import os

os.environ.setdefault(
    "XLA_FLAGS",
    "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
)

import argparse  # noqa: E402
import cmath  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402

import jax  # noqa: E402
import netket as nk  # noqa: E402
import numpy as np  # noqa: E402
from netket.utils.group import Permutation, PermutationGroup  # noqa: E402

jax.config.update("jax_enable_x64", True)

EXACT_MAX_SITES = 20


def bonds(lx, ly, periodic, steps, exclude=frozenset()):
    """Every distinct pair (site, site + step), in site order, as rnnwf's lattice.rs."""
    seen, out = set(), []
    for y in range(ly):
        for x in range(lx):
            for dx, dy in steps:
                tx, ty = x + dx, y + dy
                if not (0 <= tx < lx and 0 <= ty < ly):
                    if not periodic:
                        continue
                    tx, ty = tx % lx, ty % ly
                a, b = x + lx * y, tx + lx * ty
                bond = (min(a, b), max(a, b))
                if a != b and bond not in exclude and bond not in seen:
                    seen.add(bond)
                    out.append(bond)
    return out


def couplings(a):
    """[(site a, site b, J)]: the operator's bonds, each once."""
    periodic = a.boundary == "periodic"
    if a.lattice == "triangular":
        return [(i, j, a.j) for i, j in bonds(a.lx, a.ly, periodic, [(1, 0), (0, 1), (1, 1)])]
    nearest = bonds(a.lx, a.ly, periodic, [(1, 0), (0, 1)])
    diagonal = bonds(a.lx, a.ly, periodic, [(1, 1), (-1, 1)], frozenset(nearest))
    return [(i, j, a.j1) for i, j in nearest] + [(i, j, a.j2) for i, j in diagonal]


def angles(a):
    xy = [(i % a.lx, i // a.lx) for i in range(a.lx * a.ly)]
    if a.sign == "marshall":
        return [math.pi if (x + y) % 2 == 0 else 0.0 for x, y in xy]
    if a.sign == "neel120":
        return [2 * math.pi / 3 * ((x + y) % 3) for x, y in xy]
    return [0.0] * len(xy)


def unit_phase(delta):
    """exp(i delta), exact when delta is within rounding of a multiple of pi/2 (as rnnwf)."""
    k = delta / (math.pi / 2)
    if abs(k - round(k)) < 1e-9:
        return [1, 1j, -1, -1j][round(k) % 4]
    return cmath.exp(1j * delta)


def rotated_terms(bond_list, phi):
    """{(a, b): (J, c)}, a < b: the bond J (Z_a Z_b + 2 c s+_a s-_b + 2 c* s-_a s+_b)."""
    return {(i, j): (J, unit_phase(phi[i] - phi[j])) for i, j, J in bond_list}


def local_operator(hilbert, terms):
    sz, sp, sm = nk.operator.spin.sigmaz, nk.operator.spin.sigmap, nk.operator.spin.sigmam
    real = all(complex(c).imag == 0 for _, c in terms.values())
    dtype = float if real else complex
    op = nk.operator.LocalOperator(hilbert, dtype=dtype)
    for (i, j), (J, c) in terms.items():
        c = complex(c).real if real else complex(c)
        op += J * (
            sz(hilbert, i, dtype=dtype) @ sz(hilbert, j, dtype=dtype)
            + 2 * c * sp(hilbert, i, dtype=dtype) @ sm(hilbert, j, dtype=dtype)
            + 2 * np.conj(c) * sm(hilbert, i, dtype=dtype) @ sp(hilbert, j, dtype=dtype)
        )
    return op


def candidate_maps(lx, ly, periodic):
    """(name, permutation) for the grid's point maps, times the translations on a torus."""
    point = {
        "identity": lambda x, y: (x, y),
        "mirror_x": lambda x, y: (lx - 1 - x, y),
        "mirror_y": lambda x, y: (x, ly - 1 - y),
        "half_turn": lambda x, y: (lx - 1 - x, ly - 1 - y),
    }
    if lx == ly:
        point.update({
            "diagonal": lambda x, y: (y, x),
            "antidiagonal": lambda x, y: (lx - 1 - y, lx - 1 - x),
            "quarter_turn": lambda x, y: (lx - 1 - y, x),
            "three_quarter_turn": lambda x, y: (y, lx - 1 - x),
        })
    shifts = [(tx, ty) for ty in range(ly) for tx in range(lx)] if periodic else [(0, 0)]
    out = []
    for tx, ty in shifts:
        for name, f in point.items():
            perm = []
            for i in range(lx * ly):
                x, y = f(i % lx, i // lx)
                perm.append((x + tx) % lx + lx * ((y + ty) % ly))
            label = name if (tx, ty) == (0, 0) else f"{name}+({tx},{ty})"
            out.append((label, perm))
    return out


def invariant(perm, terms):
    """Whether the map sends every term onto an equal term."""
    for (i, j), (J, c) in terms.items():
        a, b = perm[i], perm[j]
        key, cc = ((a, b), c) if a < b else ((b, a), np.conj(c))
        if key not in terms:
            return False
        J2, c2 = terms[key]
        if abs(J2 - J) > 1e-12 or abs(c2 - cc) > 1e-12:
            return False
    return True


def check_rotation(hilbert, bond_list, phi, rotated):
    """max |H' - U H U^dagger| over every element, U|s> = exp(-i sum_j phi_j n_j(s))|s>."""
    bare = local_operator(hilbert, rotated_terms(bond_list, [0.0] * len(phi))).to_sparse()
    n = (1 - hilbert.all_states()) / 2  # 1 on a down spin
    u = np.exp(-1j * (n @ np.asarray(phi)))
    expected = bare.multiply(u[:, None]).multiply(np.conj(u)[None, :])
    diff = rotated.to_sparse() - expected
    return float(abs(diff).max()) if diff.nnz else 0.0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lattice", choices=["j1j2", "triangular"], default="j1j2")
    p.add_argument("--lx", type=int, default=4)
    p.add_argument("--ly", type=int, default=4)
    p.add_argument("--boundary", choices=["open", "periodic"], default="open")
    p.add_argument("--j1", type=float, default=1.0)
    p.add_argument("--j2", type=float, default=0.5)
    p.add_argument("--j", type=float, default=1.0, help="the triangular coupling")
    p.add_argument("--sign", choices=["marshall", "neel120", "none"], default="marshall")
    p.add_argument("--reference", type=float, help="E0 when the lattice is too big for Lanczos")
    p.add_argument("--eval-samples", type=int, default=8192)
    p.add_argument("--model", choices=["rbmsymm", "gcnn"], default="rbmsymm")
    p.add_argument("--features", type=int, default=4)
    p.add_argument("--alpha", type=float, default=2.0)
    p.add_argument("--layers", type=int, default=2, help="GCNN layers")
    p.add_argument("--samples", type=int, default=1024)
    p.add_argument("--chains", type=int, default=128)
    p.add_argument("--d-max", type=int, default=2, help="exchange distance on the bond graph")
    p.add_argument("--chunk-size", type=int, help="samples evaluated at once (memory bound)")
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--shift", type=float, default=0.01)
    p.add_argument("--minutes", type=float, nargs="*", default=[1, 5, 15],
                   help="checkpoint times; none: print the operator, symmetries and E0 only")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--log", default="netket_frustrated.jsonl")
    a = p.parse_args()

    n_sites = a.lx * a.ly
    periodic = a.boundary == "periodic"
    hilbert = nk.hilbert.Spin(0.5, n_sites, total_sz=0)
    bond_list = couplings(a)
    phi = angles(a)
    terms = rotated_terms(bond_list, phi)
    ham = local_operator(hilbert, terms)
    exact = n_sites <= EXACT_MAX_SITES
    if exact:
        diff = check_rotation(hilbert, bond_list, phi, ham)
        print(f"rotation check: max |H' - U H U^dagger| = {diff:.1e}", flush=True)
        e0 = float(nk.exact.lanczos_ed(ham, k=1)[0])
        reference = f"Lanczos E0 = {e0:.12f}"
        if a.reference is not None:
            reference += f" (--reference {a.reference} ignored)"
    elif a.reference is None:
        p.error(f"{n_sites} sites: too many for Lanczos here; give --reference E0")
    else:
        e0 = a.reference
        reference = f"reference E0 = {e0!r} (given)"

    kept = [(name, perm) for name, perm in candidate_maps(a.lx, a.ly, periodic)
            if invariant(perm, terms)]
    group = PermutationGroup(
        [Permutation(permutation_array=np.asarray(perm), name=name) for name, perm in kept],
        degree=n_sites,
    )
    names = ", ".join(name for name, _ in kept) if len(kept) <= 8 else "space group"
    if a.model == "rbmsymm":
        features = max(a.features, math.ceil(a.alpha * n_sites / len(kept)))
        # Small initial weights: a near-uniform start (NetKet's default, 0.1, on hundreds of
        # hidden units gives wild amplitude ratios and a first SR step into the Neel states).
        model = nk.models.RBMSymm(
            symmetries=group, alpha=features * len(kept) / n_sites, param_dtype=complex,
            kernel_init=jax.nn.initializers.normal(0.01),
        )
        described = f"RBMSymm {features} features"
    else:
        features = max(a.features, 1)
        model = nk.models.GCNN(
            symmetries=group, layers=a.layers, features=features, param_dtype=float,
            complex_output=True,
        )
        described = f"GCNN {a.layers} layers x {features} features"

    graph = nk.graph.Graph(edges=[[i, j] for i, j, _ in bond_list], n_nodes=n_sites)
    sampler = nk.sampler.MetropolisExchange(
        hilbert, graph=graph, d_max=a.d_max, n_chains=a.chains
    )
    vstate = nk.vqs.MCState(
        sampler, model, n_samples=a.samples, n_discard_per_chain=16, seed=a.seed,
        sampler_seed=a.seed + 1, chunk_size=a.chunk_size,
    )
    # The RBM is holomorphic in its complex parameters; the GCNN (real parameters) is not.
    sr = nk.optimizer.SR(diag_shift=a.shift, holomorphic=a.model == "rbmsymm")
    driver = nk.driver.VMC(
        ham, nk.optimizer.Sgd(learning_rate=a.lr), variational_state=vstate, preconditioner=sr
    )
    lattice = f"J1-J2 J2 = {a.j2}" if a.lattice == "j1j2" else f"triangular J = {a.j}"
    print(
        f"{a.lx}x{a.ly} {a.boundary} {lattice}, {len(bond_list)} bonds, sign {a.sign} "
        f"({'complex' if ham.dtype == complex else 'real'} operator); {described}, "
        f"{len(kept)} symmetries ({names}), {vstate.n_parameters} parameters; SR shift "
        f"{a.shift}, lr {a.lr}, {a.samples} samples from {a.chains} chains, chunk "
        f"{a.chunk_size}; {reference}",
        flush=True,
    )
    dense = ham.to_sparse() if exact else None
    start = time.monotonic()  # after the imports and the reference energy, before jit
    cpu_start = time.process_time()
    uncounted, cpu_uncounted = 0.0, 0.0
    steps = []  # the wall time at the end of each step
    with open(a.log, "w") as log:
        for minutes in a.minutes:

            def record(step, _log_data, driver, minutes=minutes):
                e = driver.energy  # from the step's own samples, before its update
                elapsed = time.monotonic() - start - uncounted
                log.write(json.dumps({
                    "step": int(driver.step_count), "energy": float(e.mean.real),
                    "error": float(e.error_of_mean), "seconds_total": elapsed,
                }) + "\n")
                log.flush()
                steps.append(elapsed)
                return elapsed < 60 * minutes

            driver.run(n_iter=10**9, out=(), callback=record, show_progress=False)
            t, cpu = time.monotonic(), time.process_time()
            if exact:
                psi = vstate.to_array()
                energy = float(np.real(np.vdot(psi, dense @ psi)))
                measured = f"exact energy of the trained state {energy:.10f}"
            else:
                vstate.n_samples = a.eval_samples
                stats = vstate.expect(ham)
                vstate.n_samples = a.samples
                energy = float(stats.mean.real)
                measured = (f"energy of the trained state {energy:.6f} +- "
                            f"{float(stats.error_of_mean):.6f} ({a.eval_samples} samples)")
            uncounted += time.monotonic() - t
            cpu_uncounted += time.process_time() - cpu
            # A step's wall time, past the first two (jit compilation).
            per_step = np.median(np.diff(steps[1:])) if len(steps) > 3 else float("nan")
            print(
                f"{minutes} min: {len(steps)} steps, {measured}, relative error "
                f"{abs(energy - e0) / abs(e0):.3e}, {per_step:.2f} s a step, "
                f"CPU {time.process_time() - cpu_start - cpu_uncounted:.0f} s",
                flush=True,
            )


if __name__ == "__main__":
    main()
