"""rnnwf.Hamiltonian: an operator sum_k c_k P_k of Pauli strings (``rnnwf_hamiltonian``)."""

from __future__ import annotations

import re
from typing import Any, Sequence

import numpy as np
import numpy.typing as npt

from ._arrays import count, float64_in, ptr, real, uint32_in
from ._errors import invalid, invalid_type
from ._handle import Handle, c_string, call, new_handle
from ._native import ffi, lib


def _periodic(value: Any) -> int:
    if value not in (0, 1, False, True):
        invalid(f"periodic: expected a bool, got {value!r}")
    return int(value)


class Hamiltonian(Handle):
    """An operator H = sum_k c_k P_k: real coefficients times Pauli strings on ``n_sites``
    spin-1/2 sites, plus dense k-site terms on any local dimension (``new_local``,
    ``add_local``). ``Hamiltonian(n_sites)`` is the zero operator; ``tfim``, ``heisenberg``,
    ``triangular``, ``spin1``, ``bose_hubbard``, ``rydberg`` and ``parse`` make the usual
    ones."""

    def __init__(self, n_sites: int) -> None:
        handle = new_handle("rnnwf_hamiltonian", "rnnwf_hamiltonian_new", count(n_sites, "n_sites", 32))
        super().__init__(handle, lib.rnnwf_hamiltonian_free)

    @classmethod
    def _own(cls, handle: Any) -> "Hamiltonian":
        h = cls.__new__(cls)
        Handle.__init__(h, handle, lib.rnnwf_hamiltonian_free)
        return h

    @classmethod
    def tfim(cls, lx: int, ly: int = 1, periodic: bool = False, J: float = 1.0, h: float = 1.0) -> "Hamiltonian":
        """-J sum_<ij> Z_i Z_j - h sum_i X_i on the chain (ly = 1) or the lx*ly grid."""
        return cls._own(new_handle(
            "rnnwf_hamiltonian", "rnnwf_hamiltonian_tfim", count(lx, "lx", 32), count(ly, "ly", 32),
            _periodic(periodic), real(J, "J"), real(h, "h")))

    @classmethod
    def heisenberg(cls, lx: int, ly: int = 1, periodic: bool = False, J1: float = 1.0, J2: float = 0.0) -> "Hamiltonian":
        """J1 sum_<ij> (XX+YY+ZZ) + J2 sum_<<ij>> (XX+YY+ZZ) in Pauli units."""
        return cls._own(new_handle(
            "rnnwf_hamiltonian", "rnnwf_hamiltonian_heisenberg", count(lx, "lx", 32),
            count(ly, "ly", 32), _periodic(periodic), real(J1, "J1"), real(J2, "J2")))

    @classmethod
    def triangular(cls, lx: int, ly: int, periodic: bool = False, J: float = 1.0) -> "Hamiltonian":
        """J sum_<ij> (XX+YY+ZZ) in Pauli units over the triangular bonds (x,y)-(x+1,y),
        (x,y)-(x,y+1) and (x,y)-(x+1,y+1) of the lx*ly grid, each distinct bond once."""
        return cls._own(new_handle(
            "rnnwf_hamiltonian", "rnnwf_hamiltonian_triangular", count(lx, "lx", 32),
            count(ly, "ly", 32), _periodic(periodic), real(J, "J")))

    @classmethod
    def new_local(cls, n_sites: int, local_dim: int) -> "Hamiltonian":
        """The zero operator on ``n_sites`` sites of ``local_dim`` values, for ``add_local``."""
        return cls._own(new_handle("rnnwf_hamiltonian", "rnnwf_hamiltonian_new_local",
                                   count(n_sites, "n_sites", 32), count(local_dim, "local_dim", 32)))

    @classmethod
    def spin1(cls, lx: int, ly: int = 1, periodic: bool = False, J: float = 1.0, beta: float = 0.0,
              D: float = 0.0) -> "Hamiltonian":
        """J sum_<ij> [S.S + beta (S.S)^2] + D sum_i (S^z_i)^2 on spin-1 sites (values 0, 1, 2
        for S^z = +1, 0, -1); beta = 1/3 is the AKLT point."""
        return cls._own(new_handle(
            "rnnwf_hamiltonian", "rnnwf_hamiltonian_spin1", count(lx, "lx", 32), count(ly, "ly", 32),
            _periodic(periodic), real(J, "J"), real(beta, "beta"), real(D, "D")))

    @classmethod
    def bose_hubbard(cls, lx: int, ly: int = 1, periodic: bool = False, n_max: int = 2, t: float = 1.0,
                     U: float = 1.0, mu: float = 0.0) -> "Hamiltonian":
        """-t sum_<ij> (b_i^dag b_j + h.c.) + U/2 sum n(n-1) - mu sum n, occupations 0..n_max."""
        return cls._own(new_handle(
            "rnnwf_hamiltonian", "rnnwf_hamiltonian_bose_hubbard", count(lx, "lx", 32),
            count(ly, "ly", 32), _periodic(periodic), count(n_max, "n_max", 32), real(t, "t"),
            real(U, "U"), real(mu, "mu")))

    @classmethod
    def rydberg(cls, lx: int, ly: int = 1, Omega: float = 1.0, delta: float = 0.0, Rb: float = 1.0,
                cutoff: float = 2.0, group: int = 1) -> "Hamiltonian":
        """-Omega/2 sum sigma^x - delta sum n + sum_{r <= cutoff} Omega Rb^6 / r^6 n n on the
        lx*ly square array; ``group`` atoms along x per site (local dimension 2^group)."""
        return cls._own(new_handle(
            "rnnwf_hamiltonian", "rnnwf_hamiltonian_rydberg", count(lx, "lx", 32),
            count(ly, "ly", 32), real(Omega, "Omega"), real(delta, "delta"), real(Rb, "Rb"),
            real(cutoff, "cutoff"), count(group, "group", 32)))

    @classmethod
    def parse(cls, text: str, n_sites: int | None = None) -> "Hamiltonian":
        """An operator from text, one term a line: a coefficient, then Pauli factors, e.g.
        ``"-1.0 Z0 Z1"``; ``#`` starts a comment. ``n_sites`` defaults to one more than the
        largest site index in the text."""
        if not isinstance(text, str):
            invalid_type(f"text: expected str, got {type(text).__name__}")
        if n_sites is None:
            uncommented = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
            sites = [int(s) for s in re.findall(r"\b[XYZ](\d+)\b", uncommented)]
            if not sites:
                invalid("parse: no site in the text; give n_sites")
            n_sites = max(sites) + 1
        return cls._own(new_handle("rnnwf_hamiltonian", "rnnwf_hamiltonian_parse",
                                   count(n_sites, "n_sites", 32), c_string(text, "parse: text")))

    def add_term(self, coeff: float, paulis: str, sites: Sequence[int] | npt.ArrayLike = ()) -> None:
        """Adds coeff * P, P with the Pauli letter ``paulis[k]`` on ``sites[k]``; "" with no
        sites adds a constant."""
        if not isinstance(paulis, str):
            invalid_type(f"paulis: expected str, got {type(paulis).__name__}")
        s = uint32_in(sites, "sites")
        call("rnnwf_hamiltonian_add_term", self, real(coeff, "coeff"), c_string(paulis, "add_term: paulis"),
             ptr("uint32_t *", s), s.size, write=(self,))

    def add_local(self, sites: Sequence[int] | npt.ArrayLike, matrix: npt.ArrayLike) -> None:
        """Adds the Hermitian operator with the d^k x d^k ``matrix`` (element [a][b] = <a|O|b>,
        the first listed site most significant) on the k ``sites``."""
        s = uint32_in(sites, "sites")
        m = np.asarray(matrix)
        if m.dtype.kind not in "biufc":
            invalid_type(f"matrix: dtype {m.dtype}, expected complex128")
        side = self.local_dim ** s.size
        if m.shape != (side, side):
            invalid(f"matrix: expected shape ({side}, {side}) for {s.size} sites of local "
                    f"dimension {self.local_dim}, got {m.shape}")
        m = np.ascontiguousarray(m, dtype=np.complex128)
        call("rnnwf_hamiltonian_add_local", self, s.size, ptr("uint32_t *", s),
             ptr("rnnwf_complex *", m), write=(self,))

    def rotate_z(self, angles: Sequence[float] | npt.ArrayLike) -> None:
        """Replaces the operator by U H U^dagger, U = prod_j exp(-i angles[j] n_j) with n_j
        the value of site j (1 = down): a state psi becomes exp(-i sum_j angles[j] s_j) psi(s),
        at the same energy. One angle per site; on error the operator is unchanged."""
        a = float64_in(angles, "angles")
        call("rnnwf_hamiltonian_rotate_z", self, ptr("double *", a), a.size, write=(self,))

    def _size(self, get: Any) -> int:
        out = ffi.new("size_t *")
        call(get, self, out)
        return int(out[0])

    @property
    def num_sites(self) -> int:
        """The number of sites the operator acts on."""
        return self._size("rnnwf_hamiltonian_num_sites")

    @property
    def local_dim(self) -> int:
        """The number of values a site takes (2 for Pauli operators)."""
        return self._size("rnnwf_hamiltonian_local_dim")

    @property
    def num_terms(self) -> int:
        """The number of distinct Pauli strings (a constant counts as one)."""
        return self._size("rnnwf_hamiltonian_num_terms")

    def exact_ground_energy(self) -> float:
        """The lowest eigenvalue by Lanczos over all d^N states (at most 2^24)."""
        out = ffi.new("double *")
        call("rnnwf_exact_ground_energy", self, out, interruptible=True)
        return float(out[0])

    def __repr__(self) -> str:
        if self.closed:
            return "rnnwf.Hamiltonian(<closed>)"
        return f"rnnwf.Hamiltonian(n_sites={self.num_sites}, num_terms={self.num_terms})"


def three_sublattice_angles(lx: int, ly: int) -> np.ndarray:
    """The angles (2 pi / 3) ((x + y) mod 3) of the lx*ly grid's sites (i = x + lx*y), for
    ``Hamiltonian.rotate_z``: the triangular lattice's 120-degree rotation."""
    lx, ly = count(lx, "lx", 32), count(ly, "ly", 32)
    out = np.zeros(lx * ly, dtype=np.float64)
    call("rnnwf_three_sublattice_angles", lx, ly, ptr("double *", out), out.size)
    return out
