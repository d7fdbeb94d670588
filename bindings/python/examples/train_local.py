"""Trains a GRU wave function on a model of local dimension d > 2 (or grouped atoms): the
open spin-1 chain (Heisenberg or AKLT) or a Rydberg array on the square lattice, one atom
per RNN site or g atoms grouped along x (d = 2^g), and compares with a reference energy.

    python bindings/python/examples/train_local.py --model heisenberg1 [--sites 20]
    python bindings/python/examples/train_local.py --model aklt [--sites 20]
    python bindings/python/examples/train_local.py --model rydberg [--group 2] [--side 4]
        [--rb 1.2] [--delta 1.1] [--cutoff 10]
      [--hidden 32] [--samples 512] [--steps 1000] [--lr 0.05] [--final-lr 0.005]
      [--shift 1e-3] [--momentum 0] [--symmetry none] [--late-samples N] [--late-from 0.5]
      [--final-samples 65536] [--minutes M] [--stop-after M] [--reference E0] [--seed 1]
      [--out run] [--resume]

Spin-1 chains use the Marshall sign rule, (-1)^(sum of site values on the even sites), and
the U(1) sector of total S^z = 0 (site values sum to N); the AKLT ground space has a
Marshall-positive state there though the operator is not sign-free. The reference is the
exact ground energy (Lanczos) up to 2^16 states, -(2/3)(N-1) for AKLT, else --reference
(e.g. DMRG, benches/reference/spin1_dmrg.py). minSR, or SPRING with --momentum > 0 (SGD
after SR with momentum), with a learning rate falling geometrically from --lr to
--final-lr over --steps steps, or over --minutes when that ends first (a loaded machine);
--late-samples samples per step from the fraction --late-from of the run on. --stop-after
ends this sitting after that many minutes without pacing the schedule, so that a run of
--steps steps spread over several sittings (--resume) follows one schedule by steps.
Writes into --out: log.jsonl, model.safetensors and optimizer.safetensors (a checkpoint
after every step, with the step count, and run.json); --resume continues the run there to
--steps steps in all (Vmc.step_count says how many it holds), the log cut back to the
checkpoint if a run was killed between the two; the schedule's flags may change, while a
run started with another model, lattice, --hidden, --symmetry, --momentum or --seed is
refused. The final energy is the exact
expectation when d^N <= 2^16, else an estimate from --final-samples samples.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import rnnwf

EXACT_STATES = 1 << 16


def build(args: argparse.Namespace) -> tuple[rnnwf.Hamiltonian, dict, float | None, str]:
    """The operator, the model's settings, the reference energy (if any) and its label."""
    if args.model in ("heisenberg1", "aklt"):
        beta = 0.0 if args.model == "heisenberg1" else 1.0 / 3.0
        h = rnnwf.Hamiltonian.spin1(args.sites, J=1.0, beta=beta)
        shape = dict(lx=args.sites, ly=1, local_dim=3, sign="marshall", u1_total=args.sites)
        n_states = 3 ** args.sites
        if args.model == "aklt":
            return h, shape, -2.0 / 3.0 * (args.sites - 1), "exact -(2/3)(N-1)"
    else:
        h = rnnwf.Hamiltonian.rydberg(args.side, args.side, Omega=1.0, delta=args.delta, Rb=args.rb,
                                      cutoff=args.cutoff, group=args.group)
        shape = dict(lx=args.side // args.group, ly=args.side, local_dim=2 ** args.group)
        n_states = 2 ** (args.side * args.side)
    if args.reference is not None:
        return h, shape, args.reference, "given"
    if n_states <= EXACT_STATES:
        return h, shape, h.exact_ground_energy(), "exact (Lanczos)"
    return h, shape, None, "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["heisenberg1", "aklt", "rydberg"], required=True)
    parser.add_argument("--sites", type=int, default=20, help="spin-1 chain length (default 20)")
    parser.add_argument("--side", type=int, default=4, help="Rydberg array side (default 4)")
    parser.add_argument("--group", type=int, default=1, help="Rydberg atoms per RNN site along x (default 1)")
    parser.add_argument("--rb", type=float, default=1.2, help="Rydberg blockade radius (default 1.2)")
    parser.add_argument("--delta", type=float, default=1.1, help="Rydberg detuning (default 1.1; Omega = 1)")
    parser.add_argument("--cutoff", type=float, default=10.0, help="Rydberg interaction cutoff (default 10)")
    parser.add_argument("--hidden", type=int, default=32, help="GRU hidden units (default 32)")
    parser.add_argument("--samples", type=int, default=512, help="samples per step (default 512)")
    parser.add_argument("--steps", type=int, default=1000, help="training steps in all (default 1000)")
    parser.add_argument("--lr", type=float, default=0.05, help="first learning rate (default 0.05)")
    parser.add_argument("--final-lr", type=float, default=0.005, help="last learning rate (default 0.005)")
    parser.add_argument("--shift", type=float, default=None,
                        help="SR diagonal shift (default 1e-3; with --resume, the checkpoint's unless given)")
    parser.add_argument("--momentum", type=float, default=0.0,
                        help="SPRING's momentum in [0, 1); 0 (the default) is minSR")
    parser.add_argument("--symmetry", choices=["none", "lattice", "lattice_spin_flip"], default="none",
                        help="average the amplitude over the lattice's symmetries (default none)")
    parser.add_argument("--late-samples", type=int, default=None,
                        help="samples per step from --late-from of the run on (default: --samples)")
    parser.add_argument("--late-from", type=float, default=0.5,
                        help="fraction of the run (steps or minutes) where --late-samples start (default 0.5)")
    parser.add_argument("--final-samples", type=int, default=65536, help="samples of the final estimate")
    parser.add_argument("--minutes", type=float, default=None, help="a wall-time budget (default none)")
    parser.add_argument("--stop-after", type=float, default=None,
                        help="end this sitting after this many minutes, not pacing the schedule "
                             "(continue with --resume; default none)")
    parser.add_argument("--reference", type=float, default=None, help="a reference ground energy")
    parser.add_argument("--seed", type=int, default=1, help="seed of the parameters (default 1)")
    parser.add_argument("--out", default="run", help="folder for the log and checkpoints (default run)")
    parser.add_argument("--resume", action="store_true", help="continue the run saved in --out")
    args = parser.parse_args()
    # The schedule's values, checked before any step rather than where the run reaches them.
    if not (args.lr > 0 and args.final_lr > 0):
        parser.error(f"--lr {args.lr} and --final-lr {args.final_lr} must be > 0 (the rate falls "
                     "geometrically from one to the other)")
    if args.late_samples is not None and args.late_samples < 1:
        parser.error(f"--late-samples {args.late_samples} must be >= 1")

    rnnwf.set_num_threads(1)  # the runs share a loaded machine: one core each
    h, shape, e0, label = build(args)
    print(f"{args.model}: {h.num_sites} sites of d = {shape['local_dim']}; reference E0 = {e0} ({label})",
          flush=True)
    log = os.path.join(args.out, "log.jsonl")
    # The problem and the model, which a resumed run takes from its checkpoint: a run in --out
    # started with others is refused. The schedule (--lr, --final-lr, --steps, --shift,
    # --late-samples, ...) may change from one sitting to the next.
    settings = {k: getattr(args, k) for k in ("model", "sites", "side", "group", "rb", "delta", "cutoff",
                                              "hidden", "symmetry", "momentum", "seed")}
    if args.resume:
        # The run's log drops the lines of steps after the checkpoint (a run killed between
        # the two) as it continues.
        model, vmc = rnnwf.load_checkpoint(args.out, settings)
        if not os.path.exists(os.path.join(args.out, "run.json")):
            settings = None  # saved without them (it warned): keep no flags it may have ignored
        if args.shift is not None:
            vmc.set_diag_shift(args.shift)
    else:
        model = rnnwf.Model(cell="gru", hidden=args.hidden, seed=args.seed, symmetry=args.symmetry, **shape)
        if args.symmetry != "none":
            # The maps of the lattice that leave the operator invariant.
            whole = model.symmetry_size
            model = model.restrict_symmetry(h)
            print(f"symmetry: {model.symmetry_size} of {whole} maps leave the operator invariant "
                  f"({', '.join(model.symmetry_maps)})", flush=True)
        if args.momentum > 0:
            optimiser = dict(optimizer="sgd", preconditioner="spring", sr_momentum=args.momentum)
        else:
            optimiser = dict(optimizer="minsr")
        vmc = rnnwf.Vmc(n_samples=args.samples, learning_rate=args.lr,
                        sr_diag_shift=1e-3 if args.shift is None else args.shift,
                        seed=args.seed + 2, **optimiser)
    done = vmc.step_count  # the checkpoint's, when resumed
    start = time.monotonic()

    def progress(step: int) -> float:
        """How far the run is, from 0 to 1: by steps, or by the wall-time budget if further."""
        done = step / max(1, args.steps - 1)
        if args.minutes:
            done = max(done, (time.monotonic() - start) / (60 * args.minutes))
        return min(1.0, done)

    def schedule(step: int) -> None:
        """The learning rate falls geometrically; the samples grow late in the run."""
        vmc.set_learning_rate(args.lr * (args.final_lr / args.lr) ** progress(step))
        if args.late_samples is not None and progress(step) >= args.late_from:
            vmc.set_n_samples(args.late_samples)

    def after_step(stats: rnnwf.VmcStats) -> None:
        schedule(vmc.step_count)

    schedule(done)
    budgets = [m for m in (args.minutes, args.stop_after) if m is not None]
    if done < args.steps:
        vmc.run(model, h, steps=args.steps - done, minutes=min(budgets, default=None), log=log, reference=e0,
                callback=after_step, checkpoint=args.out, checkpoint_every=1, progress=False,
                settings=settings)
    if h.num_sites and shape["local_dim"] ** h.num_sites <= EXACT_STATES:
        energy, error, how = model.exact_expectation(h).real, 0.0, "exact expectation"
        variance = None
    else:
        est = model.expectation(h, args.final_samples, seed=99)
        energy, error, how = est.mean_re, est.error, f"{args.final_samples} samples"
        variance = est.variance  # of E_loc: 0 at an eigenstate
    result = dict(model=args.model, steps=vmc.step_count, energy=energy, error=error, how=how,
                  variance=variance, reference=e0,
                  relative_error=None if e0 is None else (energy - e0) / abs(e0))
    print(json.dumps(result), flush=True)
    with open(os.path.join(args.out, "result.json"), "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
