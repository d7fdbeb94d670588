"""Trains a GRU wave function on the open transverse-field Ising chain with minSR and plots
its energy against the exact ground energy.

    python bindings/python/examples/train_ising.py [--sites 10] [--steps 200] [--out energy.png]

Needs the package (pip install ./bindings/python) and matplotlib. Prints progress and the
final relative error of the trained model's exact energy, and writes the plot to --out.
"""

from __future__ import annotations

import argparse

import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import rnnwf  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=10, help="sites of the chain (default 10)")
    parser.add_argument("--field", type=float, default=1.0, help="transverse field h (default 1)")
    parser.add_argument("--hidden", type=int, default=16, help="GRU hidden units (default 16)")
    parser.add_argument("--samples", type=int, default=256, help="samples per step (default 256)")
    parser.add_argument("--steps", type=int, default=200, help="training steps (default 200)")
    parser.add_argument("--lr", type=float, default=0.05, help="learning rate (default 0.05)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the parameters (default 1)")
    parser.add_argument("--out", default="energy.png", help="where the plot goes (default energy.png)")
    args = parser.parse_args()

    with rnnwf.Hamiltonian.tfim(args.sites, h=args.field) as h, \
            rnnwf.Model(lx=args.sites, cell="gru", hidden=args.hidden, seed=args.seed) as model, \
            rnnwf.Vmc(optimizer="sr", n_samples=args.samples, learning_rate=args.lr,
                      sr_diag_shift=1e-3, seed=args.seed + 2) as vmc:
        e0 = h.exact_ground_energy()  # Lanczos over all 2^N states
        print(f"Ising chain, {args.sites} sites, h = {args.field}: exact E0 = {e0:.8f}")
        energies, errors = [], []
        for k in range(args.steps):
            stats = vmc.step(model, h)
            energies.append(stats.energy.mean_re)
            errors.append(stats.energy.error)
            if k % 50 == 0 or k == args.steps - 1:
                print(f"step {k:4d}: E = {stats.energy.mean_re:.6f} +- {stats.energy.error:.6f}")
        trained = model.exact_expectation(h).real
        print(f"trained E = {trained:.8f}, relative error {(trained - e0) / abs(e0):.3e}")

    steps = np.arange(len(energies))
    energies, errors = np.array(energies), np.array(errors)
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(6, 6))
    top.fill_between(steps, energies - errors, energies + errors, alpha=0.3, label="standard error")
    top.plot(steps, energies, lw=1, label="sample mean")
    top.axhline(e0, color="k", ls="--", lw=1, label="exact $E_0$")
    top.set_ylabel("energy")
    top.legend()
    top.set_title(f"GRU on the {args.sites}-site Ising chain (minSR)")
    bottom.semilogy(steps, np.maximum(np.abs(energies - e0) / abs(e0), 1e-8), lw=1)
    bottom.set_xlabel("step")
    bottom.set_ylabel(r"$|E - E_0| / |E_0|$")
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    print(f"plot written to {args.out}")


if __name__ == "__main__":
    main()
