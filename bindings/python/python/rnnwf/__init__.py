"""rnnwf: recurrent-neural-network wave functions and variational Monte Carlo for quantum
spin systems, over the library's C ABI (include/rnnwf.h).

>>> import rnnwf
>>> h = rnnwf.Hamiltonian.tfim(10)
>>> m = rnnwf.Model(lx=10, cell="gru", hidden=16, seed=1)
>>> v = rnnwf.Vmc(optimizer="minsr", n_samples=256, learning_rate=0.05, sr_diag_shift=1e-3, seed=3)
>>> history = v.run(m, h, steps=200, log="run/log.jsonl", checkpoint="run")
>>> m.exact_expectation(h).real, h.exact_ground_energy()
>>> rnnwf.plot_log("run/log.jsonl", "energy.png", reference=h.exact_ground_energy())
"""

from __future__ import annotations

from ._constants import (
    ABI_VERSION, BOUNDARIES, CELLS, ERR_BUFFER_SIZE, ERR_CALLBACK, ERR_CANCELLED, ERR_FORMAT,
    ERR_INVALID_ARGUMENT, ERR_IO, ERR_NULL_POINTER, ERR_NUMERICAL, ERR_OUT_OF_MEMORY, ERR_PANIC,
    ERR_UNSUPPORTED, OK, OPTIMIZERS, PHASES, PRECISIONS, PRECONDITIONERS, SIGNS, SR_SOLVERS,
    SYMMETRIES,
)
from ._errors import Error, InvalidType, InvalidValue, OutOfMemoryError, check, status_name
from ._handle import ClosedError, ReentryError
from ._native import lib as _lib
from .driver import History, load_checkpoint, read_log, save_checkpoint
from .estimate import Estimate, VmcStats
from .hamiltonian import Hamiltonian, three_sublattice_angles
from .model import Model
from .names import human
from .plot import plot_log
from .vmc import Vmc

__all__ = [
    "Error", "InvalidValue", "InvalidType", "OutOfMemoryError", "ClosedError", "ReentryError",
    "Estimate", "Hamiltonian",
    "History", "Model", "Vmc", "VmcStats", "abi_version", "human", "load_checkpoint", "plot_log",
    "read_log", "save_checkpoint", "set_num_threads", "status_name", "three_sublattice_angles",
    "version", "CELLS",
    "PHASES", "SIGNS", "OPTIMIZERS", "PRECONDITIONERS", "SYMMETRIES", "PRECISIONS",
    "BOUNDARIES", "SR_SOLVERS", "OK", "ERR_NULL_POINTER", "ERR_INVALID_ARGUMENT",
    "ERR_BUFFER_SIZE", "ERR_IO", "ERR_FORMAT", "ERR_NUMERICAL", "ERR_UNSUPPORTED",
    "ERR_CALLBACK", "ERR_OUT_OF_MEMORY", "ERR_CANCELLED", "ERR_PANIC",
]


def version() -> str:
    """The library's version, "MAJOR.MINOR.PATCH"."""
    from ._native import ffi

    return ffi.string(_lib.rnnwf_version()).decode()


def abi_version() -> int:
    """The ABI generation of the shipped library (ABI_VERSION for this package)."""
    return int(_lib.rnnwf_abi_version())


def set_num_threads(n: int) -> None:
    """The threads every later call computes on (0: all cores); results never depend on it."""
    from ._arrays import count

    check(_lib.rnnwf_set_num_threads(count(n, "n", 32)))


if abi_version() != ABI_VERSION:
    raise ImportError(f"rnnwf: the shipped library has ABI {abi_version()}, this package needs {ABI_VERSION}")

__version__ = version()
