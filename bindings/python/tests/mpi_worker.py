"""Run on 2 MPI ranks by test_mpi.py: trains the 8-site Ising chain with Adam, then with SR
(conjugate gradient over both ranks' samples), through the communicator hook; checks that
both ranks hold bit-identical parameters and that the statistics count both ranks'
samples, and that a hook failing on every rank fails the step on every rank."""

from __future__ import annotations

import numpy as np
from mpi4py import MPI

import rnnwf

comm = MPI.COMM_WORLD
rank, size = comm.Get_rank(), comm.Get_size()
assert size == 2

h = rnnwf.Hamiltonian.tfim(8)
for settings in (dict(optimizer="adam", learning_rate=0.01), dict(optimizer="sr", learning_rate=0.05, sr_diag_shift=1e-3)):
    m = rnnwf.Model(lx=8, hidden=8, seed=5)
    v = rnnwf.Vmc(n_samples=100, seed=10 + rank, allreduce=comm, **settings)
    for _ in range(10):
        stats = v.step(m, h)
        assert stats.energy.n == 200, stats.energy.n
        # every rank sees the same statistics and the same parameters
        assert comm.allgather(stats.energy.mean_re)[0] == comm.allgather(stats.energy.mean_re)[1]
    params = comm.allgather(m.get_params())
    np.testing.assert_array_equal(params[0], params[1])
    # different seeds: the ranks drew different samples
    own = m.sample(20, seed=100 + rank)[0]
    others = comm.allgather(own)
    assert not np.array_equal(others[0], others[1])


def failing(buf):
    raise RuntimeError("network down")


m = rnnwf.Model(lx=8, hidden=8, seed=5)
v = rnnwf.Vmc(n_samples=100, seed=10 + rank, allreduce=failing)
try:
    v.step(m, h)
    raise AssertionError("the failing hook did not fail the step")
except rnnwf.Error as e:
    assert e.status == rnnwf.ERR_CALLBACK and "network down" in e.message
comm.Barrier()
print(f"rank ok {rank}", flush=True)
