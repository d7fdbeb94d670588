"""NumPy arrays as C pointers, without copies where the layout allows.

uint8 configurations (n, n_sites), complex128 values (rnnwf_complex is {double re, im},
the layout of complex128) and float64 parameters are passed as pointers into the arrays'
own memory when they are C-contiguous with the right dtype; anything else is converted
once (and checked: a value that does not survive the conversion is refused).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ._constants import ERR_BUFFER_SIZE
from ._errors import invalid, invalid_type
from ._native import ffi


def configs_in(configs: npt.ArrayLike, n_sites: int, what: str = "configs") -> np.ndarray:
    """``configs`` as a C-contiguous uint8 array of shape (n, n_sites)."""
    a = np.asarray(configs)
    if a.ndim != 2 or a.shape[1] != n_sites:
        invalid(f"{what}: shape {a.shape}, expected (n, {n_sites})", ERR_BUFFER_SIZE)
    if a.dtype == np.uint8:
        return np.ascontiguousarray(a)
    if a.size == 0:  # no values to convert (an empty list is float64 to NumPy)
        return np.zeros(a.shape, dtype=np.uint8)
    if a.dtype.kind not in "biu":
        invalid_type(f"{what}: dtype {a.dtype}, expected integers (uint8)")
    if a.size and (a.min() < 0 or a.max() > 255):
        bad = a.min() if a.min() < 0 else a.max()
        hint = ""
        if np.isin(a, (-1, 1)).all():
            hint = ("; these look like +-1 spins (NetKet's convention): here 0 = up (+1) and "
                    "1 = down (-1), so pass (1 - s) // 2")
        invalid(f"{what}: site value {bad} is not a site value (spin-1/2: values 0..=1, "
                f"0 = up, 1 = down; local_dim d: 0..=d-1){hint}")
    return np.ascontiguousarray(a, dtype=np.uint8)


def float64_in(values: npt.ArrayLike, what: str) -> np.ndarray:
    """``values`` as a C-contiguous 1-D float64 array."""
    a = np.asarray(values)
    if a.ndim != 1:
        invalid(f"{what}: {a.ndim}-D array, expected 1-D", ERR_BUFFER_SIZE)
    if a.dtype.kind not in "biuf":
        invalid_type(f"{what}: dtype {a.dtype}, expected float64")
    return np.ascontiguousarray(a, dtype=np.float64)


def uint32_in(values: npt.ArrayLike, what: str) -> np.ndarray:
    """``values`` (site indices) as a C-contiguous 1-D uint32 array."""
    a = np.asarray(values)
    if a.size == 0:
        return np.zeros(0, dtype=np.uint32)
    if a.ndim != 1 or a.dtype.kind not in "iu":
        invalid(f"{what}: expected a 1-D sequence of site indices, got {a.dtype} shape {a.shape}")
    converted = np.ascontiguousarray(a, dtype=np.uint32)
    if not np.array_equal(converted, a):
        invalid(f"{what}: site indices must be in 0..2^32-1")
    return converted


def offsets_in(values: npt.ArrayLike, what: str) -> np.ndarray:
    """``values`` (offsets into other arrays) as a C-contiguous 1-D size_t array."""
    a = np.asarray(values)
    if a.ndim != 1 or (a.size and a.dtype.kind not in "iu"):
        invalid(f"{what}: expected a 1-D sequence of non-negative integers, got {a.dtype} "
                f"shape {a.shape}")
    if a.size and a.min() < 0:
        invalid(f"{what}: {a.min()} is negative")
    return np.ascontiguousarray(a, dtype=np.uintp)


def ptr(ctype: str, a: np.ndarray) -> Any:
    """A ``ctype *`` into ``a``'s memory (NULL for an empty array): a cdata array that
    keeps ``a`` alive for as long as it lives itself, so that a C call still running on a
    worker thread after Ctrl-C (``call(..., interruptible=True)``) never writes into or
    reads from a freed array (a plain cast would not keep it)."""
    if a.size == 0:
        return ffi.NULL
    assert ctype.endswith("*"), ctype
    return ffi.from_buffer(ctype[:-1].strip() + "[]", a)


def complex_out(shape: int | tuple[int, ...]) -> np.ndarray:
    """An uninitialised complex128 array the library fills."""
    return np.empty(shape, dtype=np.complex128)


def count(value: Any, what: str, bits: int = 64) -> int:
    """A non-negative integer argument that fits ``bits`` bits (counts, seeds, sites)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        invalid_type(f"{what}: expected a non-negative integer, got {value!r}")
    if not 0 <= int(value) < 2**bits:
        invalid(f"{what}: {value} is out of range 0..2^{bits}-1")
    return int(value)


def int32(value: Any, what: str) -> int:
    """A signed 32-bit integer argument (``u1_total``: -1 for no sector)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        invalid_type(f"{what}: expected an integer, got {value!r}")
    if not -(2**31) <= int(value) < 2**31:
        invalid(f"{what}: {value} is out of range -2^31..2^31-1")
    return int(value)


def real(value: Any, what: str) -> float:
    """A real argument (finiteness is the library's to check)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        invalid_type(f"{what}: expected a real number, got {value!r}")
    return float(value)
