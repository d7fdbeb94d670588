"""Handles under threads: never freed under a running call, writers serialised against
readers, readers concurrent, a clear error on a closed handle. Without the use counts these
tests crash the interpreter (SIGSEGV) or see results of neither parameter set."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import rnnwf


def _run_in_thread(fn):
    """Starts ``fn`` on a thread; returns (thread, outcomes: a list of results or errors)."""
    outcomes: list = []

    def body():
        try:
            outcomes.append(fn())
        except BaseException as exc:  # noqa: BLE001 - checked by the test
            outcomes.append(exc)

    t = threading.Thread(target=body)
    t.start()
    return t, outcomes


def _entered(handle, function: str) -> threading.Event:
    """An event set once a call of the C ``function`` holds its use of ``handle``."""
    event = threading.Event()
    acquire = handle._acquire

    def spy(exclusive, what):
        acquire(exclusive, what)
        if what.startswith(function):
            event.set()

    handle._acquire = spy
    return event


def test_close_waits_for_a_running_call_then_refuses():
    m = rnnwf.Model(lx=40, hidden=64, seed=3)
    reference = m.sample(20000, seed=5)
    inside = _entered(m, "rnnwf_sample")
    t, outcomes = _run_in_thread(lambda: m.sample(20000, seed=5))
    assert inside.wait(30)
    m.close()  # returns once the sample is done; the handle is not freed under it
    t.join()
    assert m.closed and not m._finalizer.alive
    configs, log_psi = outcomes[0]
    np.testing.assert_array_equal(configs, reference[0])
    np.testing.assert_array_equal(log_psi, reference[1])
    with pytest.raises(rnnwf.ClosedError, match=r"rnnwf_\w+: this Model is closed"):
        m.sample(1, seed=0)


def test_closing_a_hamiltonian_during_local_energies_waits():
    m = rnnwf.Model(lx=40, hidden=64, seed=3)
    configs, _ = m.sample(4000, seed=1)
    h = rnnwf.Hamiltonian.tfim(40)
    reference = m.local_energies(h, configs)
    inside = _entered(h, "rnnwf_local_energies")
    t, outcomes = _run_in_thread(lambda: m.local_energies(h, configs))
    assert inside.wait(30)
    h.close()
    t.join()
    np.testing.assert_array_equal(outcomes[0], reference)
    with pytest.raises(rnnwf.ClosedError, match="Hamiltonian is closed") as info:
        m.local_energies(h, configs)
    assert info.value.status == rnnwf.ERR_NULL_POINTER and isinstance(info.value, ValueError)


def test_calls_waiting_for_a_use_give_up_when_the_handle_closes():
    m = rnnwf.Model(lx=40, hidden=64, seed=3)
    params = m.get_params()
    inside = _entered(m, "rnnwf_sample")
    sampler, _ = _run_in_thread(lambda: m.sample(20000, seed=5))
    assert inside.wait(30)
    # an exclusive call queues behind the running sample; close() then refuses it
    writer, outcomes = _run_in_thread(lambda: m.set_params(params))
    deadline = time.monotonic() + 30
    while not m._writers_waiting:
        assert time.monotonic() < deadline
        time.sleep(0.0005)
    m.close()
    sampler.join()
    writer.join()
    assert isinstance(outcomes[0], rnnwf.ClosedError)


def test_set_params_is_serialised_against_sampling():
    m = rnnwf.Model(lx=12, hidden=16, seed=1)
    p1 = m.get_params()
    p2 = p1 + 0.3
    expected = []
    for p in (p1, p2):
        m.set_params(p)
        expected.append(m.sample(3000, seed=9)[1])
    stop = threading.Event()

    def flip():
        while not stop.is_set():
            m.set_params(p1)
            m.set_params(p2)

    flipper, _ = _run_in_thread(flip)
    try:
        for _ in range(40):
            log_psi = m.sample(3000, seed=9)[1]
            assert any(np.array_equal(log_psi, e) for e in expected), "a sample mixing two parameter sets"
    finally:
        stop.set()
        flipper.join()


def test_readers_run_concurrently():
    # Two samples on the same model overlap in time: shared uses do not serialise.
    m = rnnwf.Model(lx=40, hidden=64, seed=3)
    inside = []
    lock = threading.Lock()
    original = m._acquire

    def counting(exclusive, what):
        original(exclusive, what)
        with lock:
            inside.append(m._shared)

    m._acquire = counting
    threads = [_run_in_thread(lambda: m.sample(20000, seed=5)) for _ in range(2)]
    for t, _ in threads:
        t.join()
    assert max(inside) == 2, "the second sample waited for the first"
    m._acquire = original


def test_a_step_is_exclusive_on_its_model_and_vmc():
    h = rnnwf.Hamiltonian.tfim(8)
    m = rnnwf.Model(lx=8, hidden=8, seed=2)
    v = rnnwf.Vmc(optimizer="adam", n_samples=64, learning_rate=0.01, seed=1)
    seen = []

    def hook(buf):
        # during the step, another thread's read of the model waits for the step to end
        t, _ = _run_in_thread(lambda: m.num_params)
        t.join(0.2)
        seen.append(t.is_alive())

    v.set_allreduce(hook)
    v.step(m, h)
    assert seen and all(seen), "a reader ran during the step"


def test_closing_the_model_or_vmc_during_a_step_waits_for_it():
    h = rnnwf.Hamiltonian.tfim(20)
    for close_vmc in (False, True):
        m = rnnwf.Model(lx=20, hidden=32, seed=2)
        v = rnnwf.Vmc(optimizer="adam", n_samples=2000, learning_rate=0.01, seed=1)
        target = v if close_vmc else m
        inside = _entered(target, "rnnwf_vmc_step")
        t, outcomes = _run_in_thread(lambda: v.step(m, h))
        assert inside.wait(30)
        target.close()
        t.join()
        assert outcomes[0].step == 0 and target.closed
        with pytest.raises(rnnwf.ClosedError, match=f"this {type(target).__name__} is closed"):
            v.step(m, h)
