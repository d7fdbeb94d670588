"""Handles under threads: never freed under a running call, writers serialised against
readers, readers concurrent, a clear error on a closed handle. Without the use counts these
tests crash the interpreter (SIGSEGV) or see results of neither parameter set."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import rnnwf
from waiting import TIMEOUT, join as _join, until as _until


def _run_in_thread(fn):
    """Starts ``fn`` on a daemon thread; returns (thread, outcomes: a list of results or
    errors)."""
    outcomes: list = []

    def body():
        try:
            outcomes.append(fn())
        except BaseException as exc:  # noqa: BLE001 - checked by the test
            outcomes.append(exc)

    t = threading.Thread(target=body, daemon=True)
    t.start()
    return t, outcomes


def _queued(handle, exclusive: bool) -> int:
    """How many calls wait in line for a use of ``handle`` of this kind."""
    with handle._cond:
        return sum(t.exclusive == exclusive for t in handle._queue)


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
    assert inside.wait(TIMEOUT)
    m.close()  # returns once the sample is done; the handle is not freed under it
    _join(t)
    assert m.closed and not m._finalizer.alive
    configs, log_psi = outcomes[0]
    np.testing.assert_array_equal(configs, reference[0])
    np.testing.assert_array_equal(log_psi, reference[1])
    with pytest.raises(rnnwf.ClosedError, match=r"rnnwf_\w+: this Model is closed"):
        m.sample(1, seed=0)


def test_closing_a_hamiltonian_during_local_energies_waits():
    m = rnnwf.Model(lx=40, hidden=64, seed=3)
    configs, _ = m.sample(1000, seed=1)
    h = rnnwf.Hamiltonian.tfim(40)
    reference = m.local_energies(h, configs)
    inside = _entered(h, "rnnwf_local_energies")
    t, outcomes = _run_in_thread(lambda: m.local_energies(h, configs))
    assert inside.wait(TIMEOUT)
    h.close()
    _join(t)
    np.testing.assert_array_equal(outcomes[0], reference)
    with pytest.raises(rnnwf.ClosedError, match="Hamiltonian is closed") as info:
        m.local_energies(h, configs)
    assert info.value.status == rnnwf.ERR_NULL_POINTER and isinstance(info.value, ValueError)


def test_calls_waiting_for_a_use_give_up_when_the_handle_closes():
    m = rnnwf.Model(lx=40, hidden=64, seed=3)
    params = m.get_params()
    inside = _entered(m, "rnnwf_sample")
    sampler, _ = _run_in_thread(lambda: m.sample(20000, seed=5))
    assert inside.wait(TIMEOUT)
    # an exclusive call queues behind the running sample, and a read behind it; close()
    # then refuses both
    writer, written = _run_in_thread(lambda: m.set_params(params))
    _until(lambda: _queued(m, True) == 1, "set_params to queue")
    reader, read = _run_in_thread(lambda: m.num_params)
    _until(lambda: _queued(m, False) == 1, "num_params to queue")
    m.close()
    for t in (sampler, writer, reader):
        _join(t)
    assert isinstance(written[0], rnnwf.ClosedError) and isinstance(read[0], rnnwf.ClosedError)
    assert not m._queue


def test_set_params_is_serialised_against_sampling():
    # One thread flips the parameters between two sets as fast as it can while another
    # samples: each sample must be exactly that of one set. Without the exclusive use most
    # samples mix the two; with a guard that lets the flipping writer starve the reader
    # (or the reverse) this never finished.
    m = rnnwf.Model(lx=12, hidden=16, seed=1)
    p1 = m.get_params()
    p2 = p1 + 0.3
    expected = []
    for p in (p1, p2):
        m.set_params(p)
        expected.append(m.sample(3000, seed=9)[1])
    assert not np.array_equal(expected[0], expected[1])
    stop = threading.Event()
    flips = [0]

    def flip():
        while not stop.is_set():
            m.set_params(p1)
            m.set_params(p2)
            flips[0] += 1

    def sample():
        seen = [0, 0]
        started = flips[0]
        for _ in range(40):
            log_psi = m.sample(3000, seed=9)[1]
            matches = [np.array_equal(log_psi, e) for e in expected]
            assert sum(matches) == 1, "a sample mixing two parameter sets"
            seen[matches.index(True)] += 1
        return seen, flips[0] - started

    flipper, flipped = _run_in_thread(flip)
    sampler, sampled = _run_in_thread(sample)
    try:
        _join(sampler)  # a starved sampler fails here
    finally:
        stop.set()
        _join(flipper)
    assert flipped == [None]
    if isinstance(sampled[0], BaseException):
        raise sampled[0]
    seen, flips_during = sampled[0]
    assert sum(seen) == 40
    # the writer was not starved either: it flipped while the samples ran
    assert flips_during > 0


def test_waiting_calls_enter_in_the_order_they_came():
    # The line, step by step, with uses taken by hand: a reader arriving behind a waiting
    # writer waits for it even though only readers run, and a writer coming back for the
    # use right after its own call queues behind the readers that waited for that call.
    m = rnnwf.Model(lx=4, hidden=4, seed=1)
    entered: list[str] = []

    def use(name, exclusive, hold: threading.Event):
        def body():
            m._acquire(exclusive, name)
            entered.append(name)
            try:
                assert hold.wait(TIMEOUT)
            finally:
                m._release(exclusive)
        return _run_in_thread(body)[0]

    go = {k: threading.Event() for k in ("r1", "w1", "r2", "r3", "w2")}
    r1 = use("r1", False, go["r1"])
    _until(lambda: entered == ["r1"], "r1 to enter")
    w1 = use("w1", True, go["w1"])
    _until(lambda: _queued(m, True) == 1, "w1 to queue")
    r2 = use("r2", False, go["r2"])
    r3 = use("r3", False, go["r3"])
    _until(lambda: _queued(m, False) == 2, "r2 and r3 to queue")
    time.sleep(0.05)
    assert entered == ["r1"], "a reader overtook the waiting writer"
    go["r1"].set()
    _until(lambda: entered == ["r1", "w1"], "w1 to enter after r1")
    w2 = use("w2", True, go["w2"])
    _until(lambda: _queued(m, True) == 1, "w2 to queue")
    go["w1"].set()
    # both waiting readers enter together, before the writer that came after them
    _until(lambda: sorted(entered[2:]) == ["r2", "r3"], "r2 and r3 to enter after w1")
    time.sleep(0.05)
    assert "w2" not in entered and m._shared == 2
    go["r2"].set()
    go["r3"].set()
    _until(lambda: entered[-1] == "w2", "w2 to enter after the readers")
    go["w2"].set()
    for t in (r1, w1, r2, r3, w2):
        _join(t)
    assert not m._queue and not m._shared and not m._exclusive


def test_a_stream_of_readers_does_not_starve_a_writer():
    # Two threads sample back to back without a pause; set_params still gets its turn
    # each time, behind the samples running when it came.
    m = rnnwf.Model(lx=12, hidden=16, seed=1)
    p = m.get_params()
    stop = threading.Event()

    def read():
        n = 0
        while not stop.is_set():
            m.sample(2000, seed=n)
            n += 1
        return n

    def write():
        for k in range(20):
            m.set_params(p + k)

    readers = [_run_in_thread(read) for _ in range(2)]
    try:
        _until(lambda: m._shared > 0, "a reader to start")
        writer, wrote = _run_in_thread(write)
        _join(writer)  # a starved writer fails here
        assert wrote == [None]
    finally:
        stop.set()
        for t, _ in readers:
            _join(t)
    assert all(isinstance(out[0], int) and out[0] > 0 for _, out in readers)
    np.testing.assert_array_equal(m.get_params(), p + 19)


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
        _join(t)
    assert max(inside) == 2, "the second sample waited for the first"
    m._acquire = original


def test_a_step_is_exclusive_on_its_model_and_vmc():
    h = rnnwf.Hamiltonian.tfim(8)
    m = rnnwf.Model(lx=8, hidden=8, seed=2)
    v = rnnwf.Vmc(optimizer="adam", n_samples=64, learning_rate=0.01, seed=1)
    seen = []
    waiting: list[threading.Thread] = []

    def hook(buf):
        # during the step, another thread's read of the model waits for the step to end
        t, _ = _run_in_thread(lambda: m.num_params)
        t.join(0.2)
        seen.append(t.is_alive())
        waiting.append(t)

    v.set_allreduce(hook)
    v.step(m, h)
    for t in waiting:
        _join(t)  # and it runs once the step is done
    assert seen and all(seen), "a reader ran during the step"


def test_closing_the_model_or_vmc_during_a_step_waits_for_it():
    h = rnnwf.Hamiltonian.tfim(20)
    for close_vmc in (False, True):
        m = rnnwf.Model(lx=20, hidden=32, seed=2)
        v = rnnwf.Vmc(optimizer="adam", n_samples=2000, learning_rate=0.01, seed=1)
        target = v if close_vmc else m
        inside = _entered(target, "rnnwf_vmc_step")
        t, outcomes = _run_in_thread(lambda: v.step(m, h))
        assert inside.wait(TIMEOUT)
        target.close()
        _join(t)
        assert outcomes[0].step == 0 and target.closed
        with pytest.raises(rnnwf.ClosedError, match=f"this {type(target).__name__} is closed"):
            v.step(m, h)


def test_a_hook_reading_a_model_does_not_deadlock_with_a_queued_writer():
    # Thread A steps model 1 on h; its reduction hook reads model 2. Thread B steps model 2
    # on h (taking model 2, then h: model 2 comes first in the global order), and thread C
    # waits to change h. B holds model 2 and waits for h, C waits for A's read of h, A's hook
    # waits for model 2: a cycle, before reads by a thread holding other handles entered
    # past queued writers. Now B joins A's read of h, steps, and A's hook gets model 2.
    h = rnnwf.Hamiltonian.tfim(4)
    models = [rnnwf.Model(lx=4, hidden=4, seed=s) for s in range(8)]
    m2 = min((m for m in models if id(m) < id(h)), key=id, default=None)
    if m2 is None:
        pytest.skip("no model allocated below the operator here")
    m1 = next(m for m in models if m is not m2)
    v1, v2 = rnnwf.Vmc(n_samples=16), rnnwf.Vmc(n_samples=16, seed=2)
    terms = h.num_terms
    threads: dict = {}
    read: list = []

    def hook(buf):
        if read:
            return
        threads["C"] = _run_in_thread(lambda: h.add_term(0.5, "Z", [0]))
        _until(lambda: _queued(h, True) == 1, "C to wait for h")
        threads["B"] = _run_in_thread(lambda: v2.step(m2, h).step)
        _until(lambda: m2._exclusive or threads["B"][1], "B to take model 2")
        read.append(m2.num_params)

    v1.set_allreduce(hook)
    a, a_out = _run_in_thread(lambda: v1.step(m1, h).step)
    _join(a)
    for t, _ in threads.values():
        _join(t)
    assert a_out == [0] and threads["B"][1] == [0], (a_out, threads["B"][1])
    assert threads["C"][1] == [None]
    assert read == [m2.num_params]
    assert h.num_terms == terms + 1
