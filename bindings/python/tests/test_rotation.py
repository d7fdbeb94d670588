"""Hamiltonian.rotate_z and three_sublattice_angles: the rotated operator keeps its ground
energy, its local energies are those of D H D^dagger (built here with numpy on every
configuration), the Marshall angles make the open Heisenberg chain sign-free without a rule,
and bad angles are refused without changing the operator."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import rnnwf

PAULI = {
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]]),
    "Z": np.array([[1, 0], [0, -1]], dtype=complex),
}


def dense_heisenberg_chain(n: int) -> np.ndarray:
    """sum_i (XX+YY+ZZ) on the open chain, site 0 the most significant bit."""
    dim = 2 ** n
    h = np.zeros((dim, dim), dtype=complex)
    for i in range(n - 1):
        for p in "XYZ":
            ops = [np.eye(2)] * n
            ops[i] = ops[i + 1] = PAULI[p]
            term = ops[0]
            for o in ops[1:]:
                term = np.kron(term, o)
            h += term
    return h


def test_three_sublattice_angles():
    a = rnnwf.three_sublattice_angles(4, 3)
    assert a.shape == (12,)
    for i in range(12):
        x, y = i % 4, i // 4
        assert a[i] == pytest.approx(2 * math.pi / 3 * ((x + y) % 3), abs=1e-15)
    with pytest.raises(rnnwf.Error) as info:
        rnnwf.three_sublattice_angles(0, 3)
    assert info.value.status == rnnwf.ERR_INVALID_ARGUMENT


def test_rotation_keeps_the_ground_energy_and_breaks_sign_freedom():
    h = rnnwf.Hamiltonian.triangular(3, 3)
    before = h.exact_ground_energy()
    h.rotate_z(rnnwf.three_sublattice_angles(3, 3))
    assert h.exact_ground_energy() == pytest.approx(before, abs=1e-9)
    model = rnnwf.Model(lx=3, ly=3, hidden=4)
    assert not model.sign_free(h)


def test_local_energies_are_those_of_d_h_d_dagger():
    n = 5
    angles = np.array([0.3, -1.1, 2.0, 0.7, 5.0])
    h = rnnwf.Hamiltonian.heisenberg(n)
    h.rotate_z(angles)
    configs = np.array(list(itertools.product([0, 1], repeat=n)), dtype=np.uint8)
    theta = configs @ angles
    d = np.exp(-1j * theta)
    expected_h = d[:, None] * dense_heisenberg_chain(n) * d.conj()[None, :]
    model = rnnwf.Model(lx=n, hidden=4, phase="softsign", seed=3)
    psi = np.exp(model.log_psi(configs))
    expected = (expected_h @ psi) / psi
    got = model.local_energies(h, configs)
    assert np.allclose(got, expected, atol=1e-10)


def test_marshall_angles_make_the_chain_sign_free():
    n = 6
    h = rnnwf.Hamiltonian.heisenberg(n)
    plain = rnnwf.Model(lx=n, hidden=4)
    assert not plain.sign_free(h)
    h.rotate_z([math.pi if i % 2 == 0 else 0.0 for i in range(n)])
    assert plain.sign_free(h)


def test_bad_angles_are_refused_and_leave_the_operator_unchanged():
    h = rnnwf.Hamiltonian.triangular(2, 3)
    terms, energy = h.num_terms, h.exact_ground_energy()
    with pytest.raises(rnnwf.Error) as info:
        h.rotate_z([0.1] * 5)
    assert info.value.status == rnnwf.ERR_BUFFER_SIZE
    assert "rnnwf_hamiltonian_rotate_z" in str(info.value)
    with pytest.raises(rnnwf.Error) as info:
        h.rotate_z([0.0, 0.0, float("nan"), 0.0, 0.0, 0.0])
    assert info.value.status == rnnwf.ERR_INVALID_ARGUMENT
    assert "angles[2]" in str(info.value)
    with pytest.raises(rnnwf.InvalidType):
        h.rotate_z(["a"] * 6)
    assert h.num_terms == terms
    assert h.exact_ground_energy() == energy
