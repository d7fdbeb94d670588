"""Every failure raises rnnwf.Error with the C status and the library's message."""

from __future__ import annotations

import math

import numpy as np
import pytest

import rnnwf


def raises(status: int, *fragments: str):
    """Checks the status and that the message names what went wrong."""

    class Check:
        def __enter__(self):
            self.ctx = pytest.raises(rnnwf.Error)
            self.info = self.ctx.__enter__()
            return self.info

        def __exit__(self, *exc):
            swallowed = self.ctx.__exit__(*exc)
            e = self.info.value
            assert e.status == status, f"status {e.status} ({rnnwf.status_name(e.status)}), wanted {status}: {e.message}"
            for fragment in fragments:
                assert fragment in e.message, f"{fragment!r} not in {e.message!r}"
            assert rnnwf.status_name(status) in str(e)
            return swallowed

    return Check()


@pytest.fixture
def model():
    with rnnwf.Model(lx=4, hidden=4, seed=1) as m:
        yield m


@pytest.fixture
def h4():
    with rnnwf.Hamiltonian.tfim(4) as h:
        yield h


def test_model_config_errors():
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "cell", "gru"):
        rnnwf.Model(cell="lstm")
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "rnnwf_model_new"):
        rnnwf.Model(cell=17)
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "rnnwf_model_new", "hidden"):
        rnnwf.Model(hidden=0)
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "lx"):
        rnnwf.Model(lx=-1)
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "hidden"):
        rnnwf.Model(hidden="many")
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "unknown keyword", "colour"):
        rnnwf.Model(colour=1)
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "rnnwf_model_new"):
        rnnwf.Model(lx=4, u1_total=9)  # more down spins than sites
    # The topologies of ABI 0.3 this version does not define (a periodic chain, a dilated
    # grid), and values out of range.
    with raises(rnnwf.ERR_UNSUPPORTED, "PERIODIC"):
        rnnwf.Model(lx=4, boundary="periodic")
    with raises(rnnwf.ERR_UNSUPPORTED, "dilation"):
        rnnwf.Model(lx=4, ly=4, dilation=1)
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "dilation"):
        rnnwf.Model(lx=4, dilation=2)
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "boundary", "open"):
        rnnwf.Model(lx=4, boundary="twisted")


def test_a_refused_allocation_is_out_of_memory(model, h4):
    before = model.get_params()
    v = rnnwf.Vmc(n_samples=1 << 40)
    with raises(rnnwf.ERR_OUT_OF_MEMORY, "rnnwf_vmc_step", "cannot be allocated"):
        v.step(model, h4)
    with pytest.raises(MemoryError) as info:
        v.step(model, h4)
    assert isinstance(info.value, rnnwf.OutOfMemoryError)
    assert isinstance(info.value, rnnwf.Error)
    assert np.array_equal(model.get_params(), before)


def test_array_errors(model, h4):
    with raises(rnnwf.ERR_BUFFER_SIZE, "shape"):
        model.log_psi(np.zeros((3, 5), dtype=np.uint8))
    with raises(rnnwf.ERR_BUFFER_SIZE, "shape"):
        model.log_psi(np.zeros(4, dtype=np.uint8))
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "rnnwf_log_psi"):
        model.log_psi(np.full((2, 4), 2, dtype=np.uint8))
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "0..=1", "0 = up"):
        model.log_psi(np.full((2, 4), -1))
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "0..=1", "+-1 spins", "(1 - s) // 2"):
        model.log_psi(np.array([[1, -1, 1, -1]]))
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "dtype"):
        model.log_psi(np.zeros((2, 4)))
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "rnnwf_local_energies"):
        model.local_energies(h4, np.full((1, 4), 3, dtype=np.uint8))
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "n"):
        model.sample(-1, seed=0)
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "seed"):
        model.sample(3, seed=-2)


