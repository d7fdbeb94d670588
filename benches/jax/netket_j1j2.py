"""NetKet's side of the J1-J2 time-to-accuracy table in docs/frustrated.md: the 4x4 J1-J2
model (J2 = 0.5, Pauli units, every bond once), open or periodic, zero magnetisation, trained
by VMC with a complex symmetric RBM, MetropolisExchange and SR, for a wall-time budget.
An optional peer, not a project dependency. Not part of the test suite.

    python3 -m venv /tmp/nkenv && /tmp/nkenv/bin/pip install "netket==3.23"
    taskset -c 0 /tmp/nkenv/bin/python benches/jax/netket_j1j2.py --boundary open --marshall on

Why this model: NetKet's symmetric RBM (nk.models.RBMSymm, complex parameters) is its
strongest entry on J1-J2 of this size in varbench (1.0e-4 on 6x6 periodic at J2 = 0.5), and
far cheaper per sample than a GCNN. The symmetries are the lattice's: D4 on the open grid,
translations times D4 (the space group) on the torus. `--marshall on` rotates the
Hamiltonian by the Marshall sign, as rnnwf's sign rule does; `off` leaves the signs to the
model. taskset pins it to one core, and XLA's own threading is switched off (below).

Prints, at 1, 5 and 15 minutes of wall time from the start of training (after the imports
and Lanczos, as train_2d starts its clock after its exact energy; jit compilation counted),
the exact energy of the trained state (a sum over every zero-magnetisation configuration),
its relative error against NetKet's Lanczos ground energy, and the process's CPU time; the
time spent on those sums is not counted. Writes one JSON line per step to --log.
"""
import os

os.environ.setdefault(
    "XLA_FLAGS",
    "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
)

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

import jax  # noqa: E402
import netket as nk  # noqa: E402
import numpy as np  # noqa: E402

jax.config.update("jax_enable_x64", True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--boundary", choices=["open", "periodic"], default="open")
    p.add_argument("--marshall", choices=["on", "off"], default="on")
    p.add_argument("--j2", type=float, default=0.5)
    p.add_argument("--features", type=int, default=4)
    p.add_argument("--samples", type=int, default=1024)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--shift", type=float, default=0.01)
    p.add_argument("--minutes", type=float, nargs="+", default=[1, 5, 15])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--log", default="netket_j1j2.jsonl")
    a = p.parse_args()

    periodic = a.boundary == "periodic"
    graph = nk.graph.Grid([4, 4], pbc=periodic, max_neighbor_order=2)
    hilbert = nk.hilbert.Spin(0.5, graph.n_nodes, total_sz=0)
    marshall = a.marshall == "on"
    # Pauli units: NetKet's Heisenberg is J sigma.sigma per edge; colour 0 = J1, 1 = J2.
    ham = nk.operator.Heisenberg(
        hilbert, graph, J=[1.0, a.j2], sign_rule=[marshall, False]
    )
    e0 = float(nk.exact.lanczos_ed(ham, k=1)[0])
    # The open grid's automorphisms are its D4 (8); on the torus, translations times D4 (128).
    symmetries = graph.space_group() if periodic else graph.automorphisms()
    # RBMSymm counts hidden units as alpha * sites, one feature per alpha * sites / |G|.
    alpha = a.features * len(symmetries) / graph.n_nodes
    # Small initial weights: a near-uniform start (NetKet's default, 0.1, on hundreds of
    # hidden units gives wild amplitude ratios and a first SR step into the Neel states).
    model = nk.models.RBMSymm(
        symmetries=symmetries, alpha=alpha, param_dtype=complex,
        kernel_init=jax.nn.initializers.normal(0.01),
    )
    sampler = nk.sampler.MetropolisExchange(
        hilbert, graph=graph, d_max=2, n_chains=128
    )
    vstate = nk.vqs.MCState(
        sampler, model, n_samples=a.samples, n_discard_per_chain=16, seed=a.seed,
        sampler_seed=a.seed + 1,
    )
    sr = nk.optimizer.SR(diag_shift=a.shift)
    driver = nk.driver.VMC(
        ham, nk.optimizer.Sgd(learning_rate=a.lr), variational_state=vstate, preconditioner=sr
    )
    dense = ham.to_sparse()
    print(
        f"4x4 {a.boundary} J1-J2 J2 = {a.j2}, Marshall {a.marshall}; RBMSymm {a.features} "
        f"features (alpha {alpha:g}), "
        f"{len(symmetries)} symmetries, {vstate.n_parameters} parameters; SR shift {a.shift}, "
        f"lr {a.lr}, {a.samples} samples; Lanczos E0 = {e0:.10f}",
        flush=True,
    )
    start = time.monotonic()  # after the imports and Lanczos, before jit compilation
    cpu_start = time.process_time()
    uncounted = 0.0
    steps = []  # the wall time of each step done
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
            t = time.monotonic()
            psi = vstate.to_array()
            exact = float(np.real(np.vdot(psi, dense @ psi)))
            uncounted += time.monotonic() - t
            print(
                f"{minutes} min: {len(steps)} steps, exact energy of the trained state "
                f"{exact:.10f}, relative error {abs(exact - e0) / abs(e0):.3e}, "
                f"CPU {time.process_time() - cpu_start:.0f} s",
                flush=True,
            )


if __name__ == "__main__":
    main()
