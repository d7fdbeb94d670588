"""rnnwf.Vmc: a training run (``rnnwf_vmc``) and its reduction hook."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from typing import Any, Callable, Iterator, Optional, TextIO, Union

import numpy as np
import numpy.typing as npt

from ._arrays import configs_in, count, ptr, real
from ._config import config_dict, make_config, sized
from ._constants import ERR_BUFFER_SIZE, ERR_CALLBACK, ERR_CANCELLED
from ._ctrl_c import CancelOnCtrlC
from ._errors import Error, error, invalid_type, last_error
from ._handle import Handle, c_string, call, held, new_handle
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
    """The C side of a Python reduction: a cffi callback calling ``reduce`` on a NumPy
    array holding a copy of the library's buffer, copied back when ``reduce`` returns. The
    copy is the hook's to keep: writing to it later cannot reach library memory, which is
    only valid during the call. An exception is kept (for the Error the step raises) and
    becomes a non-zero return, which fails the step with RNNWF_ERR_CALLBACK; so does a
    ``reduce`` that returns a new array instead of summing in place (mpi4py's lowercase
    ``allreduce`` returns the sum and leaves its argument as it was)."""

    def __init__(self, reduce: Callable[[np.ndarray], Any]) -> None:
        self.reduce = reduce
        self.exception: BaseException | None = None
        self.interrupted = False  # Ctrl-C arrived while the hook ran (_sigint_noted)
        self.callback = ffi.callback("rnnwf_allreduce_fn", self._call, error=-1, onerror=self._failed)

    def _call(self, buf: Any, length: int, user_data: Any) -> int:
        with _sigint_noted(self):
            return self._reduce(buf, length)

    def _reduce(self, buf: Any, length: int) -> int:
        library = np.frombuffer(ffi.buffer(buf, length * 8), dtype=np.float64) if length else None
        values = library.copy() if library is not None else np.zeros(0)
        returned = self.reduce(values)
        if returned is not None and returned is not values:
            raise Error(ERR_CALLBACK, (
                f"the reduction hook returned an object ({type(returned).__name__}) instead of summing "
                "its float64 array in place (mpi4py: comm.Allreduce(MPI.IN_PLACE, buf, op=MPI.SUM), "
                "not buf = comm.allreduce(buf))"))
        if library is not None:
            library[:] = values
        return 0

    def _failed(self, exc_type: type, exc: BaseException, tb: Any) -> None:
        self.exception = exc
        return None


@contextlib.contextmanager
def _sigint_noted(hook: _Hook) -> Iterator[None]:
    """While the hook runs on the main thread under Python's own SIGINT handler, Ctrl-C is
    only noted: raised in the hook, KeyboardInterrupt would fail this process's reduction
    alone (ERR_CALLBACK) while the other processes wait in theirs. The step is cancelled
    all the same: the watcher of _ctrl_c reads the signal off the wakeup fd and asks for it,
    every process then returns ERR_CANCELLED, and Vmc raises KeyboardInterrupt."""
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield
        return

    def note(signum: int, frame: Any) -> None:
        hook.interrupted = True

    previous = signal.signal(signal.SIGINT, note)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


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
        super().__init__(new_handle("rnnwf_vmc", "rnnwf_vmc_new", cfg), lib.rnnwf_vmc_free)
        self._hook: _Hook | None = None
        if allreduce is not None:
            self.set_allreduce(allreduce)

    @property
    def config(self) -> dict[str, Any]:
        """The current settings, enumerations by name."""
        out = sized("rnnwf_vmc_config")
        call("rnnwf_vmc_get_config", self, out)
        return config_dict(out)

    @property
    def step_count(self) -> int:
        """The steps taken so far (``step``, ``step_on_samples`` and ``fit_step`` alike), the
        index the next step reports as ``VmcStats.step``: 0 for a new run, and after
        ``load`` (or ``load_checkpoint``) the count the checkpoint holds."""
        out = ffi.new("uint64_t *")
        call("rnnwf_vmc_step_count", self, out)
        return int(out[0])

    def set_allreduce(self, allreduce: Allreduce | None) -> None:
        """Installs the reduction that sums the step's sample sums over processes: an
        mpi4py communicator (``Allreduce(IN_PLACE, buf, SUM)``), or a callable summing
        the float64 array it gets in place; None removes it. An exception in the callable
        fails the step with Error status ERR_CALLBACK (the exception is its __cause__), and
        leaves the model and the optimiser unchanged; so does returning a new array instead
        of summing in place (mpi4py's lowercase ``allreduce``), and calling back into this
        Vmc or the stepped model (ReentryError). The array is the callable's own copy,
        written back when it returns. Every process must step together."""
        if allreduce is None:
            call("rnnwf_vmc_set_allreduce", self, ffi.NULL, ffi.NULL, write=(self,),
                 then=lambda status: self._keep(None, status))
            return
        if hasattr(allreduce, "Allreduce"):
            reduce = _communicator_reduce(allreduce)
        elif callable(allreduce):
            reduce = allreduce
        else:
            invalid_type(f"allreduce: expected an mpi4py communicator or a callable, got {allreduce!r}")
        hook = _Hook(reduce)
        call("rnnwf_vmc_set_allreduce", self, hook.callback, ffi.NULL, write=(self,),
             then=lambda status: self._keep(hook, status))

    def _keep(self, hook: _Hook | None, status: int) -> None:
        """Keeps the installed callback alive exactly as long as it is installed: set under
        set_allreduce's exclusive use, so two threads installing hooks cannot leave the
        library calling one that Python has freed."""
        if status == 0:
            self._hook = hook

    def _stepping(self, fn: str, *args: Any) -> None:
        """Calls the stepping C function ``fn(self, model, ...)`` with the Vmc and the model
        exclusive, and raises its Error, naming what the hook raised; KeyboardInterrupt when
        Ctrl-C (or, under MPI, another process's) cancelled the step, with nothing changed."""
        thrown: list[BaseException | None] = [None]
        interrupted = [False]

        def take(status: int) -> None:  # under the uses: the hook cannot be replaced yet
            if self._hook is not None:
                thrown[0], self._hook.exception = self._hook.exception, None
                interrupted[0], self._hook.interrupted = self._hook.interrupted, False

        # Ctrl-C during the step cancels it (_ctrl_c): nothing changes.
        status = call(fn, self, *args, write=(self, args[0]), raw=True, then=take,
                      during=lambda: CancelOnCtrlC(self._handle))
        if status == 0:
            if interrupted[0]:  # Ctrl-C in the hook, after the step's last check
                raise KeyboardInterrupt("Ctrl-C during the step's reduction hook, too late "
                                        "to cancel it: the step was taken")
            return
        message, cause = last_error(), thrown[0]
        if status == ERR_CANCELLED:
            raise KeyboardInterrupt(message)
        if status == ERR_CALLBACK and cause is not None:
            message += f" (the hook raised {type(cause).__name__}: {cause})"
        raise error(status, message) from cause

    def step(self, model: Model, h: Hamiltonian) -> VmcStats:
        """One VMC step on ``h``: samples, local energies, gradient, update of ``model``.
        The statistics are those of the samples drawn before the update; on failure
        nothing changes."""
        out = sized("rnnwf_vmc_stats")
        self._stepping("rnnwf_vmc_step", model, h, out)
        return VmcStats._from_c(out)

    def sample(self, model: Model) -> np.ndarray:
        """The samples the next ``step`` draws: uint8 (n_samples, num_sites)."""
        # One use across both calls: a set_n_samples or load on another thread between them
        # would make the C call write more rows than `out` holds.
        with held(self, model, what="sample: "):
            n = int(self.config["n_samples"])
            out = np.zeros((n, model.num_sites), dtype=np.uint8)
            call("rnnwf_vmc_sample", self, model, ptr("uint8_t *", out), ffi.NULL)
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
        self._stepping("rnnwf_vmc_step_on_samples", model, ptr("uint8_t *", c), c.shape[0],
                       ptr("rnnwf_complex *", e), out)
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
        settings: Optional[dict[str, Any]] = None,
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
        - ``settings``: the run's settings (a dict of JSON values: sizes, rates, seeds),
          kept with the checkpoint (``run.json``); ``load_checkpoint(folder, settings=)``
          refuses a run started with others.

        A failing step raises its Error; the log then holds every step before it.
        Ctrl-C (on the main thread, with Python's default SIGINT handler) cancels the
        running step at its next chunk boundary (nothing of it is kept); a Ctrl-C too late
        for that step's checks stops the run after it. Either way KeyboardInterrupt is
        raised with the model, the log and the checkpoint at the last completed step.
        """
        return driver.run(self, model, hamiltonian, steps=steps, minutes=minutes, log=log,
                          progress=progress, callback=callback, reference=reference,
                          checkpoint=checkpoint, checkpoint_every=checkpoint_every, settings=settings)

    def fit_step(self, model: Model, data: npt.ArrayLike) -> float:
        """One SGD or Adam step on -<ln P(data)> over the rows of ``data`` (n, num_sites);
        returns that value before the step."""
        c = configs_in(data, model.num_sites, "data")
        out = ffi.new("double *")
        self._stepping("rnnwf_fit_step", model, ptr("uint8_t *", c), c.shape[0], out)
        return float(out[0])

    def set_learning_rate(self, learning_rate: float) -> None:
        """The learning rate of the following steps."""
        call("rnnwf_vmc_set_learning_rate", self, real(learning_rate, "learning_rate"), write=(self,))

    def set_seed(self, seed: int) -> None:
        """The seed of the following steps' samples (under MPI, each rank its own)."""
        call("rnnwf_vmc_set_seed", self, count(seed, "seed"), write=(self,))

    def set_diag_shift(self, shift: float) -> None:
        """SR's diagonal shift (sr_diag_shift) of the following steps."""
        call("rnnwf_vmc_set_diag_shift", self, real(shift, "shift"), write=(self,))

    def set_n_samples(self, n_samples: int) -> None:
        """The samples per step on this process of the following steps (>= 1)."""
        call("rnnwf_vmc_set_n_samples", self, count(n_samples, "n_samples"), write=(self,))

    def set_temperature(self, temperature: float) -> None:
        """The annealing temperature of the following steps (0: plain VMC)."""
        call("rnnwf_vmc_set_temperature", self, real(temperature, "temperature"), write=(self,))

    def save(self, path: PathLike) -> None:
        """Writes settings, step counter and optimiser state; with Model.save beside it the
        two files resume a run bit for bit."""
        call("rnnwf_vmc_save", self, c_string(path, "save: path", path=True))

    def load(self, path: PathLike) -> None:
        """Replaces settings (seed included), step counter and optimiser state with a file
        written by save(); the reduction hook stays."""
        call("rnnwf_vmc_load", self, c_string(path, "load: path", path=True), write=(self,))

    def close(self) -> None:
        super().close()
        self._hook = None

    def __repr__(self) -> str:
        if self.closed:
            return "rnnwf.Vmc(<closed>)"
        args = ", ".join(f"{k}={v!r}" for k, v in self.config.items())
        return f"rnnwf.Vmc({args})"