def test_log_psi_connected_matches_log_psi_and_checks_its_arrays(model):
    config = np.array([0, 1, 0, 1], dtype=np.uint8)
    # Connection 0 sets site 0 to 1; connection 1 sets sites 1 and 2 to 0 and 1.
    got = model.log_psi_connected(config, [0, 1, 3], [0, 1, 2], [1, 0, 1])
    expected = model.log_psi(np.array([[1, 1, 0, 1], [0, 0, 1, 1]], dtype=np.uint8))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    # The C call reads offsets[-1] entries of sites and values: a shortfall is refused.
    with raises(rnnwf.ERR_BUFFER_SIZE, "offsets ends at 100000", "sites has 1"):
        model.log_psi_connected(config, [0, 100000], [0], [1])
    with raises(rnnwf.ERR_BUFFER_SIZE, "values 1"):
        model.log_psi_connected(config, [0, 2], [0, 1], [1])
    # Values and offsets are checked, not wrapped: 257 is not 1, -1 is not 2^64 - 1.
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "values", "257"):
        model.log_psi_connected(config, [0, 1], [0], [257])
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "offsets", "-1"):
        model.log_psi_connected(config, [0, -1], [], [])
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "values", "dtype"):
        model.log_psi_connected(config, [0, 1], [0], [1.5])


def test_handles_are_not_copied_by_reference(model, h4):
    # A copy sharing the C handle would be freed under it by the original's close().
    import copy
    import pickle

    twin = copy.copy(model)
    deep = copy.deepcopy(model)
    np.testing.assert_array_equal(twin.get_params(), model.get_params())
    model.close()
    assert twin.log_psi(np.zeros((1, 4), dtype=np.uint8)).shape == (1,)
    assert deep.num_params == twin.num_params
    for handle in (h4, rnnwf.Vmc()):
        with pytest.raises(TypeError, match="cannot be copied"):
            copy.copy(handle)
        with pytest.raises(TypeError, match="cannot be copied"):
            copy.deepcopy(handle)
        with pytest.raises(TypeError, match="cannot be pickled"):
            pickle.dumps(handle)
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(twin)


def test_params_errors(model):
    p = model.get_params()
    with raises(rnnwf.ERR_BUFFER_SIZE, "rnnwf_model_set_params"):
        model.set_params(p[:-1])
    bad = p.copy()
    bad[3] = math.nan
    with raises(rnnwf.ERR_NUMERICAL, "rnnwf_model_set_params"):
        model.set_params(bad)
    np.testing.assert_array_equal(model.get_params(), p)  # unchanged on error
    with raises(rnnwf.ERR_BUFFER_SIZE):
        model.set_params(np.zeros((2, 2)))


def test_estimator_errors(model, h4):
    with rnnwf.Hamiltonian.tfim(5) as h5, raises(rnnwf.ERR_INVALID_ARGUMENT, "rnnwf_expectation"):
        model.expectation(h5, 10, seed=1)
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "rnnwf_expectation"):
        model.expectation(h4, 0, seed=1)
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "rnnwf_renyi2"):
        model.renyi2([1, 1], 10, seed=1)
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "rnnwf_renyi2"):
        model.renyi2([4], 10, seed=1)
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "region"):
        model.renyi2([-1], 10, seed=1)
    with rnnwf.Model(lx=25, hidden=2) as big, rnnwf.Hamiltonian.tfim(25) as h25:
        with raises(rnnwf.ERR_INVALID_ARGUMENT, "rnnwf_exact_expectation"):
            big.exact_expectation(h25)
        with raises(rnnwf.ERR_INVALID_ARGUMENT, "rnnwf_exact_ground_energy"):
            h25.exact_ground_energy()


