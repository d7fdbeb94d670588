"""Ctrl-C: SIGINT sent from a thread, as a terminal would. A long read-only call stops at
once (KeyboardInterrupt, nothing changed); Vmc.run stops at the next step boundary with the
model, the log and the checkpoint all at the last completed step."""

from __future__ import annotations

import os
import subprocess
import sys
import signal
import threading
import time

import numpy as np
import pytest

import rnnwf
from waiting import until


@pytest.fixture(autouse=True)
def python_sigint_handler():
    """Python's own SIGINT handler, as in a terminal (a process started in the background
    inherits SIGINT ignored)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _interrupt_after(seconds: float) -> threading.Timer:
    t = threading.Timer(seconds, lambda: signal.pthread_kill(threading.main_thread().ident, signal.SIGINT))
    t.start()
    return t


def test_ctrl_c_stops_a_long_read_only_call_at_once():
    m = rnnwf.Model(lx=20, hidden=32, seed=1)
    h = rnnwf.Hamiltonian.tfim(20)
    before = m.get_params()
    t0 = time.monotonic()
    _interrupt_after(0.3)
    with pytest.raises(KeyboardInterrupt):
        m.exact_expectation(h)  # 2^20 configurations: seconds
    interrupted = time.monotonic() - t0
    # the model is as it was (a read runs beside the interrupted call, still on its worker)
    np.testing.assert_array_equal(m.get_params(), before)
    # close() waits for the worker instead of freeing the model under it
    m.close()
    full = time.monotonic() - t0
    assert interrupted < 1.5, f"KeyboardInterrupt after {interrupted:.2f} s (the call took {full:.2f} s)"
    if full < interrupted + 0.5:
        pytest.skip(f"exact_expectation took only {full:.2f} s here: too short to tell")


def test_ctrl_c_while_waiting_for_a_use_leaves_the_line():
    # set_params waits in line behind another thread's read; Ctrl-C there raises at once,
    # changes nothing, and leaves no stale place in the line: a read queued behind it
    # enters beside the running one.
    m = rnnwf.Model(lx=6, hidden=8, seed=1)
    before = m.get_params()
    release = threading.Event()

    def hold():
        m._acquire(False, "hold: ")
        try:
            release.wait(60)
        finally:
            m._release(False)

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    try:
        until(lambda: m._shared == 1, "the holder to enter")
        reads: list = []
        late = threading.Thread(target=lambda: reads.append(m.num_sites), daemon=True)

        def queue_a_read_then_interrupt():
            until(lambda: len(m._queue) == 1, "set_params to queue")
            late.start()
            until(lambda: len(m._queue) == 2, "the read to queue")
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)

        threading.Thread(target=queue_a_read_then_interrupt, daemon=True).start()
        with pytest.raises(KeyboardInterrupt):
            m.set_params(before + 1.0)
        late.join(60)
        assert reads == [6], "the read behind the interrupted set_params never entered"
        assert not m._queue
    finally:
        release.set()
        holder.join(60)
    assert not holder.is_alive()
    np.testing.assert_array_equal(m.get_params(), before)
    m.set_params(before + 1.0)  # the exclusive use is free again
    np.testing.assert_array_equal(m.get_params(), before + 1.0)


def test_ctrl_c_during_run_stops_at_a_step_boundary(tmp_path):
    h = rnnwf.Hamiltonian.tfim(10)

    def fresh():
        return (rnnwf.Model(lx=10, hidden=16, seed=1),
                rnnwf.Vmc(optimizer="adam", n_samples=500, learning_rate=0.01, seed=3))

    model, vmc = fresh()
    log = tmp_path / "log.jsonl"
    steps = []

    def callback(stats):
        steps.append(stats.step)
        if len(steps) == 2:
            _interrupt_after(0.01)  # arrives during the third step

    with pytest.raises(KeyboardInterrupt):
        vmc.run(model, h, steps=50, log=log, progress=False, callback=callback,
                checkpoint=tmp_path / "ckpt", checkpoint_every=1000)
    done = len(steps)
    assert 2 <= done < 50
    assert len(log.read_text().splitlines()) == done  # every completed step logged
    # the model is that of exactly `done` completed steps, as a run without Ctrl-C gives
    reference, ref_vmc = fresh()
    for _ in range(done):
        ref_vmc.step(reference, h)
    np.testing.assert_array_equal(model.get_params(), reference.get_params())
    # the checkpoint holds the same, and the run resumes from it
    saved, saved_vmc = rnnwf.load_checkpoint(tmp_path / "ckpt")
    np.testing.assert_array_equal(saved.get_params(), reference.get_params())
    assert saved_vmc.step(saved, h).step == done
    # SIGINT has Python's handler again
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_run_leaves_a_host_sigint_handler_alone():
    seen = []
    previous = signal.signal(signal.SIGINT, lambda *a: seen.append(a[0]))
    try:
        h = rnnwf.Hamiltonian.tfim(4)
        m, v = rnnwf.Model(lx=4, hidden=4), rnnwf.Vmc(n_samples=16)
        v.run(m, h, steps=2, progress=False,
              callback=lambda s: os.kill(os.getpid(), signal.SIGINT))
        time.sleep(0.05)
        assert seen == [signal.SIGINT, signal.SIGINT]
    finally:
        signal.signal(signal.SIGINT, previous)


def test_exiting_after_ctrl_c_does_not_free_a_handle_under_its_call():
    # The interrupted call still runs on its worker when the interpreter exits; freeing
    # the model at exit (as finalizers did) crashed it (a panic or SIGSEGV).
    script = """if True:
        import signal, threading, rnnwf
        signal.signal(signal.SIGINT, signal.default_int_handler)
        m = rnnwf.Model(lx=20, hidden=32, seed=1)
        h = rnnwf.Hamiltonian.tfim(20)
        threading.Timer(0.3, lambda: signal.pthread_kill(threading.main_thread().ident,
                                                         signal.SIGINT)).start()
        m.exact_expectation(h)
    """
    for _ in range(3):
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
        assert "KeyboardInterrupt" in done.stderr
        assert "panic" not in done.stderr and "backtrace" not in done.stderr, done.stderr
        assert done.returncode in (1, 130, -signal.SIGINT), (done.returncode, done.stderr)


def test_an_interrupted_call_keeps_its_arrays_alive():
    # A call interrupted by Ctrl-C runs on in its worker after the caller's frame, and its
    # arrays, are gone: the pointers it was given must keep the arrays they point into.
    import gc
    import weakref

    from rnnwf._arrays import ptr

    a = np.zeros(1000, dtype=np.uint8)
    alive = weakref.ref(a)
    p = ptr("uint8_t *", a)
    del a
    gc.collect()
    assert alive() is not None
    del p
    gc.collect()
    assert alive() is None


def test_ctrl_c_inside_the_reduction_hook_cancels_the_step():
    # Under Python's own SIGINT handler, KeyboardInterrupt raised inside the hook would fail
    # this process's reduction alone (ERR_CALLBACK; other processes would wait in theirs):
    # the step is cancelled instead, KeyboardInterrupt raised once it has returned, and
    # nothing changes.
    model, vmc, h = rnnwf.Model(lx=8, hidden=8, seed=1), rnnwf.Vmc(n_samples=64, seed=3), rnnwf.Hamiltonian.tfim(8)
    calls = []

    def hook(buf):
        calls.append(len(buf))
        if len(calls) == 1:
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
            time.sleep(0.3)  # the handler runs in here; the watcher asks to cancel

    vmc.set_allreduce(hook)
    before = model.get_params()
    with pytest.raises(KeyboardInterrupt):
        vmc.step(model, h)
    np.testing.assert_array_equal(model.get_params(), before)
    assert vmc.step_count == 0
    assert vmc.step(model, h).step == 0  # the next step runs (no stale request)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def _long_step_setup():
    """A model and a driver whose step takes a good while (many chunks of 256 samples)."""
    h = rnnwf.Hamiltonian.tfim(64)
    return rnnwf.Model(lx=64, hidden=32, seed=1), rnnwf.Vmc(n_samples=4096, seed=3), h


@pytest.mark.parametrize("kind", ["step", "fit_step"])
def test_ctrl_c_inside_a_single_step_cancels_it_with_nothing_changed(kind):
    # A real SIGINT while the main thread is inside the C step: the step stops at its next
    # chunk boundary (KeyboardInterrupt long before it would have ended), the model and the
    # step counter are as before it, and the next step runs in full (no stale request).
    model, vmc, h = _long_step_setup()
    data = np.zeros((4096, 64), dtype=np.uint8)

    def one_step():
        return vmc.step(model, h) if kind == "step" else vmc.fit_step(model, data)

    t0 = time.monotonic()
    one_step()
    whole = time.monotonic() - t0
    before = model.get_params()
    _interrupt_after(whole / 10)
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        one_step()
    stopped = time.monotonic() - t0
    assert stopped < whole / 2, f"stopped after {stopped:.2f} s; a whole step takes {whole:.2f} s"
    np.testing.assert_array_equal(model.get_params(), before)
    if kind == "step":
        assert vmc.step(model, h).step == 1  # counted from 0: the cancelled step left no trace
    else:
        one_step()
    assert not np.array_equal(model.get_params(), before)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert signal.set_wakeup_fd(-1) == -1  # the wakeup fd is given back


def test_ctrl_c_inside_a_step_of_run_stops_the_run_at_once(tmp_path):
    # The run's first step is cancelled: KeyboardInterrupt long before the step would end,
    # the model as before the run, nothing logged.
    model, vmc, h = _long_step_setup()
    t0 = time.monotonic()
    vmc.step(model, h)
    whole = time.monotonic() - t0
    after_one = model.get_params()
    _interrupt_after(whole / 10)
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        vmc.run(model, h, steps=5, progress=False, log=tmp_path / "log.jsonl")
    assert time.monotonic() - t0 < whole / 2
    np.testing.assert_array_equal(model.get_params(), after_one)
    log = tmp_path / "log.jsonl"
    assert not log.exists() or log.read_text() == ""

