"""Model(total_sz=...) as NetKet spells it, beside u1_total, and the sectors named in errors
and warnings."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import rnnwf


def sz_sums(m: rnnwf.Model) -> np.ndarray:
    """Sum of s_z of each sample: site value 0 is up (+1/2), 1 down (-1/2)."""
    configs, _ = m.sample(200, seed=5)
    return (0.5 - configs).sum(axis=1)


@pytest.mark.parametrize("lx, ly, total_sz", [(10, 1, 0), (10, 1, 1), (5, 1, 0.5), (5, 1, -1.5), (3, 2, 0)])
def test_total_sz_is_the_sum_of_s_z_of_every_sample(lx, ly, total_sz):
    with rnnwf.Model(lx=lx, ly=ly, hidden=4, total_sz=total_sz, seed=2) as m:
        np.testing.assert_array_equal(sz_sums(m), total_sz)
        assert m.config["u1_total"] == lx * ly / 2 - total_sz  # the number of down spins


def test_u1_total_counts_down_spins():
    with rnnwf.Model(lx=10, hidden=4, u1_total=5, seed=2) as m:
        np.testing.assert_array_equal(sz_sums(m), 0)


def test_impossible_sectors_are_named():
    with pytest.raises(ValueError, match="half-integer"):
        rnnwf.Model(lx=5, total_sz=0)
    with pytest.raises(ValueError, match="at most 2.5"):
        rnnwf.Model(lx=5, total_sz=3.5)
    with pytest.raises(ValueError, match="multiple of 1/2"):
        rnnwf.Model(lx=4, total_sz=0.3)
    with pytest.raises(ValueError, match="not both"):
        rnnwf.Model(lx=4, total_sz=0, u1_total=2)
    with pytest.raises(TypeError, match="total_sz"):
        rnnwf.Model(lx=4, total_sz="zero")
    with pytest.raises(ValueError, match="u1_total = 9 is infeasible"):
        rnnwf.Model(lx=4, u1_total=9)


@pytest.mark.parametrize("u1_total, state", [(0, "every spin up"), (8, "every spin down")])
def test_a_single_configuration_sector_warns(u1_total, state):
    with pytest.warns(UserWarning, match=state) as record:
        rnnwf.Model(lx=8, hidden=4, u1_total=u1_total)
    assert "total_sz=0" in str(record[0].message) and "u1_total=4" in str(record[0].message)


def test_ordinary_sectors_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rnnwf.Model(lx=8, hidden=4, u1_total=4).close()
        rnnwf.Model(lx=8, hidden=4).close()
        rnnwf.Model(lx=8, hidden=4, total_sz=0).close()


def test_resize_takes_total_sz():
    with rnnwf.Model(lx=4, ly=4, hidden=4, total_sz=0, seed=1) as m, m.resize(6, 6, total_sz=0) as big:
        assert big.config["u1_total"] == 18
        np.testing.assert_array_equal(sz_sums(big), 0)