def test_hamiltonian_errors():
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "line 2", "Q1"):
        rnnwf.Hamiltonian.parse("-1.0 Z0 Z1\n0.5 Q1", n_sites=2)
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "n_sites"):
        rnnwf.Hamiltonian.parse("1.5")
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "rnnwf_hamiltonian_tfim"):
        rnnwf.Hamiltonian.tfim(0)
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "rnnwf_hamiltonian_tfim"):
        rnnwf.Hamiltonian.tfim(4, h=math.inf)
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "rnnwf_hamiltonian_heisenberg"):
        rnnwf.Hamiltonian.heisenberg(4, J2=math.nan)
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "periodic"):
        rnnwf.Hamiltonian.tfim(4, periodic=2)
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "rnnwf_hamiltonian_new"):
        rnnwf.Hamiltonian(0)
    h = rnnwf.Hamiltonian(3)
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "rnnwf_hamiltonian_add_term"):
        h.add_term(1.0, "ZW", [0, 1])
    with raises(rnnwf.ERR_BUFFER_SIZE, "rnnwf_hamiltonian_add_term"):
        h.add_term(1.0, "ZZ", [0])
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "rnnwf_hamiltonian_add_term"):
        h.add_term(1.0, "ZZ", [0, 0])
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "coeff"):
        h.add_term("one", "Z", [0])
    assert h.num_terms == 0


def test_vmc_errors(model, h4):
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "optimizer", "adam"):
        rnnwf.Vmc(optimizer="lbfgs")
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "rnnwf_vmc_new", "n_samples"):
        rnnwf.Vmc(n_samples=0)
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "rnnwf_vmc_new", "learning_rate"):
        rnnwf.Vmc(learning_rate=-1.0)
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "rnnwf_vmc_new", "preconditioner"):
        rnnwf.Vmc(preconditioner=5)
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "rnnwf_vmc_new", "sr_momentum"):
        rnnwf.Vmc(preconditioner="spring", sr_momentum=1.0)
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "allreduce"):
        rnnwf.Vmc(allreduce=42)
    v = rnnwf.Vmc(n_samples=8)
    with rnnwf.Hamiltonian.tfim(5) as h5, raises(rnnwf.ERR_INVALID_ARGUMENT, "rnnwf_vmc_step"):
        v.step(model, h5)
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "rnnwf_vmc_set_learning_rate"):
        v.set_learning_rate(math.nan)
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "rnnwf_vmc_set_temperature"):
        v.set_temperature(-1.0)
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "rnnwf_fit_step"):
        v.fit_step(model, np.zeros((0, 4), dtype=np.uint8))
    with rnnwf.Vmc(optimizer="sr") as sr, raises(rnnwf.ERR_UNSUPPORTED, "rnnwf_fit_step"):
        sr.fit_step(model, np.zeros((2, 4), dtype=np.uint8))
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "rnnwf_set_num_threads"):
        rnnwf.set_num_threads(5000)


def test_hook_exception_fails_the_step_and_changes_nothing(model, h4):
    def broken(buf):
        raise ValueError("no network")

    before = model.get_params()
    with rnnwf.Vmc(n_samples=16, allreduce=broken) as v:
        with raises(rnnwf.ERR_CALLBACK, "rnnwf_vmc_step", "ValueError", "no network") as info:
            v.step(model, h4)
        assert isinstance(info.value.__cause__, ValueError)
        np.testing.assert_array_equal(model.get_params(), before)
        v.set_allreduce(None)
        assert v.step(model, h4).step == 0  # the failed step did not count


def test_checkpoint_errors(model, tmp_path):
    with raises(rnnwf.ERR_IO, "rnnwf_model_load"):
        rnnwf.Model.load(tmp_path / "missing.safetensors")
    garbage = tmp_path / "garbage"
    garbage.write_bytes(b"not a checkpoint at all" * 10)
    with raises(rnnwf.ERR_FORMAT, "rnnwf_model_load"):
        rnnwf.Model.load(garbage)
    with raises(rnnwf.ERR_IO, "rnnwf_model_save"):
        model.save(tmp_path / "no" / "such" / "dir" / "m")
    with raises(rnnwf.ERR_INVALID_ARGUMENT, "rnnwf_model_save"):
        model.save("")
    v = rnnwf.Vmc()
    with raises(rnnwf.ERR_IO, "rnnwf_vmc_load"):
        v.load(tmp_path / "missing")
    model.save(tmp_path / "model")
    with raises(rnnwf.ERR_FORMAT, "rnnwf_vmc_load"):
        v.load(tmp_path / "model")  # a model file is not an optimiser checkpoint
    with raises(rnnwf.ERR_IO, "rnnwf_vmc_save"):
        v.save(tmp_path / "no" / "dir" / "v")


