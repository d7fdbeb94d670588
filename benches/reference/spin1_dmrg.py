"""Optional reference, not part of the build or the test suite: DMRG (TeNPy) ground energies
of the open spin-1 bilinear-biquadratic chain that docs/local-operators.md compares the RNN
against, in the units of the library's built-in `spin1(lx, 1, periodic=False, J, beta, D)`:

    H = J sum_i [S_i.S_i+1 + beta (S_i.S_i+1)^2] + D sum_i (S^z_i)^2.

    python3 -m venv /tmp/tenpy && /tmp/tenpy/bin/pip install physics-tenpy
    /tmp/tenpy/bin/python benches/reference/spin1_dmrg.py [--gap] [N ...]

Prints E0 for the Heisenberg chain (beta = 0) and the AKLT chain (beta = 1/3), checks the
AKLT energy against its exact -(2/3)(N-1), and, when the rnnwf Python package is installed
(bindings/python), checks N = 10 against the library's exact tools (Lanczos). With --gap it
also prints the Heisenberg chain's lowest energy at total S^z = 1 (S^z is conserved, so DMRG
stays in the sector it starts in): for even N the triplet the two edge spins form, whose
gap above the singlet ground state closes exponentially in N.
"""
import sys

import numpy as np
from tenpy.algorithms import dmrg
from tenpy.models.model import CouplingMPOModel
from tenpy.networks.mps import MPS
from tenpy.networks.site import SpinSite


class BilinearBiquadratic(CouplingMPOModel):
    """S.S = Sz Sz + (Sp Sm + Sm Sp)/2 = sum_k c_k A_k B_k, so
    (S.S)^2 = sum_kl c_k c_l (A_k A_l)_i (B_k B_l)_j: products of one-site operators."""

    def init_sites(self, params):
        return SpinSite(S=1.0, conserve="Sz")

    def init_terms(self, params):
        J = params.get("J", 1.0)
        beta = params.get("beta", 0.0)
        D = params.get("D", 0.0)
        parts = [("Sz", "Sz", 1.0), ("Sp", "Sm", 0.5), ("Sm", "Sp", 0.5)]
        for u1, u2, dx in self.lat.pairs["nearest_neighbors"]:
            for a, b, c in parts:
                self.add_coupling(J * c, u1, a, u2, b, dx)
            for a1, b1, c1 in parts:
                for a2, b2, c2 in parts:
                    self.add_coupling(J * beta * c1 * c2, u1, f"{a1} {a2}", u2, f"{b1} {b2}", dx)
        if D != 0.0:
            for u in range(len(self.lat.unit_cell)):
                self.add_onsite(D, u, "Sz Sz")


def ground_energy(n, beta, chi_max=400, sz=0):
    """The lowest energy in the sector of total S^z = sz (0 or 1)."""
    model = BilinearBiquadratic(dict(L=n, lattice="Chain", bc_MPS="finite", beta=beta))
    # Neel-like start in the S^z = 0 sector: the open chain's ground state is there.
    start = ["up", "down"] * (n // 2) + ["0.0"] * (n % 2)
    if sz == 1:
        start[1] = "0.0"  # raises S^z by one
    psi = MPS.from_product_state(model.lat.mps_sites(), start, bc="finite", unit_cell_width=1)
    params = dict(mixer=True, max_E_err=1e-12, max_sweeps=60,
                  trunc_params=dict(chi_max=chi_max, svd_min=1e-12))
    return dmrg.run(psi, model, params)["E"]


def main():
    args = sys.argv[1:]
    gap = "--gap" in args
    sizes = [int(a) for a in args if a != "--gap"] or [10, 20]
    for n in sizes:
        heis = ground_energy(n, 0.0)
        if gap:
            triplet = ground_energy(n, 0.0, sz=1)
            print(f"N = {n}: Heisenberg lowest E at S^z = 1 = {triplet:.12f}, "
                  f"gap above E0 = {triplet - heis:.6e} ({(triplet - heis) / abs(heis):.3e} of |E0|)")
        aklt = ground_energy(n, 1.0 / 3.0)
        exact_aklt = -2.0 / 3.0 * (n - 1)
        print(f"N = {n}: Heisenberg E0 = {heis:.12f} (E0/N = {heis / n:.12f}); "
              f"AKLT E0 = {aklt:.12f}, exact -(2/3)(N-1) = {exact_aklt:.12f}, "
              f"difference {aklt - exact_aklt:.2e}")
        assert abs(aklt - exact_aklt) < 1e-8 * abs(exact_aklt), "AKLT check failed"
        if n <= 10:
            try:
                import rnnwf
            except ImportError:
                print("  (rnnwf not installed: no Lanczos check)")
                continue
            lanczos = rnnwf.Hamiltonian.spin1(n, J=1.0, beta=0.0).exact_ground_energy()
            print(f"  rnnwf Lanczos Heisenberg E0 = {lanczos:.12f}, DMRG - Lanczos = {heis - lanczos:.2e}")
            assert abs(heis - lanczos) < 1e-8 * abs(lanczos), "Lanczos check failed"


if __name__ == "__main__":
    np.set_printoptions(precision=12)
    main()
