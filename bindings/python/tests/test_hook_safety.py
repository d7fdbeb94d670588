"""The reduction hook cannot reach library memory after its call, cannot re-enter its own
Vmc, and cannot silently drop its sum by returning it instead of reducing in place."""

from __future__ import annotations

import numpy as np
import pytest

import rnnwf


@pytest.fixture
def h():
    with rnnwf.Hamiltonian.tfim(6) as op:
        yield op


def _pair(h, hook):
    """Two identical models, one stepped without a hook and one with ``hook`` (which must
    leave the sums as they are), for comparison."""
    m1, m2 = rnnwf.Model(lx=6, hidden=8, seed=2), rnnwf.Model(lx=6, hidden=8, seed=2)
    plain = rnnwf.Vmc(optimizer="adam", n_samples=50, learning_rate=0.01, seed=1)
    hooked = rnnwf.Vmc(optimizer="adam", n_samples=50, learning_rate=0.01, seed=1, allreduce=hook)
    return m1, m2, plain, hooked


def test_a_kept_hook_array_is_not_library_memory(h):
    kept = []
    m1, m2, plain, hooked = _pair(h, kept.append)
    plain.step(m1, h)
    hooked.step(m2, h)
    assert len(kept) == 3 and all(k.flags.owndata for k in kept)
    # Writing the kept arrays after the step (the library's buffers are gone) changes
    # nothing: the next steps agree bit for bit with the run without a hook.
    for k in kept:
        k[:] = 1e300
    for _ in range(2):
        a, b = plain.step(m1, h), hooked.step(m2, h)
        assert (a.energy.mean_re, a.grad_norm) == (b.energy.mean_re, b.grad_norm)
        for k in kept:
            k[:] = np.nan
    np.testing.assert_array_equal(m1.get_params(), m2.get_params())


def test_an_in_place_sum_still_reaches_the_library(h):
    # The copy is written back: doubling every buffer doubles the sample count.
    def double(buf):
        buf *= 2

    m1, m2, plain, hooked = _pair(h, double)
    assert hooked.step(m2, h).energy.n == 2 * plain.step(m1, h).energy.n


@pytest.mark.parametrize("reenter", [
    lambda v, m, h: v.set_learning_rate(0.5),
    lambda v, m, h: v.close(),
    lambda v, m, h: v.step(m, h),
    lambda v, m, h: v.set_allreduce(None),
    lambda v, m, h: m.set_params(m.get_params()),
    lambda v, m, h: m.sample(4, seed=0),
    lambda v, m, h: m.close(),
])
def test_a_hook_reentering_its_step_is_refused(h, reenter):
    m = rnnwf.Model(lx=6, hidden=8, seed=2)
    before = m.get_params()
    v = rnnwf.Vmc(optimizer="adam", n_samples=50, learning_rate=0.01, seed=1)
    v.set_allreduce(lambda buf: reenter(v, m, h))
    with pytest.raises(rnnwf.Error) as info:
        v.step(m, h)
    assert info.value.status == rnnwf.ERR_CALLBACK
    assert isinstance(info.value.__cause__, rnnwf.ReentryError), info.value
    assert "in use by a call running on this thread" in str(info.value.__cause__)
    # nothing changed, and both handles still work
    assert not v.closed and not m.closed
    np.testing.assert_array_equal(m.get_params(), before)
    assert v.config["learning_rate"] == 0.01
    v.set_allreduce(None)
    assert v.step(m, h).step == 0


def test_a_hook_may_read_the_hamiltonian_and_other_models(h):
    # Shared uses nest: reading what the step only reads is allowed from the hook.
    other = rnnwf.Model(lx=6, hidden=8, seed=7)
    seen = []

    def hook(buf):
        seen.append((h.num_terms, other.sample(2, seed=1)[0].shape))

    m = rnnwf.Model(lx=6, hidden=8, seed=2)
    rnnwf.Vmc(n_samples=20, allreduce=hook).step(m, h)
    assert seen == [(h.num_terms, (2, 6))] * 3


def test_a_hook_returning_the_sum_is_an_error(h):
    # mpi4py's lowercase allreduce returns the sum and leaves its argument alone: that
    # reduction would be lost, so it fails the step.
    m = rnnwf.Model(lx=6, hidden=8, seed=2)
    before = m.get_params()
    v = rnnwf.Vmc(n_samples=20, allreduce=lambda buf: buf * 2)
    with pytest.raises(rnnwf.Error, match=r"returned an object \(ndarray\) instead of summing") as info:
        v.step(m, h)
    assert info.value.status == rnnwf.ERR_CALLBACK
    np.testing.assert_array_equal(m.get_params(), before)
    # returning the argument itself (buf += ...; return buf) is fine
    v.set_allreduce(lambda buf: buf)
    assert v.step(m, h).step == 0
