"""plot_log: the energy of a training log against the step, with matplotlib (an optional
extra: ``pip install ./bindings/python[plot]``; the package imports without it).

The energy panel's scale follows the later steps (the first ones, far above, would flatten
the band once converged); the relative error below, on a log scale, shows the whole run.
"""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING, Any, Optional, Sequence, Union

import numpy as np

from ._errors import invalid, invalid_type
from .driver import History, read_log

if TYPE_CHECKING:
    from .estimate import Estimate

PathLike = Union[str, "os.PathLike[str]"]


def _pyplot() -> Any:
    try:
        import matplotlib

        if not os.environ.get("DISPLAY") and not os.environ.get("MPLBACKEND"):
            matplotlib.use("Agg")  # files only when there is no display
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise ImportError(
            "rnnwf.plot_log needs matplotlib, which is not installed: "
            "pip install matplotlib (or pip install './bindings/python[plot]')") from e
    return plt


def _rows(log: Union[PathLike, History, Sequence[dict[str, Any]]]) -> list[dict[str, Any]]:
    if isinstance(log, History):
        return log.rows
    if isinstance(log, (str, os.PathLike)):
        return read_log(log)
    if isinstance(log, Sequence):
        return list(log)
    invalid_type(f"plot_log: expected a log path, a History or a list of rows, got {log!r}")


def _later_range(low: np.ndarray, high: np.ndarray, extra: list[float]) -> Optional[tuple[float, float]]:
    """The y range of the later 80% of the steps (and of the reference and final estimate),
    of every step when those have no finite value, None (matplotlib's own) when none has."""
    extra_ys = np.asarray(extra, dtype=float)
    for start in (len(low) // 5, 0):
        ys = np.concatenate([low[start:], high[start:], extra_ys])
        ys = ys[np.isfinite(ys)]
        if ys.size:
            break
    else:
        return None
    lo, hi = float(ys.min()), float(ys.max())
    pad = max((hi - lo) * 0.08, 1e-9 * max(abs(hi), 1.0))
    return lo - pad, hi + pad


def plot_log(
    log: Union[PathLike, History, Sequence[dict[str, Any]]],
    out: Optional[PathLike] = None,
    reference: Optional[float] = None,
    reference_label: str = "reference",
    n_sites: Optional[int] = None,
    final: Optional["Estimate"] = None,
    title: Optional[str] = None,
    units: str = "J",
) -> Any:
    """Plots a training log (a ``log.jsonl`` path, a History, or its rows) and returns the
    matplotlib Figure; with ``out`` it is also saved there (the format from the suffix).

    Top: the energy with its standard-error band, per site when ``n_sites`` is given, with
    the ``reference`` energy (labelled ``reference_label``: "exact", "QMC", ...) dashed and
    the ``final`` estimate (an Estimate from Model.expectation with many samples) marked
    with its error bar after the last step. Bottom, with a reference: the relative error
    and the standard error relative to it, on a log scale. Energies are in the
    Hamiltonian's units (``units``; Pauli matrices, so Heisenberg energies are 4x those
    written with S = sigma/2).
    """
    rows = _rows(log)
    if not rows:
        invalid("plot_log: the log has no steps")
    if n_sites is not None and (isinstance(n_sites, bool) or not isinstance(n_sites, int) or n_sites < 1):
        invalid(f"plot_log: n_sites = {n_sites!r}: expected a positive integer")
    if reference is not None and not (isinstance(reference, (int, float)) and math.isfinite(reference)
                                      and reference != 0):
        invalid(f"plot_log: reference = {reference!r}: expected a finite, non-zero energy")
    plt = _pyplot()
    scale = float(n_sites or 1)
    step = np.array([r["step"] for r in rows], dtype=float)
    energy = np.array([r["energy"] for r in rows], dtype=float) / scale
    error = np.array([r["error"] for r in rows], dtype=float) / scale
    ref = None if reference is None else reference / scale

    panels = 2 if reference is not None else 1
    fig, axes = plt.subplots(panels, 1, sharex=True, figsize=(7, 3.2 * panels + 0.6), squeeze=False)
    top = axes[0, 0]
    band = top.fill_between(step, energy - error, energy + error, color="tab:blue", alpha=0.3, lw=0)
    (line,) = top.plot(step, energy, color="tab:blue", lw=1)
    handles, labels = [(band, line)], ["energy ± standard error"]
    extra: list[float] = []
    if ref is not None:
        (ref_line,) = top.plot([], [], color="tab:red", ls="--", lw=1.5)
        top.axhline(ref, color="tab:red", ls="--", lw=1.5)
        handles.append(ref_line)
        labels.append(f"{reference_label} {ref:.8g}")
        extra.append(ref)
    if final is not None:
        f_mean, f_err = final.mean_re / scale, final.error / scale
        marker = top.errorbar([step[-1]], [f_mean], yerr=[f_err], fmt="o", color="black", ms=4, capsize=3)
        handles.append(marker)
        labels.append(f"final {f_mean:.8g} ± {f_err:.1g} ({final.n} samples)")
        extra += [f_mean - f_err, f_mean + f_err]
    y_range = _later_range(energy - error, energy + error, extra)
    if y_range is not None:
        top.set_ylim(*y_range)
    per = "energy per site E/N" if n_sites else "energy E"
    top.set_ylabel(f"{per} ({units})")
    top.legend(handles, labels, loc="upper right")
    if title:
        top.set_title(title)
    if reference is not None:
        bottom = axes[1, 0]
        rel = np.abs(energy - ref) / abs(ref)
        noise = error / abs(ref)
        bottom.semilogy(step, np.where(rel > 0, rel, np.nan), color="tab:blue", lw=1, label="relative error")
        bottom.semilogy(step, np.where(noise > 0, noise, np.nan), color="0.6", lw=1,
                        label=f"standard error / |{reference_label}|")
        if final is not None:
            bottom.errorbar([step[-1]], [abs(final.mean_re / scale - ref) / abs(ref)],
                            yerr=[final.error / scale / abs(ref)], fmt="o", color="black", ms=4,
                            capsize=3, label="final estimate")
        bottom.set_ylabel(f"|E - E_{reference_label}| / |E_{reference_label}|")
        bottom.legend(loc="upper right")
    axes[-1, 0].set_xlabel("step")
    fig.tight_layout()
    if out is not None:
        fig.savefig(out, dpi=120)
    return fig
