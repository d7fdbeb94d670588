"""Shapes, dtypes and in-place passing of NumPy arrays."""

from __future__ import annotations

import numpy as np
import pytest

import rnnwf
from rnnwf import _arrays


@pytest.fixture
def model():
    with rnnwf.Model(lx=6, hidden=8, seed=2, phase="softsign") as m:
        yield m


def test_sample_shapes_and_dtypes(model):
    configs, log_psi = model.sample(17, seed=5)
    assert configs.dtype == np.uint8 and configs.shape == (17, 6)
    assert log_psi.dtype == np.complex128 and log_psi.shape == (17,)
    assert set(np.unique(configs)) <= {0, 1}
    assert model.num_sites == 6


def test_zero_samples(model):
    configs, log_psi = model.sample(0, seed=5)
    assert configs.shape == (0, 6) and log_psi.shape == (0,)
    assert model.log_psi(configs).shape == (0,)


def test_log_psi_matches_sample_and_normalises(model):
    configs, log_psi = model.sample(40, seed=9)
    np.testing.assert_array_equal(model.log_psi(configs), log_psi)
    # sum over all 2^6 configurations of |psi|^2 = exp(2 Re ln psi) is 1 (exact enumeration)
    everything = ((np.arange(64)[:, None] >> np.arange(6)) & 1).astype(np.uint8)
    assert abs(np.exp(2 * model.log_psi(everything).real).sum() - 1) < 1e-12


def test_params_shapes_and_round_trip(model):
    p = model.get_params()
    assert p.dtype == np.float64 and p.shape == (model.num_params,)
    q = p * 0.5
    model.set_params(q)
    np.testing.assert_array_equal(model.get_params(), q)
    model.set_params(list(p))  # any sequence of reals
    np.testing.assert_array_equal(model.get_params(), p)


def test_local_energies_and_grad_shapes(model):
    h = rnnwf.Hamiltonian.tfim(6)
    configs, _ = model.sample(11, seed=1)
    e = model.local_energies(h, configs)
    assert e.dtype == np.complex128 and e.shape == (11,)
    g = model.log_psi_grad(configs)
    assert g.dtype == np.complex128 and g.shape == (11, model.num_params)


def test_contiguous_uint8_is_passed_in_place(model):
    configs, _ = model.sample(8, seed=3)
    assert _arrays.configs_in(configs, 6) is configs or np.shares_memory(_arrays.configs_in(configs, 6), configs)
    p = model.get_params()
    assert np.shares_memory(_arrays.float64_in(p, "params"), p)


def test_other_layouts_give_the_same_values(model):
    configs, log_psi = model.sample(10, seed=4)
    fortran = np.asfortranarray(configs)
    strided = np.repeat(configs, 2, axis=0)[::2]
    as_int = configs.astype(np.int64)
    for variant in (fortran, strided, as_int, configs.tolist()):
        np.testing.assert_array_equal(model.log_psi(variant), log_psi)


def test_gradient_agrees_with_finite_differences(model):
    configs, _ = model.sample(3, seed=8)
    g = model.log_psi_grad(configs)
    p = model.get_params()
    for k in (0, model.num_params // 2, model.num_params - 1):
        eps = 1e-6
        up, down = p.copy(), p.copy()
        up[k] += eps
        down[k] -= eps
        model.set_params(up)
        a = model.log_psi(configs)
        model.set_params(down)
        b = model.log_psi(configs)
        model.set_params(p)
        np.testing.assert_allclose(((a - b) / (2 * eps)).real, g[:, k].real, atol=1e-6)


def test_estimates_are_python_values(model):
    h = rnnwf.Hamiltonian.tfim(6)
    e = model.expectation(h, 500, seed=2)
    assert isinstance(e, rnnwf.Estimate) and e.n == 500
    assert abs(e.error - np.sqrt(e.variance / e.n)) < 1e-12
    assert abs(e.mean_re - model.exact_expectation(h).real) < 6 * e.error
    s = model.renyi2([], 10, seed=1)
    assert s.mean_re == 0


def test_config_keywords_and_names():
    with rnnwf.Model(lx=4, ly=2, cell="vanilla_elu", hidden=5, layers=2, phase=1, sign="marshall",
                     u1_total=4, seed=7, local_dim=2) as m:
        c = m.config
    expected = dict(cell="vanilla_elu", lx=4, ly=2, local_dim=2, hidden=5, layers=2,
                    phase="softsign", sign_rule="marshall", u1_total=4, seed=7,
                    boundary="open", dilation=0)
    assert {k: c[k] for k in expected} == expected
    for name, code in rnnwf.CELLS.items():
        with rnnwf.Model(lx=3, hidden=4, cell=code) as by_code, rnnwf.Model(lx=3, hidden=4, cell=name.upper()) as by_name:
            assert by_code.config["cell"] == name == by_name.config["cell"]


def test_periodic_grid_and_dilated_chain_keep_their_topology_and_normalise():
    for kwargs in (dict(lx=3, ly=2, boundary="periodic"), dict(lx=6, layers=3, dilation=1)):
        with rnnwf.Model(hidden=4, seed=3, **kwargs) as m:
            c = m.config
            assert {k: c[k] for k in ("boundary", "dilation")} == {
                "boundary": kwargs.get("boundary", "open"), "dilation": kwargs.get("dilation", 0)}
            configs = np.array([[(k >> i) & 1 for i in range(6)] for k in range(64)], dtype=np.uint8)
            assert abs(np.exp(2 * m.log_psi(configs).real).sum() - 1) < 1e-10


def test_f32_model_samples_what_it_evaluates():
    with rnnwf.Model(lx=6, hidden=8, seed=4, precision="f32") as single, \
            rnnwf.Model(lx=6, hidden=8, seed=4) as double:
        assert single.config["precision"] == "f32"
        configs, log_psi = single.sample(50, seed=7)
        assert np.array_equal(single.log_psi(configs), log_psi)
        difference = np.abs(double.log_psi(configs) - log_psi).max()
        assert 0 < difference < 1e-5


def test_vmc_config_keywords():
    with rnnwf.Vmc(optimizer="adam", n_samples=64, learning_rate=0.01, sr_diag_shift=0.5, seed=9,
                   preconditioner="sr", grad_clip=2.0) as v:
        c = v.config
    assert (c["optimizer"], c["n_samples"], c["learning_rate"], c["sr_diag_shift"], c["seed"],
            c["preconditioner"], c["grad_clip"]) == ("adam", 64, 0.01, 0.5, 9, "sr", 2.0)
    with rnnwf.Vmc(optimizer="sgd", preconditioner="spring", sr_momentum=0.75) as v:
        c = v.config
        assert (c["preconditioner"], c["sr_momentum"]) == ("spring", 0.75)
        v.set_diag_shift(0.125)
        v.set_n_samples(33)
        assert (v.config["sr_diag_shift"], v.config["n_samples"]) == (0.125, 33)


def test_hamiltonian_builders():
    h = rnnwf.Hamiltonian.parse("-1.0 Z0 Z1\n# comment X7\n-0.5 X3\n0.25")
    assert h.num_sites == 4 and h.num_terms == 3
    assert rnnwf.Hamiltonian.parse("1.0 Z0", n_sites=9).num_sites == 9
    g = rnnwf.Hamiltonian(3)
    g.add_term(2.0, "ZZ", [0, 1])
    g.add_term(-1.0, "")
    assert g.num_terms == 2
    assert rnnwf.Hamiltonian.heisenberg(4, periodic=True).num_sites == 4
