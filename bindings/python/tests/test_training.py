"""Training, checkpoints, the reduction hook and handle lifetimes."""

from __future__ import annotations

import gc

import numpy as np
import pytest

import rnnwf


def test_trains_the_ising_chain_to_the_exact_ground_energy():
    # The settings of the C, C++ and Fortran examples: GRU, minSR, 200 steps.
    with rnnwf.Hamiltonian.tfim(10) as h, rnnwf.Model(lx=10, cell="gru", hidden=16, seed=1) as m, \
            rnnwf.Vmc(optimizer="sr", n_samples=256, learning_rate=0.05, sr_diag_shift=1e-3, seed=3) as v:
        e0 = h.exact_ground_energy()
        # free fermions: E0 = 1 - 1/sin(pi / (2 (2N + 1))) for the open chain at J = h = 1
        assert abs(e0 - (1 - 1 / np.sin(np.pi / (2 * 21)))) < 1e-9
        before = m.exact_expectation(h).real
        for k in range(200):
            stats = v.step(m, h)
            assert stats.step == k and stats.energy.n == 256 and stats.grad_norm >= 0
        after = m.exact_expectation(h).real
    assert (before - e0) / abs(e0) > 1e-2
    assert 0 <= (after - e0) / abs(e0) < 1e-3, (after, e0)


def test_checkpoints_resume_bit_for_bit(tmp_path):
    h = rnnwf.Hamiltonian.tfim(6)
    settings = dict(optimizer="adam", n_samples=64, learning_rate=0.01, seed=4)
    m = rnnwf.Model(lx=6, hidden=8, seed=2)
    v = rnnwf.Vmc(**settings)
    for _ in range(3):
        v.step(m, h)
    m.save(tmp_path / "m.safetensors")
    v.save(tmp_path / "v.opt")
    straight = [v.step(m, h) for _ in range(3)]

    m2 = rnnwf.Model.load(tmp_path / "m.safetensors")
    v2 = rnnwf.Vmc(n_samples=1)  # settings come from the checkpoint
    v2.load(tmp_path / "v.opt")
    assert v2.config == v.config
    resumed = [v2.step(m2, h) for _ in range(3)]
    assert [(s.step, s.energy) for s in resumed] == [(s.step, s.energy) for s in straight]
    np.testing.assert_array_equal(m2.get_params(), m.get_params())
    assert m2.config == m.config


def test_clone_is_independent():
    m = rnnwf.Model(lx=5, hidden=4, seed=3)
    c = m.clone()
    m.set_params(np.zeros(m.num_params))
    assert np.any(c.get_params() != 0)


def test_resize_keeps_the_weights_on_another_lattice():
    with rnnwf.Model(lx=4, ly=3, hidden=6, sign="marshall", u1_total=6, seed=5) as m:
        big = m.resize(6, 5, u1_total=15)
        assert (big.num_sites, big.num_params) == (30, m.num_params)
        np.testing.assert_array_equal(big.get_params(), m.get_params())
        assert big.config["u1_total"] == 15 and big.config["sign_rule"] == "marshall"
        configs, _ = big.sample(20, seed=1)
        assert np.all(configs.sum(axis=1) == 15)
        with pytest.raises(rnnwf.Error) as err:
            m.resize(12, 1)  # a grid's weights cannot make a chain
        assert err.value.status == rnnwf.ERR_INVALID_ARGUMENT


def test_widen_keeps_psi_and_adds_units():
    with rnnwf.Model(lx=3, ly=2, hidden=4, sign="marshall", u1_total=3, seed=5) as m:
        configs, log_psi = m.sample(50, seed=2)
        wide = m.widen(9)
        assert wide.config["hidden"] == 9 and wide.num_params > m.num_params
        assert wide.config["sign_rule"] == "marshall" and wide.config["u1_total"] == 3
        np.testing.assert_allclose(wide.log_psi(configs), log_psi, rtol=0, atol=1e-12)
        with pytest.raises(rnnwf.Error) as err:
            m.widen(3)  # fewer units would change psi
        assert err.value.status == rnnwf.ERR_INVALID_ARGUMENT
        assert "4 hidden units to 3" in str(err.value)


def test_callable_hook_sees_every_reduction():
    # Doubling every buffer is what two processes with identical samples would sum to: the
    # energy mean stays, the sample count doubles.
    h = rnnwf.Hamiltonian.tfim(6)
    m1, m2 = rnnwf.Model(lx=6, hidden=8, seed=2), rnnwf.Model(lx=6, hidden=8, seed=2)
    sizes = []

    def double(buf):
        assert buf.dtype == np.float64 and buf.flags.writeable
        sizes.append(buf.size)
        buf *= 2

    plain = rnnwf.Vmc(optimizer="adam", n_samples=50, learning_rate=0.01, seed=1)
    hooked = rnnwf.Vmc(optimizer="adam", n_samples=50, learning_rate=0.01, seed=1, allreduce=double)
    a, b = plain.step(m1, h), hooked.step(m2, h)
    assert b.energy.n == 2 * a.energy.n
    assert abs(b.energy.mean_re - a.energy.mean_re) < 1e-12
    # the settings' fingerprint (7) with [sum Re, sum Im, n], [sum |E - mean|^2], the
    # gradient (see rnnwf_allreduce_fn)
    assert sizes == [10, 1, m1.num_params]
    # the summed gradient is twice the one-process gradient's sum, its mean the same
    np.testing.assert_allclose(m2.get_params(), m1.get_params(), rtol=0, atol=1e-12)


def test_handles_are_freed_by_context_managers_and_finalizers():
    with rnnwf.Model(lx=3, hidden=2) as m:
        assert not m.closed
    assert m.closed and not m._finalizer.alive
    m = rnnwf.Model(lx=3, hidden=2)
    finalizer = m._finalizer
    assert finalizer.alive
    del m
    gc.collect()
    assert not finalizer.alive
    v = rnnwf.Vmc(allreduce=lambda buf: None)
    finalizer = v._finalizer
    del v
    gc.collect()
    assert not finalizer.alive
