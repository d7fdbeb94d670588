"""Results of estimators and training steps, as plain Python values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._constants import SR_SOLVERS


@dataclass(frozen=True)
class Estimate:
    """A sample mean with its statistics (``rnnwf_estimate``): samples are independent, so
    ``error = sqrt(variance / n)``."""

    mean_re: float
    mean_im: float
    error: float
    variance: float
    n: int

    @property
    def mean(self) -> complex:
        """The mean as a complex number."""
        return complex(self.mean_re, self.mean_im)

    @classmethod
    def _from_c(cls, e: Any) -> "Estimate":
        return cls(e.mean_re, e.mean_im, e.error, e.variance, e.n)


@dataclass(frozen=True)
class VmcStats:
    """What one Vmc.step measured (``rnnwf_vmc_stats``): the step index, the energy of the
    samples drawn before the update, the gradient norm before clipping, the wall time, and how
    an SR system was solved (``"none"``, ``"cholesky"``, ``"eigen"`` when Cholesky failed on
    rounding, ``"cg"`` under a reduction hook)."""

    step: int
    energy: Estimate
    grad_norm: float
    seconds: float
    sr_solver: str

    @classmethod
    def _from_c(cls, s: Any) -> "VmcStats":
        solver = next((k for k, v in SR_SOLVERS.items() if v == s.sr_solver), str(s.sr_solver))
        return cls(s.step, Estimate._from_c(s.energy), s.grad_norm, s.seconds, solver)
