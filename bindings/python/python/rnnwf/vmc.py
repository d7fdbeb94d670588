"""rnnwf.Vmc: a training run (``rnnwf_vmc``) and its reduction hook."""

from __future__ import annotations

import os
from typing import Any, Callable, Optional, TextIO, Union

import numpy as np
import numpy.typing as npt

from ._arrays import configs_in, count, ptr, real
from ._config import config_dict, make_config, sized
from ._constants import ERR_BUFFER_SIZE, ERR_CALLBACK
from ._errors import Error, check, error, invalid_type, last_error
from ._handle import Handle, new_handle
from ._native import ffi, lib
from . import driver
from .estimate import VmcStats
from .hamiltonian import Hamiltonian
from .model import Model

PathLike = Union[str, "os.PathLike[str]"]

# A reduction hook: an mpi4py communicator, or a function summing its argument (a float64
# array) in place over all processes.
Allreduce = Union[Callable[[np.ndarray], Any], Any]


class _Hook:
    """The C side of a Python reduction: a cffi callback calling ``reduce`` on a NumPy view
    of the library's buffer. An exception is kept (for the Error the step raises) and
    becomes a non-zero return, which fails the step with RNNWF_ERR_CALLBACK."""

    def __init__(self, reduce: Callable[[np.ndarray], Any]) -> None:
        self.reduce = reduce
        self.exception: BaseException | None = None
        self.callback = ffi.callback("rnnwf_allreduce_fn", self._call, error=-1, onerror=self._failed)

    def _call(self, buf: Any, length: int, user_data: Any) -> int:
        view = np.frombuffer(ffi.buffer(buf, length * 8), dtype=np.float64) if length else np.zeros(0)
        self.reduce(view)
        return 0

    def _failed(self, exc_type: type, exc: BaseException, tb: Any) -> None:
        self.exception = exc
        return None


def _communicator_reduce(comm: Any) -> Callable[[np.ndarray], None]:
    from mpi4py import MPI  # only needed for a communicator

    def reduce(buf: np.ndarray) -> None:
        comm.Allreduce(MPI.IN_PLACE, buf, op=MPI.SUM)

    return reduce


