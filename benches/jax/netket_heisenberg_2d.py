"""NetKet's side of the 2D Heisenberg comparison in docs/method.md ("NetKet on the same
lattices"): the open L x L Heisenberg model (Pauli units, every bond once), zero
magnetisation, Marshall sign, trained by VMC with NetKet's symmetric models for a budget of
CPU time, then re-estimated from many fresh samples. An optional peer, not a project
dependency. Not part of the test suite.

    python3 -m venv /tmp/nkenv && /tmp/nkenv/bin/pip install jax netket
    taskset -c 0 /tmp/nkenv/bin/python benches/jax/netket_heisenberg_2d.py --size 6 --model gcnn

Why these models: varbench's best NetKet entries on the square-lattice Heisenberg model are
the group-convolutional network (GCNN, nk.models.GCNN, the lattice's D4 on the open grid,
the reference 2D benchmark model of Roth and MacDonald) and the symmetric RBM (RBMSymm,
cheaper per sample). SR with a diagonal shift (VMC_SR), MetropolisExchange between
neighbours.

The budget is CPU time, the process's (`time.process_time`), not wall time: on a shared
machine the wall clock measures the neighbours, and CPU seconds are what an rnnwf run of the
same length on its threads spends (its log's wall seconds times its threads, at most).
Prints the sampled energy at each `--cpu-minutes` mark and, at the end, the energy from
`--final-samples` fresh samples (not counted in the budget) against the reference: the exact
6x6 ground energy (Lanczos) or the QMC energy of larger grids. Writes one JSON line per
step to --log.
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

jax.config.update("jax_enable_x64", True)

# Ground energies in Pauli units (4 x the S.S value): 6x6 exact (Lanczos), 10x10 QMC (as the
# RNN papers quote it). Grids up to 4x4 take NetKet's own Lanczos.
REFERENCES = {
    6: (-86.9071441699763, "exact"),
    10: (-251.46248, "QMC"),
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--size", type=int, default=6)
    p.add_argument("--model", choices=["gcnn", "rbmsymm"], default="gcnn")
    p.add_argument("--layers", type=int, default=4, help="GCNN layers")
    p.add_argument("--features", type=int, default=8, help="GCNN features / RBMSymm alpha")
    p.add_argument("--samples", type=int, default=1024)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--shift", type=float, default=1e-3)
    p.add_argument("--momentum", type=float, default=None, help="SPRING's momentum")
    p.add_argument("--cpu-minutes", type=float, nargs="+", default=[5, 10, 20, 40])
    p.add_argument("--final-samples", type=int, default=8192)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--log", default="netket_heisenberg_2d.jsonl")
    a = p.parse_args()

    size = a.size
    graph = nk.graph.Grid([size, size], pbc=False)
    hilbert = nk.hilbert.Spin(0.5, graph.n_nodes, total_sz=0)
    # NetKet's Heisenberg is J sigma.sigma per edge: Pauli units, as rnnwf's.
    ham = nk.operator.Heisenberg(hilbert, graph, J=1.0, sign_rule=True)
    symmetries = graph.automorphisms()  # D4 on the open square grid
    if a.model == "gcnn":
        model = nk.models.GCNN(
            symmetries=symmetries, layers=a.layers, features=a.features,
            param_dtype=complex,
        )
    else:
        model = nk.models.RBMSymm(
            symmetries=symmetries, alpha=a.features, param_dtype=complex,
            kernel_init=jax.nn.initializers.normal(0.01),
        )
    sampler = nk.sampler.MetropolisExchange(hilbert, graph=graph, n_chains=128)
    vstate = nk.vqs.MCState(
        sampler, model, n_samples=a.samples, n_discard_per_chain=16, seed=a.seed,
        sampler_seed=a.seed + 1,
    )
    # VMC_SR solves in sample space (minSR, the "NTK" form) when the parameters outnumber the
    # samples and in parameter space otherwise; a momentum makes it SPRING, as in rnnwf.
    driver = nk.driver.VMC_SR(
        ham, nk.optimizer.Sgd(learning_rate=a.lr), variational_state=vstate,
        diag_shift=a.shift, momentum=a.momentum,
    )
    solver = "SPRING" if a.momentum else "SR"
    if size <= 4:
        reference, label = float(nk.exact.lanczos_ed(ham, k=1)[0]), "exact"
    else:
        reference, label = REFERENCES.get(size, (None, None))
    print(
        f"{size}x{size} open Heisenberg, Marshall sign, S^z = 0; {a.model} "
        f"({vstate.n_parameters} parameters, {len(symmetries)} symmetries); {solver} shift "
        f"{a.shift}, lr {a.lr}, {a.samples} samples; reference "
        f"{reference} ({label})",
        flush=True,
    )
    cpu_start = time.process_time()
    wall_start = time.monotonic()
    marks = sorted(a.cpu_minutes)
    with open(a.log, "w") as log:

        def record(step, _log_data, driver):
            e = driver._loss_stats  # the step's own samples, before its update
            cpu = time.process_time() - cpu_start
            log.write(json.dumps({
                "step": int(driver.step_count), "energy": float(e.mean.real),
                "error": float(e.error_of_mean), "cpu_seconds": cpu,
                "wall_seconds": time.monotonic() - wall_start,
            }) + "\n")
            log.flush()
            while marks and cpu >= 60 * marks[0]:
                rel = (
                    f", relative error {abs(e.mean.real - reference) / abs(reference):.2e}"
                    if reference else ""
                )
                print(
                    f"{marks.pop(0)} CPU min: step {driver.step_count}, sampled E/N = "
                    f"{e.mean.real / graph.n_nodes:.6f} +- "
                    f"{e.error_of_mean / graph.n_nodes:.1e}{rel}",
                    flush=True,
                )
            return bool(marks)

        driver.run(n_iter=10**9, out=(), callback=record, show_progress=False)
    vstate.n_samples = a.final_samples
    e = vstate.expect(ham)
    rel = (
        f", relative error {abs(e.mean.real - reference) / abs(reference):.2e} "
        f"+- {e.error_of_mean / abs(reference):.1e} against {label}"
        if reference else ""
    )
    print(
        f"final: {a.final_samples} samples, E = {e.mean.real:.4f} +- {e.error_of_mean:.4f}"
        f" (E/N = {e.mean.real / graph.n_nodes:.6f}){rel}; CPU "
        f"{time.process_time() - cpu_start:.0f} s, wall {time.monotonic() - wall_start:.0f} s",
        flush=True,
    )


if __name__ == "__main__":
    main()