def test_closed_handles_raise(h4):
    m = rnnwf.Model(lx=4, hidden=4)
    m.close()
    m.close()  # idempotent
    assert m.closed
    with raises(rnnwf.ERR_NULL_POINTER, "closed"):
        _ = m.num_sites
    with raises(rnnwf.ERR_NULL_POINTER, "closed"):
        rnnwf.Vmc().step(m, h4)
    with rnnwf.Hamiltonian.tfim(3) as h:
        pass
    with raises(rnnwf.ERR_NULL_POINTER, "Hamiltonian is closed"):
        h.exact_ground_energy()


def test_bad_values_are_value_errors_and_bad_types_type_errors(model, h4):
    """Every Error for a bad value or name is also a ValueError, for a bad type a TypeError,
    so plain ``except ValueError`` catches them."""
    values = [
        lambda: rnnwf.Model(cell="lstm"),
        lambda: rnnwf.Model(hidden=0),  # refused by the library
        lambda: rnnwf.Model(colour=1),
        lambda: model.log_psi(np.full((2, 4), 2, dtype=np.uint8)),  # refused by the library
        lambda: model.log_psi(np.zeros((3, 5), dtype=np.uint8)),  # a wrong shape
        lambda: model.sample(-1, seed=0),
        lambda: model.resize(-4, 1),  # the arguments of a handle constructor are checked too
        lambda: model.resize(6, 1, u1_total=2**31),
        lambda: model.widen(-1),
        lambda: rnnwf.Vmc(optimizer="lbfgs"),
        lambda: rnnwf.Hamiltonian.parse("1.0 Q1", n_sites=2),
    ]
    for call in values:
        with pytest.raises(ValueError) as info:
            call()
        assert isinstance(info.value, rnnwf.Error) and info.value.status in (
            rnnwf.ERR_INVALID_ARGUMENT, rnnwf.ERR_BUFFER_SIZE)
    types = [
        lambda: rnnwf.Model(hidden="many"),
        lambda: rnnwf.Model(lx=4.5),
        lambda: model.sample(3.0, seed=0),
        lambda: model.resize(6, 1, u1_total=3.0),
        lambda: model.log_psi(np.zeros((2, 4))),
        lambda: h4.add_term("one", "Z", [0]),
        lambda: rnnwf.Vmc(allreduce=42),
        lambda: rnnwf.Hamiltonian.parse(b"1.0 Z0"),
    ]
    for call in types:
        with pytest.raises(TypeError) as info:
            call()
        assert isinstance(info.value, rnnwf.Error) and info.value.status == rnnwf.ERR_INVALID_ARGUMENT
    # Other failures stay plain rnnwf.Error.
    with pytest.raises(rnnwf.Error) as info:
        rnnwf.Model.load("/nonexistent/model")
    assert not isinstance(info.value, (ValueError, TypeError))


def test_sign_and_sign_rule_are_one_field():
    with rnnwf.Model(lx=4, hidden=4, sign_rule="marshall") as m:
        assert m.config["sign_rule"] == "marshall"
    with pytest.raises(ValueError, match="same field"):
        rnnwf.Model(lx=4, sign="marshall", sign_rule="none")


def test_embedded_nul_is_refused(model, tmp_path):
    # C would read the string only up to the NUL: save("x\0.ckpt") would write "x".
    v = rnnwf.Vmc()
    for call in (lambda: model.save(str(tmp_path / "x\0.ckpt")),
                 lambda: rnnwf.Model.load(str(tmp_path / "x\0.ckpt")),
                 lambda: v.save(str(tmp_path / "x\0.opt")),
                 lambda: v.load(str(tmp_path / "x\0.opt")),
                 lambda: rnnwf.Hamiltonian.parse("-1 Z0 Z1\0\n-1 X0", n_sites=2),
                 lambda: rnnwf.Hamiltonian(2).add_term(1.0, "Z\0", [0])):
        with raises(rnnwf.ERR_INVALID_ARGUMENT, "NUL") as info:
            call()
        assert isinstance(info.value, ValueError)
    assert list(tmp_path.iterdir()) == []
