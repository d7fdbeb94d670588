"""Trains a GRU wave function on the open transverse-field Ising chain with minSR, logs and
plots its energy against the exact ground energy, and can resume.

    python bindings/python/examples/train_ising.py [--sites 10] [--steps 200] [--minutes M]
        [--out run] [--resume]

Needs the package (pip install ./bindings/python) and, for the plot, matplotlib
(pip install './bindings/python[plot]'); without it the run still trains and logs. Writes
into --out: log.jsonl, model.safetensors and optimizer.safetensors (a checkpoint every 50
steps), energy.png. --resume continues the run in --out up to --steps steps in all (a
run stopped by --minutes or Ctrl-C goes on with the same command; a run started with
other settings is refused): the log then reads as one run.
"""

from __future__ import annotations

import argparse
import os

import rnnwf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=10, help="sites of the chain (default 10)")
    parser.add_argument("--field", type=float, default=1.0, help="transverse field h (default 1)")
    parser.add_argument("--hidden", type=int, default=16, help="GRU hidden units (default 16)")
    parser.add_argument("--samples", type=int, default=256, help="samples per step (default 256)")
    parser.add_argument("--steps", type=int, default=200, help="training steps (default 200)")
    parser.add_argument("--minutes", type=float, default=None, help="a wall-time budget (default none)")
    parser.add_argument("--lr", type=float, default=0.05, help="learning rate (default 0.05)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the parameters (default 1)")
    parser.add_argument("--out", default="run", help="folder for the log, checkpoints and plot (default run)")
    parser.add_argument("--resume", action="store_true", help="continue the run saved in --out")
    args = parser.parse_args()

    h = rnnwf.Hamiltonian.tfim(args.sites, h=args.field)
    e0 = h.exact_ground_energy()  # Lanczos over all 2^N states
    print(f"Ising chain, {args.sites} sites, h = {args.field}: exact E0 = {e0:.8f}")
    # What defines the run: --resume refuses a run in --out started with others.
    settings = dict(sites=args.sites, field=args.field, hidden=args.hidden, samples=args.samples,
                    lr=args.lr, seed=args.seed)
    if args.resume:
        model, vmc = rnnwf.load_checkpoint(args.out, settings)
        if not os.path.exists(os.path.join(args.out, "run.json")):
            settings = None  # saved without them (it warned): keep no flags it may have ignored
    else:
        model = rnnwf.Model(lx=args.sites, cell="gru", hidden=args.hidden, seed=args.seed)
        vmc = rnnwf.Vmc(optimizer="minsr", n_samples=args.samples, learning_rate=args.lr,
                        sr_diag_shift=1e-3, seed=args.seed + 2)
    log = os.path.join(args.out, "log.jsonl")
    # --steps counts the whole run, resumed sittings included.
    vmc.run(model, h, steps=max(0, args.steps - vmc.step_count), minutes=args.minutes, log=log,
            reference=e0, checkpoint=args.out, checkpoint_every=50,
            settings=settings)
    trained = model.exact_expectation(h).real
    print(f"trained E = {trained:.8f}, relative error {(trained - e0) / abs(e0):.3e}")

    final = model.expectation(h, 16 * args.samples, seed=99)
    png = os.path.join(args.out, "energy.png")
    if not os.path.exists(log):  # no step was taken (--steps 0)
        return
    try:
        rnnwf.plot_log(log, png, reference=e0, reference_label="exact", n_sites=args.sites, final=final,
                       title=f"GRU on the {args.sites}-site Ising chain (minSR)")
        print(f"plot written to {png}")
    except ImportError as e:
        print(f"no plot: {e}")


if __name__ == "__main__":
    main()
