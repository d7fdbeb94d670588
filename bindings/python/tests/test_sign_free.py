"""Hamiltonian.triangular, Model.sign_free, and the warning Vmc.run gives when a model
without a phase head meets an operator that is not sign-free."""

from __future__ import annotations

import warnings

import pytest

import rnnwf


def test_triangular_bonds_and_ground_energy():
    # 3 x 3 periodic: 27 bonds, each XX + YY + ZZ.
    assert rnnwf.Hamiltonian.triangular(3, 3, periodic=True).num_terms == 81
    # 3 x 2 open: 4 horizontal, 3 vertical, 2 diagonal bonds.
    assert rnnwf.Hamiltonian.triangular(3, 2).num_terms == 27
    # 2 x 2 open: two triangles sharing the diagonal, 5 bonds.
    assert rnnwf.Hamiltonian.triangular(2, 2).num_terms == 15
    with pytest.raises(rnnwf.Error) as info:
        rnnwf.Hamiltonian.triangular(3, 0)
    assert info.value.status == rnnwf.ERR_INVALID_ARGUMENT
    assert "rnnwf_hamiltonian_triangular" in str(info.value)


def test_sign_free_follows_the_sign_rule():
    chain = rnnwf.Hamiltonian.heisenberg(6)
    plain = rnnwf.Model(lx=6, hidden=4)
    marshall = rnnwf.Model(lx=6, hidden=4, sign_rule="marshall")
    assert not plain.sign_free(chain)
    assert marshall.sign_free(chain)
    assert plain.sign_free(rnnwf.Hamiltonian.tfim(6))
    grid = rnnwf.Model(lx=3, ly=3, hidden=4, sign_rule="marshall")
    assert not grid.sign_free(rnnwf.Hamiltonian.triangular(3, 3))
    assert not grid.sign_free(rnnwf.Hamiltonian.heisenberg(3, 3, J2=0.5))
    with pytest.raises(rnnwf.Error) as info:
        plain.sign_free(rnnwf.Hamiltonian.tfim(4))
    assert info.value.status == rnnwf.ERR_INVALID_ARGUMENT


def test_run_warns_without_a_phase_head():
    def v():
        return rnnwf.Vmc(n_samples=16, seed=1)

    h = rnnwf.Hamiltonian.heisenberg(4)
    with pytest.warns(RuntimeWarning, match="not sign-free"):
        history = v().run(rnnwf.Model(lx=4, hidden=4), h, steps=2, progress=False)
    assert history.sign_free is False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # A phase head can learn the signs; the Marshall rule makes the chain sign-free.
        assert v().run(rnnwf.Model(lx=4, hidden=4, phase="softsign"), h, steps=1,
                     progress=False).sign_free is False
        assert v().run(rnnwf.Model(lx=4, hidden=4, sign_rule="marshall"), h, steps=1,
                     progress=False).sign_free is True