class Vmc(Handle):
    """A training run of one model: settings, step counter, optimiser state and the
    reduction hook.

    Keywords are the fields of ``rnnwf_vmc_config``; the ones left out keep the library's
    defaults (Adam, 1024 samples, learning rate 1e-3, sr_diag_shift 1e-4, seed 0, no
    preconditioner, ...). ``optimizer`` is "sgd" | "adam" | "minsr" (stochastic
    reconfiguration solved in sample space, then SGD; "sr" is accepted too, RNNWF_OPT_SR),
    ``preconditioner`` "none" | "sr" | "spring" (before "sgd" or "adam"; "spring" is SR with
    momentum and reads ``sr_momentum``); C codes work too.
    ``allreduce`` installs a reduction hook (see set_allreduce).

    >>> v = rnnwf.Vmc(optimizer="minsr", n_samples=256, learning_rate=0.05, sr_diag_shift=1e-3)
    >>> history = v.run(model, h, steps=300, log="run/log.jsonl")
    >>> stats = v.step(model, h); stats.energy.mean_re
    """

    def __init__(
        self,
        optimizer: str | int | None = None,
        n_samples: int | None = None,
        learning_rate: float | None = None,
        sr_diag_shift: float | None = None,
        seed: int | None = None,
        allreduce: Allreduce | None = None,
        **fields: Any,
    ) -> None:
        settings = dict(optimizer=optimizer, n_samples=n_samples, learning_rate=learning_rate,
                        sr_diag_shift=sr_diag_shift, seed=seed)
        settings.update(fields)
        cfg = make_config("rnnwf_vmc_config", lib.rnnwf_vmc_config_init, settings)
        super().__init__(new_handle("rnnwf_vmc", lib.rnnwf_vmc_new, cfg), lib.rnnwf_vmc_free)
        self._hook: _Hook | None = None
        if allreduce is not None:
            self.set_allreduce(allreduce)

    @property
    def config(self) -> dict[str, Any]:
        """The current settings, enumerations by name."""
        out = sized("rnnwf_vmc_config")
        check(lib.rnnwf_vmc_get_config(self._ptr, out))
        return config_dict(out)

    def set_allreduce(self, allreduce: Allreduce | None) -> None:
        """Installs the reduction that sums the step's sample sums over processes: an
        mpi4py communicator (``Allreduce(IN_PLACE, buf, SUM)``), or a callable summing
        the float64 array it gets in place; None removes it. An exception in the callable
        fails the step with Error status ERR_CALLBACK (the exception is its __cause__), and
        leaves the model and the optimiser unchanged. Every process must step together."""
        if allreduce is None:
            check(lib.rnnwf_vmc_set_allreduce(self._ptr, ffi.NULL, ffi.NULL))
            self._hook = None
            return
        if hasattr(allreduce, "Allreduce"):
            reduce = _communicator_reduce(allreduce)
        elif callable(allreduce):
            reduce = allreduce
        else:
            invalid_type(f"allreduce: expected an mpi4py communicator or a callable, got {allreduce!r}")
        hook = _Hook(reduce)
        check(lib.rnnwf_vmc_set_allreduce(self._ptr, hook.callback, ffi.NULL))
        self._hook = hook  # the callback lives as long as it is installed

    def _finish(self, status: int) -> None:
        thrown = self._hook.exception if self._hook is not None else None
        if self._hook is not None:
            self._hook.exception = None
        if status == 0:
            return
        message = last_error()
        if status == ERR_CALLBACK and thrown is not None:
            message += f" (the hook raised {type(thrown).__name__}: {thrown})"
        raise error(status, message) from thrown

    def step(self, model: Model, h: Hamiltonian) -> VmcStats:
        """One VMC step on ``h``: samples, local energies, gradient, update of ``model``.
        The statistics are those of the samples drawn before the update; on failure
        nothing changes."""
        out = sized("rnnwf_vmc_stats")
        self._finish(lib.rnnwf_vmc_step(self._ptr, model._ptr, h._ptr, out))
        return VmcStats._from_c(out)

    def sample(self, model: Model) -> np.ndarray:
        """The samples the next ``step`` draws: uint8 (n_samples, num_sites)."""
        n = int(self.config["n_samples"])
        out = np.zeros((n, model.num_sites), dtype=np.uint8)
        check(lib.rnnwf_vmc_sample(self._ptr, model._ptr, ptr("uint8_t *", out), ffi.NULL))
        return out

    def step_on_samples(self, model: Model, configs: npt.ArrayLike,
                        local_energies: npt.ArrayLike) -> VmcStats:
        """One step (gradient, preconditioner, update) on the host's samples and their
        local energies (complex, one per row); on failure nothing changes."""
        c = configs_in(configs, model.num_sites)
        e = np.ascontiguousarray(np.asarray(local_energies, dtype=np.complex128).ravel())
        if e.size != c.shape[0]:
            raise error(ERR_BUFFER_SIZE, f"local_energies has {e.size} values for {c.shape[0]} configs")
        out = sized("rnnwf_vmc_stats")
        self._finish(lib.rnnwf_vmc_step_on_samples(self._ptr, model._ptr, ptr("uint8_t *", c),
                                                   c.shape[0], ptr("rnnwf_complex *", e), out))
        return VmcStats._from_c(out)

    def run(
        self,
        model: Model,
        hamiltonian: Hamiltonian,
        steps: Optional[int] = None,
        minutes: Optional[float] = None,
        log: Optional[PathLike] = None,
        progress: Union[bool, TextIO] = True,
        callback: Optional[Callable[[VmcStats], Any]] = None,
        reference: Optional[float] = None,
        checkpoint: Optional[PathLike] = None,
        checkpoint_every: int = 100,
    ) -> "driver.History":
        """Trains ``model`` on ``hamiltonian`` until ``steps`` steps are done or ``minutes``
        have passed (whichever comes first; one of them is needed), and returns the
        History (``history["energy"]``, ``["error"]``, ... as arrays, one row per step).

        - ``log``: a path; each step appends one line of JSON with the fields the Rust
          examples write (docs/log-jsonl.md: step, energy, error, variance, relative_error
          when ``reference`` is given, grad_norm, seconds). A run from step 0 starts the
          file afresh; a resumed run (see ``checkpoint``) continues it.
        - ``progress``: True prints a progress line to stderr (energy +- standard error,
          relative error against ``reference``, time used and left), rewritten in place on
          a terminal; a text stream prints there; False prints nothing.
        - ``callback(stats)``: called after every step with its VmcStats; returning False
          stops the run (anything else continues). It may change the learning rate.
        - ``reference``: a known ground energy (exact or e.g. QMC) for the relative error.
        - ``checkpoint``: a folder; the model and the optimiser are saved there every
          ``checkpoint_every`` steps and at the end (``model.safetensors``,
          ``optimizer.safetensors``). ``rnnwf.load_checkpoint(folder)`` returns them, and
          running them on with the same ``log`` makes it read as one run.

        A failing step raises its Error; the log then holds every step before it.
        """
        return driver.run(self, model, hamiltonian, steps=steps, minutes=minutes, log=log,
                          progress=progress, callback=callback, reference=reference,
                          checkpoint=checkpoint, checkpoint_every=checkpoint_every)

    def fit_step(self, model: Model, data: npt.ArrayLike) -> float:
        """One SGD or Adam step on -<ln P(data)> over the rows of ``data`` (n, num_sites);
        returns that value before the step."""
        c = configs_in(data, model.num_sites, "data")
        out = ffi.new("double *")
        self._finish(lib.rnnwf_fit_step(self._ptr, model._ptr, ptr("uint8_t *", c), c.shape[0], out))
        return float(out[0])

    def set_learning_rate(self, learning_rate: float) -> None:
        """The learning rate of the following steps."""
        check(lib.rnnwf_vmc_set_learning_rate(self._ptr, real(learning_rate, "learning_rate")))

    def set_seed(self, seed: int) -> None:
        """The seed of the following steps' samples (under MPI, each rank its own)."""
        check(lib.rnnwf_vmc_set_seed(self._ptr, count(seed, "seed")))

    def set_diag_shift(self, shift: float) -> None:
        """SR's diagonal shift (sr_diag_shift) of the following steps."""
        check(lib.rnnwf_vmc_set_diag_shift(self._ptr, real(shift, "shift")))

    def set_n_samples(self, n_samples: int) -> None:
        """The samples per step on this process of the following steps (>= 1)."""
        check(lib.rnnwf_vmc_set_n_samples(self._ptr, count(n_samples, "n_samples")))

    def set_temperature(self, temperature: float) -> None:
        """The annealing temperature of the following steps (0: plain VMC)."""
        check(lib.rnnwf_vmc_set_temperature(self._ptr, real(temperature, "temperature")))

    def save(self, path: PathLike) -> None:
        """Writes settings, step counter and optimiser state; with Model.save beside it the
        two files resume a run bit for bit."""
        check(lib.rnnwf_vmc_save(self._ptr, os.fsencode(path)))

    def load(self, path: PathLike) -> None:
        """Replaces settings (seed included), step counter and optimiser state with a file
        written by save(); the reduction hook stays."""
        check(lib.rnnwf_vmc_load(self._ptr, os.fsencode(path)))

    def close(self) -> None:
        super().close()
        self._hook = None

    def __repr__(self) -> str:
        if self.closed:
            return "rnnwf.Vmc(<closed>)"
        args = ", ".join(f"{k}={v!r}" for k, v in self.config.items())
        return f"rnnwf.Vmc({args})"
