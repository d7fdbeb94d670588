"""The package gives what the C API gives on the same seeds: the C functions are called here
through ctypes with hand-written struct layouts from include/rnnwf.h, not through the
package's cffi layer."""

from __future__ import annotations

import ctypes as C

import numpy as np
import pytest

import rnnwf

# Known leading fields of each config; the padding leaves room for fields appended later
# (rnnwf_*_config_init writes struct_size and every field).
class ModelConfig(C.Structure):
    _fields_ = [("struct_size", C.c_uint32), ("cell", C.c_uint32), ("lx", C.c_uint32),
                ("ly", C.c_uint32), ("local_dim", C.c_uint32), ("hidden", C.c_uint32),
                ("layers", C.c_uint32), ("phase", C.c_uint32), ("sign_rule", C.c_uint32),
                ("u1_total", C.c_int32), ("seed", C.c_uint64), ("_room", C.c_uint8 * 256)]


class VmcConfig(C.Structure):
    _fields_ = [("struct_size", C.c_uint32), ("optimizer", C.c_uint32), ("n_samples", C.c_uint64),
                ("learning_rate", C.c_double), ("adam_beta1", C.c_double), ("adam_beta2", C.c_double),
                ("adam_eps", C.c_double), ("sr_diag_shift", C.c_double), ("grad_clip", C.c_double),
                ("temperature", C.c_double), ("seed", C.c_uint64), ("preconditioner", C.c_uint32),
                ("sr_momentum", C.c_double), ("_room", C.c_uint8 * 256)]


class Estimate(C.Structure):
    _fields_ = [("mean_re", C.c_double), ("mean_im", C.c_double), ("error", C.c_double),
                ("variance", C.c_double), ("n", C.c_uint64)]


class VmcStats(C.Structure):
    _fields_ = [("struct_size", C.c_uint32), ("step", C.c_uint64), ("energy", Estimate),
                ("grad_norm", C.c_double), ("seconds", C.c_double), ("sr_solver", C.c_uint32)]


def ok(status: int) -> None:
    assert status == 0, f"C call failed with status {status}"


def c_model(clib, **fields):
    cfg = ModelConfig()
    ok(clib.rnnwf_model_config_init(C.byref(cfg)))
    for k, v in fields.items():
        setattr(cfg, k, v)
    m = C.c_void_p()
    ok(clib.rnnwf_model_new(C.byref(cfg), C.byref(m)))
    return m


def c_tfim(clib, lx):
    h = C.c_void_p()
    ok(clib.rnnwf_hamiltonian_tfim(C.c_uint32(lx), C.c_uint32(1), C.c_uint32(0), C.c_double(1.0),
                                   C.c_double(1.0), C.byref(h)))
    return h


def c_params(clib, m, n):
    out = np.empty(n, dtype=np.float64)
    ok(clib.rnnwf_model_get_params(m, out.ctypes.data_as(C.c_void_p), C.c_size_t(n)))
    return out


# Codes as include/rnnwf.h defines them (RNNWF_CELL_GRU, RNNWF_PHASE_SOFTSIGN, RNNWF_OPT_*),
# not from the package's tables.
FIELDS = dict(lx=8, hidden=6, seed=11, cell=1, phase=1)
OPT_CODES = {"adam": 1, "sr": 2}
# The same model through the package, by names.
PY_FIELDS = dict(lx=8, hidden=6, seed=11, cell="gru", phase="softsign")


def test_samples_and_energies_agree(clib):
    m = c_model(clib, **FIELDS)
    h = c_tfim(clib, 8)
    n = 64
    configs = np.empty((n, 8), dtype=np.uint8)
    log_psi = np.empty(n, dtype=np.complex128)
    ok(clib.rnnwf_sample(m, C.c_uint64(42), C.c_size_t(n), configs.ctypes.data_as(C.c_void_p),
                         log_psi.ctypes.data_as(C.c_void_p)))
    e_loc = np.empty(n, dtype=np.complex128)
    ok(clib.rnnwf_local_energies(m, h, configs.ctypes.data_as(C.c_void_p), C.c_size_t(n),
                                 e_loc.ctypes.data_as(C.c_void_p)))
    est = Estimate()
    ok(clib.rnnwf_expectation(m, h, C.c_uint64(5), C.c_size_t(300), C.byref(est)))
    e0 = C.c_double()
    ok(clib.rnnwf_exact_ground_energy(h, C.byref(e0)))

    with rnnwf.Model(**PY_FIELDS) as pm, rnnwf.Hamiltonian.tfim(8) as ph:
        py_configs, py_log_psi = pm.sample(n, seed=42)
        np.testing.assert_array_equal(py_configs, configs)
        np.testing.assert_array_equal(py_log_psi, log_psi)
        np.testing.assert_array_equal(pm.local_energies(ph, configs), e_loc)
        py_est = pm.expectation(ph, 300, seed=5)
        assert (py_est.mean_re, py_est.error, py_est.variance, py_est.n) == (
            est.mean_re, est.error, est.variance, est.n)
        assert ph.exact_ground_energy() == e0.value
    clib.rnnwf_model_free(m)
    clib.rnnwf_hamiltonian_free(h)


@pytest.mark.parametrize("optimizer", ["adam", "sr"])
def test_training_steps_agree(clib, optimizer):
    m = c_model(clib, **FIELDS)
    h = c_tfim(clib, 8)
    cfg = VmcConfig()
    ok(clib.rnnwf_vmc_config_init(C.byref(cfg)))
    cfg.optimizer = OPT_CODES[optimizer]
    cfg.n_samples = 128
    cfg.learning_rate = 0.02
    cfg.seed = 7
    v = C.c_void_p()
    ok(clib.rnnwf_vmc_new(C.byref(cfg), C.byref(v)))
    c_energies = []
    for _ in range(4):
        stats = VmcStats(struct_size=C.sizeof(VmcStats))
        ok(clib.rnnwf_vmc_step(v, m, h, C.byref(stats)))
        c_energies.append((stats.step, stats.energy.mean_re, stats.energy.n, stats.grad_norm,
                           stats.sr_solver))
    n_params = C.c_size_t()
    ok(clib.rnnwf_model_num_params(m, C.byref(n_params)))
    c_final = c_params(clib, m, n_params.value)

    with rnnwf.Model(**PY_FIELDS) as pm, rnnwf.Hamiltonian.tfim(8) as ph, \
            rnnwf.Vmc(optimizer=optimizer, n_samples=128, learning_rate=0.02, seed=7) as pv:
        py_energies = []
        for _ in range(4):
            s = pv.step(pm, ph)
            py_energies.append((s.step, s.energy.mean_re, s.energy.n, s.grad_norm,
                                rnnwf.SR_SOLVERS[s.sr_solver]))
        assert py_energies == c_energies
        np.testing.assert_array_equal(pm.get_params(), c_final)
    clib.rnnwf_vmc_free(v)
    clib.rnnwf_model_free(m)
    clib.rnnwf_hamiltonian_free(h)


def test_error_message_is_the_libraries(clib):
    cfg = ModelConfig()
    ok(clib.rnnwf_model_config_init(C.byref(cfg)))
    cfg.hidden = 0
    m = C.c_void_p()
    status = clib.rnnwf_model_new(C.byref(cfg), C.byref(m))
    n = clib.rnnwf_last_error(None, C.c_size_t(0))
    buf = C.create_string_buffer(n + 1)
    clib.rnnwf_last_error(buf, C.c_size_t(n + 1))
    with pytest.raises(rnnwf.Error) as info:
        rnnwf.Model(hidden=0)
    assert info.value.status == status
    assert info.value.message == buf.value.decode()
