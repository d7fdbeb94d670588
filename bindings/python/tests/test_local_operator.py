"""Operators on any local dimension: Hamiltonian.new_local / add_local and the spin-1,
Bose-Hubbard and Rydberg built-ins, against closed forms and numpy's dense eigenvalues."""

from __future__ import annotations

import numpy as np
import pytest

import rnnwf


def test_aklt_open_chain_ground_energy():
    h = rnnwf.Hamiltonian.spin1(6, J=1.0, beta=1.0 / 3.0)
    assert h.local_dim == 3
    assert h.exact_ground_energy() == pytest.approx(-2.0 / 3.0 * 5, abs=1e-9)


def test_add_local_equals_dense_diagonalisation():
    rng = np.random.default_rng(3)
    n, d = 4, 3
    h = rnnwf.Hamiltonian.new_local(n, d)
    dense = np.zeros((d**n, d**n), dtype=complex)
    for i in range(n - 1):
        a = rng.normal(size=(9, 9)) + 1j * rng.normal(size=(9, 9))
        m = a + a.conj().T
        h.add_local([i, i + 1], m)
        # Site 0 most significant, as the term's own index: kron(I, M, I).
        dense += np.kron(np.kron(np.eye(d**i), m), np.eye(d ** (n - i - 2)))
    assert h.num_terms == n - 1
    assert h.exact_ground_energy() == pytest.approx(np.linalg.eigvalsh(dense)[0], abs=1e-8)


def test_bad_matrices_are_refused():
    h = rnnwf.Hamiltonian.new_local(3, 3)
    with pytest.raises(rnnwf.Error) as info:
        h.add_local([0], np.array([[0, 1, 0], [0, 0, 0], [0, 0, 0]]))
    assert info.value.status == rnnwf.ERR_INVALID_ARGUMENT
    assert "not Hermitian" in str(info.value)
    with pytest.raises(rnnwf.Error):
        h.add_local([0, 1], np.eye(3))
    with pytest.raises(rnnwf.Error) as info:
        h.add_local([0, 0], np.eye(9))
    assert "twice" in str(info.value)
    model = rnnwf.Model(lx=3, hidden=4)
    with pytest.raises(rnnwf.Error) as info:
        model.local_energies(h, np.zeros((1, 3), dtype=np.uint8))
    assert "local_dim" in str(info.value)


def test_bose_hubbard_and_rydberg_built_ins():
    assert rnnwf.Hamiltonian.bose_hubbard(3, n_max=2).local_dim == 3
    grouped = rnnwf.Hamiltonian.rydberg(4, 2, Omega=1.0, delta=1.0, Rb=1.2, cutoff=1.5, group=2)
    plain = rnnwf.Hamiltonian.rydberg(4, 2, Omega=1.0, delta=1.0, Rb=1.2, cutoff=1.5)
    assert (grouped.local_dim, grouped.num_sites) == (4, 4)
    assert grouped.exact_ground_energy() == pytest.approx(plain.exact_ground_energy(), abs=1e-9)
    with pytest.raises(rnnwf.Error):
        rnnwf.Hamiltonian.rydberg(3, 2, group=2)
