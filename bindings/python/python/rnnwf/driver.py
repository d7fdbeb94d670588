"""Vmc.run: the training loop every user would otherwise write: a step or time budget, a
progress line, the ``log.jsonl`` of the Rust examples (docs/log-jsonl.md), a per-step
callback that can stop the run, checkpoints, and the history it returns.

A run resumed from checkpoints (Model.load + Vmc.load) continues the step counter, so its
log lines follow the earlier run's in the same file: lines from steps at or after the
resumed step (written after the checkpoint) are dropped first, and the file reads as one run.
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys
import threading
import time
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional, TextIO, Union

import numpy as np

from ._errors import Error, invalid, invalid_type
from .estimate import VmcStats
from .names import human_config

if TYPE_CHECKING:
    from .hamiltonian import Hamiltonian
    from .model import Model
    from .vmc import Vmc

PathLike = Union[str, "os.PathLike[str]"]

# The log's fields, in the order the Rust examples write them.
LOG_FIELDS = ("step", "energy", "error", "variance", "relative_error", "grad_norm", "seconds")

MODEL_FILE = "model.safetensors"
OPTIMIZER_FILE = "optimizer.safetensors"
# The settings a run was started with (Vmc.run(settings=)), checked by load_checkpoint.
SETTINGS_FILE = "run.json"


def _exp(x: float) -> str:
    """``x`` as Rust's ``{:.6e}`` writes it (``1.234567e-4``), so both logs read alike."""
    mantissa, exponent = f"{x:.6e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def log_line(row: dict[str, Any]) -> str:
    """One JSON line with the Rust examples' formatting: energy with 12 decimals, seconds
    with 6, the other floats in scientific notation. ``relative_error`` only with a reference."""
    parts = [f'"step":{row["step"]}', f'"energy":{row["energy"]:.12f}', f'"error":{_exp(row["error"])}',
             f'"variance":{_exp(row["variance"])}']
    if row.get("relative_error") is not None:
        parts.append(f'"relative_error":{_exp(row["relative_error"])}')
    parts += [f'"grad_norm":{_exp(row["grad_norm"])}', f'"seconds":{row["seconds"]:.6f}']
    return "{" + ",".join(parts) + "}"


def read_log(path: PathLike) -> list[dict[str, Any]]:
    """The rows of a ``log.jsonl`` (this package's or a Rust example's), in file order; a
    last line cut short (a crash or a full disk while writing it) is left out, as a resumed
    run leaves it out."""
    with open(path, encoding="utf-8") as f:
        lines = [line for line in f if line.strip()]
    rows = []
    for k, line in enumerate(lines):
        try:
            rows.append(json.loads(line))
        except ValueError:
            if k < len(lines) - 1:
                raise
    return rows


