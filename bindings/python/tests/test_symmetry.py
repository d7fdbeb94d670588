"""Model.restrict_symmetry, symmetry_size, symmetry_maps and symmetry_invariant: the lattice
symmetry that follows the operator, and the warning Vmc.run gives when it does not."""

from __future__ import annotations

import warnings

import pytest

import rnnwf

TRIANGULAR = ["identity", "half_turn", "diagonal", "antidiagonal"]


def test_the_triangular_lattice_keeps_four_of_eight_maps(tmp_path):
    m = rnnwf.Model(lx=4, ly=4, hidden=4, symmetry="lattice", seed=1)
    tri = rnnwf.Hamiltonian.triangular(4, 4)
    assert m.symmetry_size == 8
    assert not m.symmetry_invariant(tri)
    assert m.symmetry_invariant(rnnwf.Hamiltonian.heisenberg(4, 4))
    r = m.restrict_symmetry(tri)
    assert r.symmetry_maps == TRIANGULAR
    assert r.symmetry_size == 4 and r.symmetry_invariant(tri)
    # Same weights, and the kept maps survive a checkpoint and a resize.
    assert (r.get_params() == m.get_params()).all()
    path = tmp_path / "kept.safetensors"
    r.save(path)
    assert rnnwf.Model.load(path).symmetry_maps == TRIANGULAR
    assert r.resize(5, 3).symmetry_maps == ["identity", "half_turn"]
    flip = rnnwf.Model(lx=4, ly=4, hidden=4, symmetry="lattice_spin_flip")
    assert flip.restrict_symmetry(tri).symmetry_maps == TRIANGULAR + [n + "+flip" for n in TRIANGULAR]


def test_the_rotated_triangular_lattice_keeps_two_maps_with_the_conjugation():
    rotated = rnnwf.Hamiltonian.triangular(4, 4)
    rotated.rotate_z(rnnwf.three_sublattice_angles(4, 4))
    m = rnnwf.Model(lx=4, ly=4, hidden=4, symmetry="lattice", phase="softsign", seed=1)
    r = m.restrict_symmetry(rotated)
    assert r.symmetry_maps == ["identity", "half_turn+conj", "diagonal", "antidiagonal+conj"]
    assert r.symmetry_invariant(rotated) and not m.symmetry_invariant(rotated)


def test_refusals_name_the_problem():
    bare = rnnwf.Model(lx=4, ly=4, hidden=4)
    assert bare.symmetry_size == 1 and bare.symmetry_maps == ["identity"]
    with pytest.raises(rnnwf.Error) as info:
        bare.restrict_symmetry(rnnwf.Hamiltonian.triangular(4, 4))
    assert info.value.status == rnnwf.ERR_INVALID_ARGUMENT
    assert "no lattice symmetry" in str(info.value)
    m = rnnwf.Model(lx=4, ly=4, hidden=4, symmetry="lattice")
    with pytest.raises(rnnwf.Error) as info:
        m.symmetry_invariant(rnnwf.Hamiltonian.triangular(3, 3))
    assert info.value.status == rnnwf.ERR_INVALID_ARGUMENT


def test_run_warns_when_the_group_is_not_the_operators():
    tri = rnnwf.Hamiltonian.triangular(3, 3)
    m = rnnwf.Model(lx=3, ly=3, hidden=4, symmetry="lattice", phase="softsign", u1_total=4)
    with pytest.warns(RuntimeWarning, match="leaves the operator invariant"):
        history = rnnwf.Vmc(n_samples=16, seed=1).run(m, tri, steps=1, progress=False)
    assert history.symmetry_invariant is False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = m.restrict_symmetry(tri)
        history = rnnwf.Vmc(n_samples=16, seed=1).run(r, tri, steps=1, progress=False)
    assert history.symmetry_invariant is True
