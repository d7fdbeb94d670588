"""The U(1) sector of a model: ``total_sz`` as NetKet spells it, turned into the C field
``u1_total``, and the sectors a user likely did not mean named before the library runs.

Site value v is s_z = S - v with S = (local_dim - 1) / 2: for spin-1/2, 0 = up (+1/2) and
1 = down (-1/2). So u1_total (the sum of site values; spin-1/2: the number of down spins)
is N*S - total_sz.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ._errors import invalid, invalid_type


def u1_from_total_sz(total_sz: Any, n_sites: int, local_dim: int) -> int:
    """The u1_total of the sector with sum of s_z = ``total_sz`` on ``n_sites`` sites."""
    if isinstance(total_sz, (bool, np.bool_)) or not isinstance(total_sz, (int, float, np.integer, np.floating)):
        invalid_type(f"total_sz: expected a number (a multiple of 1/2), got {total_sz!r}")
    top = n_sites * (local_dim - 1)  # largest sum of site values
    twice = 2 * float(total_sz)
    if not math.isfinite(twice) or twice != round(twice):
        invalid(f"total_sz = {total_sz}: the sum of s_z is a multiple of 1/2")
    u1 = (top - round(twice)) / 2
    if u1 != int(u1):
        invalid(f"total_sz = {total_sz} is impossible on {n_sites} sites of local_dim {local_dim}: "
                f"the sum of s_z is {'a half-integer' if top % 2 else 'an integer'} there "
                f"(e.g. {top % 2 / 2})")
    if not 0 <= u1 <= top:
        invalid(f"total_sz = {total_sz} is impossible on {n_sites} sites: |sum of s_z| is at most "
                f"{top / 2:g}")
    return int(u1)


def warn_surprising(u1_total: int, n_sites: int, local_dim: int) -> None:
    """Warns when ``u1_total`` leaves a single configuration: 0 (all up) or all down, most
    likely meant as zero magnetisation."""
    top = n_sites * (local_dim - 1)
    if u1_total < 0 or n_sites < 2 or u1_total > top:
        return  # none, or infeasible: the library names it
    if u1_total in (0, top):
        state = "up" if u1_total == 0 else "down"
        warnings.warn(
            f"u1_total = {u1_total} keeps one configuration, every spin {state}: u1_total is "
            f"the sum of site values (spin-1/2: the number of down spins, 0 = up). For zero "
            f"magnetisation give total_sz=0 (or u1_total={top // 2}).", UserWarning, stacklevel=3)