@dataclass
class History:
    """What a run measured, one row per step (the log's fields): ``history["energy"]`` is a
    float64 array, ``history.rows`` the dicts. ``stopped`` says why the run ended: "steps",
    "minutes" or "callback"."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    stopped: str = ""
    #: Model.sign_free(hamiltonian) at the start (None when the test was refused): False
    #: means a model without a phase head cannot become exact.
    sign_free: Optional[bool] = None
    #: Model.symmetry_invariant(hamiltonian) at the start (None when refused): False means
    #: the model is averaged over a map the operator does not have, and cannot become exact.
    symmetry_invariant: Optional[bool] = None

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in LOG_FIELDS:
            invalid(f"History: no field {name!r}; fields: {', '.join(LOG_FIELDS)}")
        if name == "step":
            return np.array([r["step"] for r in self.rows], dtype=np.int64)
        values = [r.get(name) for r in self.rows]
        return np.array([math.nan if v is None else v for v in values], dtype=np.float64)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.rows)


class _Log:
    """The log file. Its earlier lines are read (and checked) before the first step; at the
    first step a run from step 0 starts it afresh, a resumed run keeps the lines before its
    first step and appends."""

    def __init__(self, path: PathLike) -> None:
        self.path = os.fspath(path)
        self.file: Optional[TextIO] = None
        self.earlier: list[tuple[int, str]] = []
        if os.path.exists(self.path):
            with open(self.path, encoding="utf-8") as f:
                lines = [line.rstrip("\n") for line in f if line.strip()]
            for k, line in enumerate(lines):
                try:
                    self.earlier.append((int(json.loads(line)["step"]), line))
                except (ValueError, KeyError, TypeError):
                    if k < len(lines) - 1:  # the last may be cut short by a crash
                        invalid(f"run: {self.path} line {k + 1} is not a log line: {line[:80]!r}")

    def write(self, row: dict[str, Any]) -> None:
        if self.file is None:
            self.file = self._open(row["step"])
        self.file.write(log_line(row) + "\n")
        self.file.flush()

    def _open(self, first_step: int) -> TextIO:
        folder = os.path.dirname(self.path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        kept = [line + "\n" for step, line in self.earlier if step < first_step]
        if kept:
            tmp = self.path + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                f.writelines(kept)
            os.replace(tmp, self.path)  # never half-written
        return open(self.path, "a" if kept else "w", encoding="utf-8")

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


def _clock(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    h, rest = divmod(seconds, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60:02d}:{rest % 60:02d}"


class _Progress:
    """One line, rewritten in place on a terminal, else printed every ten seconds: step,
    energy with error bar, relative error against the reference, time used and left."""

    def __init__(self, out: TextIO, steps: Optional[int], budget: Optional[float]) -> None:
        self.out, self.steps, self.budget = out, steps, budget
        self.tty = hasattr(out, "isatty") and out.isatty()
        self.last = -math.inf

    def show(self, row: dict[str, Any], done: int, elapsed: float, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self.last < (0.2 if self.tty else 10.0):
            return
        self.last = now
        left = []
        if self.steps is not None and done:
            left.append(elapsed / done * (self.steps - done))
        if self.budget is not None:
            left.append(self.budget - elapsed)
        of = f" ({done}/{self.steps})" if self.steps is not None else ""
        text = f"step {row['step']}{of}  E = {row['energy']:.8g} +- {row['error']:.1e}"
        if row.get("relative_error") is not None:
            text += f"  rel. error {row['relative_error']:.2e}"
        text += f"  {_clock(elapsed)}"
        if left and not final:
            text += f", {_clock(min(left))} left"
        if self.tty:
            self.out.write("\r" + text.ljust(79) + ("\n" if final else ""))
        else:
            self.out.write(text + "\n")
        self.out.flush()


class _StepBoundary:
    """Defers Ctrl-C to the next step boundary: a SIGINT during a step (which the C call
    cannot stop) is remembered, the step finishes and is logged, and KeyboardInterrupt is
    raised before the next one, so the model, the optimiser, the log and the checkpoint
    all hold the last completed step. A second Ctrl-C raises as soon as Python runs (after
    the C step returns, that step unlogged). Only on the main thread and when SIGINT has
    Python's default handler (a host's own handler is kept)."""

    def __init__(self) -> None:
        self.pending = False
        self.previous: Any = None

    def _handler(self, signum: int, frame: Any) -> None:
        if self.pending:
            raise KeyboardInterrupt
        self.pending = True

    # Ctrl-C under this handler also cancels the running step (see _ctrl_c).
    _handler.cancels_rnnwf_steps = True  # type: ignore[attr-defined]

    def __enter__(self) -> "_StepBoundary":
        if threading.current_thread() is threading.main_thread() \
                and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            self.previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def check(self) -> None:
        if self.pending:
            self.pending = False
            raise KeyboardInterrupt

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


def _finished(n_steps: Optional[int], budget: Optional[float], done: int, start: float,
              history: "History") -> bool:
    """Whether the run has used its steps or its time (then ``history.stopped`` says which)."""
    if n_steps is not None and done >= n_steps:
        history.stopped = "steps"
        return True
    if budget is not None and time.monotonic() - start >= budget:
        history.stopped = "minutes"
        return True
    return False


def _budget(steps: Any, minutes: Any) -> tuple[Optional[int], Optional[float]]:
    if steps is None and minutes is None:
        invalid("run: give steps=, minutes= or both (a run needs an end)")
    if steps is not None:
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)):
            invalid_type(f"run: steps: expected an integer, got {steps!r}")
        if steps < 0:
            invalid(f"run: steps = {steps}: expected >= 0")
    if minutes is not None:
        if isinstance(minutes, bool) or not isinstance(minutes, (int, float, np.integer, np.floating)):
            invalid_type(f"run: minutes: expected a number, got {minutes!r}")
        if not (math.isfinite(minutes) and minutes >= 0):
            invalid(f"run: minutes = {minutes}: expected a finite number >= 0")
    return (None if steps is None else int(steps)), (None if minutes is None else 60.0 * float(minutes))


def _sign_free(model: "Model", hamiltonian: "Hamiltonian") -> Optional[bool]:
    """Model.sign_free, with a warning when a model without a phase head meets an operator
    whose signs it cannot represent; None when the test is refused (a run may still work)."""
    try:
        free = model.sign_free(hamiltonian)
    except Error:
        return None
    if not free and model.config["phase"] == "none":
        warnings.warn("the operator is not sign-free under this model's sign rule: a model "
                      "without a phase head cannot represent its ground state exactly "
                      "(use phase='softsign' or a fitting sign rule)", RuntimeWarning, stacklevel=3)
    return free


def _symmetry_invariant(model: "Model", hamiltonian: "Hamiltonian") -> Optional[bool]:
    """Model.symmetry_invariant, with a warning when some element of the model's group does
    not leave the operator invariant; None when the test is refused."""
    try:
        invariant = model.symmetry_invariant(hamiltonian)
    except Error:
        return None
    if not invariant:
        warnings.warn(f"not every one of the model's {model.symmetry_size} lattice maps "
                      f"({', '.join(model.symmetry_maps)}) leaves the operator invariant, so the "
                      "model cannot represent its ground state exactly: use "
                      "model.restrict_symmetry(hamiltonian)", RuntimeWarning, stacklevel=3)
    return invariant


def run(
    vmc: "Vmc",
    model: "Model",
    hamiltonian: "Hamiltonian",
    steps: Optional[int] = None,
    minutes: Optional[float] = None,
    log: Optional[PathLike] = None,
    progress: Union[bool, TextIO] = True,
    callback: Optional[Callable[[VmcStats], Any]] = None,
    reference: Optional[float] = None,
    checkpoint: Optional[PathLike] = None,
    checkpoint_every: int = 100,
    settings: Optional[dict[str, Any]] = None,
) -> History:
    """The body of Vmc.run (see there)."""
    n_steps, budget = _budget(steps, minutes)
    if settings is not None:
        _settings_text(settings)
        if checkpoint is None:
            invalid("run: settings are kept with a checkpoint: give checkpoint= too")
    if reference is not None:
        if isinstance(reference, bool) or not isinstance(reference, (int, float, np.integer, np.floating)):
            invalid_type(f"run: reference: expected a number, got {reference!r}")
        if not math.isfinite(reference) or reference == 0:
            invalid(f"run: reference = {reference}: expected a finite, non-zero energy")
    if callback is not None and not callable(callback):
        invalid_type(f"run: callback: expected a callable, got {callback!r}")
    if isinstance(checkpoint_every, bool) or not isinstance(checkpoint_every, (int, np.integer)) \
            or checkpoint_every < 1:
        invalid(f"run: checkpoint_every = {checkpoint_every!r}: expected an integer >= 1")
    out: Optional[TextIO] = sys.stderr if progress is True else (progress or None)
    if out is not None and not hasattr(out, "write"):
        invalid_type(f"run: progress: expected a bool or a text stream, got {progress!r}")
    if out is not None:
        v, m = human_config(vmc.config), human_config(model.config)
        out.write(f"{m['cell']} on {model.num_sites} sites, {model.num_params} parameters; {v['optimizer']}, "
                  f"{vmc.config['n_samples']} samples/step"
                  + (f"; reference E = {reference}" if reference is not None else "") + "\n")
    bar = _Progress(out, n_steps, budget) if out is not None else None
    writer = _Log(log) if log is not None else None
    history = History(sign_free=_sign_free(model, hamiltonian),
                      symmetry_invariant=_symmetry_invariant(model, hamiltonian))
    start = time.monotonic()
    done = 0
    boundary = _StepBoundary().__enter__()
    try:
        while True:
            try:
                boundary.check()
                # Ctrl-C during the step cancels it, with nothing changed.
                stats = None if _finished(n_steps, budget, done, start, history) \
                    else vmc.step(model, hamiltonian)
            except KeyboardInterrupt:
                if checkpoint is not None and done % checkpoint_every != 0:
                    save_checkpoint(checkpoint, model, vmc, settings)
                raise
            if stats is None:
                break
            done += 1
            e = stats.energy
            row = {
                "step": stats.step, "energy": e.mean_re, "error": e.error, "variance": e.variance,
                "relative_error": None if reference is None else abs(e.mean_re - reference) / abs(reference),
                "grad_norm": stats.grad_norm, "seconds": stats.seconds,
            }
            history.rows.append(row)
            if writer is not None:
                writer.write(row)
            if bar is not None:
                bar.show(row, done, time.monotonic() - start)
            try:
                stop = callback is not None and callback(stats) is False
            finally:
                # After the callback, which may set the next step's learning rate or
                # samples: the checkpoint holds what the run goes on with, as every other
                # save does (also when the callback raises).
                if checkpoint is not None and done % checkpoint_every == 0:
                    save_checkpoint(checkpoint, model, vmc, settings)
            if stop:
                history.stopped = "callback"
                break
    finally:
        boundary.__exit__()
        if writer is not None:
            writer.close()
    if checkpoint is not None and done % checkpoint_every != 0:
        save_checkpoint(checkpoint, model, vmc, settings)
    if bar is not None and history.rows:
        bar.show(history.rows[-1], done, time.monotonic() - start, final=True)
    return history


def _settings_text(settings: Any) -> str:
    """``settings`` as the JSON run.json holds, refused unless a dict of JSON values."""
    if not isinstance(settings, dict) or not all(isinstance(k, str) for k in settings):
        invalid_type(f"settings: expected a dict with str keys, got {settings!r}")
    try:
        return json.dumps(settings, sort_keys=True, allow_nan=False)
    except TypeError as e:
        invalid_type(f"settings: not plain JSON values ({e}): {settings!r}")
    except ValueError as e:  # NaN or infinite floats, which JSON has not
        invalid(f"settings: {e}: {settings!r}")


def save_checkpoint(folder: PathLike, model: "Model", vmc: "Vmc",
                    settings: Optional[dict[str, Any]] = None) -> None:
    """Writes ``folder/model.safetensors`` and ``folder/optimizer.safetensors``; together
    they resume the run bit for bit (load_checkpoint). ``settings`` (a dict of JSON values:
    the run's sizes, rates, seeds) go into ``folder/run.json`` for ``load_checkpoint(folder,
    settings=)`` to compare; without them a ``run.json`` of an earlier run goes.

    The files must agree, and replacements one after the other are not one: all are written
    whole beside their places (``.new``) before any is renamed into place, the model first
    and the settings last, so that load_checkpoint can tell from the ``.new`` files left by
    a crash or a full disk which set is whole."""
    text = None if settings is None else _settings_text(settings)
    model_path, optimizer_path, run_path = _checkpoint_paths(folder)
    os.makedirs(folder, exist_ok=True)
    model.save(model_path + ".new")
    vmc.save(optimizer_path + ".new")
    if text is not None:
        with open(run_path + ".new", "w") as f:
            f.write(text + "\n")
    os.replace(model_path + ".new", model_path)
    os.replace(optimizer_path + ".new", optimizer_path)
    if text is not None:
        os.replace(run_path + ".new", run_path)
    elif os.path.exists(run_path):
        os.remove(run_path)


def _checkpoint_paths(folder: PathLike) -> tuple[str, str, str]:
    """The model's, the optimizer's and the settings' files in ``folder``."""
    return (os.path.join(folder, MODEL_FILE), os.path.join(folder, OPTIMIZER_FILE),
            os.path.join(folder, SETTINGS_FILE))


