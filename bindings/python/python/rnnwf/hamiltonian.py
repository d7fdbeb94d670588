"""rnnwf.Hamiltonian: an operator sum_k c_k P_k of Pauli strings (``rnnwf_hamiltonian``)."""

from __future__ import annotations

import re
from typing import Any, Sequence

import numpy.typing as npt

from ._arrays import count, ptr, real, uint32_in
from ._errors import invalid, invalid_type
from ._handle import Handle, c_string, call, new_handle
from ._native import ffi, lib


def _periodic(value: Any) -> int:
    if value not in (0, 1, False, True):
        invalid(f"periodic: expected a bool, got {value!r}")
    return int(value)


class Hamiltonian(Handle):
    """An operator H = sum_k c_k P_k: real coefficients times Pauli strings on ``n_sites``
    spin-1/2 sites. ``Hamiltonian(n_sites)`` is the zero operator; ``tfim``,
    ``heisenberg``, ``triangular`` and ``parse`` make the usual ones."""

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

    def _size(self, get: Any) -> int:
        out = ffi.new("size_t *")
        call(get, self, out)
        return int(out[0])

    @property
    def num_sites(self) -> int:
        """The number of sites the operator acts on."""
        return self._size("rnnwf_hamiltonian_num_sites")

    @property
    def num_terms(self) -> int:
        """The number of distinct Pauli strings (a constant counts as one)."""
        return self._size("rnnwf_hamiltonian_num_terms")

    def exact_ground_energy(self) -> float:
        """The lowest eigenvalue by Lanczos over all 2^N states (N <= 24)."""
        out = ffi.new("double *")
        call("rnnwf_exact_ground_energy", self, out, interruptible=True)
        return float(out[0])

    def __repr__(self) -> str:
        if self.closed:
            return "rnnwf.Hamiltonian(<closed>)"
        return f"rnnwf.Hamiltonian(n_sites={self.num_sites}, num_terms={self.num_terms})"