def _finish_interrupted_save(folder: PathLike) -> None:
    """After a save stopped by a crash: with the model's ``.new`` file still there, no file
    was renamed yet and the set in place is the previous checkpoint (the ``.new`` files go);
    else the model in place is the new one, and its optimizer and settings, written whole
    before the first rename, are renamed into place where they are still beside it."""
    paths = _checkpoint_paths(folder)
    if os.path.exists(paths[0] + ".new"):
        for leftover in paths:
            if os.path.exists(leftover + ".new"):
                os.remove(leftover + ".new")
        return
    for path in paths[1:]:
        if os.path.exists(path + ".new"):
            os.replace(path + ".new", path)


def _check_settings(folder: PathLike, settings: dict[str, Any]) -> None:
    """Refuses a run in ``folder`` started with other settings, naming each that differs."""
    given = json.loads(_settings_text(settings))
    model_path, _, path = _checkpoint_paths(folder)
    try:
        with open(path) as f:
            saved = json.load(f)
    except FileNotFoundError:
        # A checkpoint saved without settings (or by an older version): said, not refused.
        # Without a checkpoint at all, loading the model says so.
        if os.path.exists(model_path):
            warnings.warn(f"load_checkpoint: {path} does not exist: the checkpoint was saved without "
                          "settings, which are not checked", stacklevel=3)
        return
    except (OSError, ValueError) as e:
        invalid(f"load_checkpoint: cannot read {path}: {e}")
    if not isinstance(saved, dict):
        invalid(f"load_checkpoint: {path} holds {type(saved).__name__}, not the settings' object")
    if saved != given:
        missing = object()
        differ = [f"{k} {given.get(k, '(not given)')} (the checkpoint's: {saved.get(k, '(none)')})"
                  for k in sorted(set(given) | set(saved))
                  if given.get(k, missing) != saved.get(k, missing)]
        invalid(f"load_checkpoint: the run in {folder} was started with other settings: "
                f"{', '.join(differ)}; resume it with the same ones")


def load_checkpoint(folder: PathLike, settings: Optional[dict[str, Any]] = None) -> tuple["Model", "Vmc"]:
    """The model and the training run that save_checkpoint (or ``Vmc.run(checkpoint=)``)
    wrote into ``folder``, the last whole pair even when a save was cut short: run them on,
    and the log continues where it stopped. With ``settings``, a run started with others
    (``Vmc.run(settings=)``) is refused, naming each that differs: a run resumed with other
    rates or sizes would not continue the one it claims to. Under MPI, set each rank's seed
    again afterwards (the file holds rank 0's)."""
    from .model import Model
    from .vmc import Vmc

    _finish_interrupted_save(folder)
    if settings is not None:
        _check_settings(folder, settings)
    model_path, optimizer_path, _ = _checkpoint_paths(folder)
    model = Model.load(model_path)
    vmc = Vmc()
    vmc.load(optimizer_path)
    return model, vmc
