"""Ownership of a C handle: freed by close(), by a ``with`` block, or by a finalizer when the
Python object is collected, whichever comes first (the finalizer runs at most once)."""

from __future__ import annotations

import weakref
from typing import Any, Callable, TypeVar

from ._constants import ERR_NULL_POINTER
from ._errors import check, invalid
from ._native import ffi

H = TypeVar("H", bound="Handle")


def new_handle(ctype: str, make: Callable[..., int], *args: Any) -> Any:
    """Calls ``make(*args, &out)`` and returns ``out``, a ``ctype *``."""
    out = ffi.new(f"{ctype} **")
    check(make(*args, out))
    return out[0]


class Handle:
    """Base of Model, Hamiltonian and Vmc: owns one C handle."""

    def __init__(self, handle: Any, free: Callable[[Any], None]) -> None:
        self._handle: Any = handle
        self._finalizer = weakref.finalize(self, free, handle)

    @property
    def _ptr(self) -> Any:
        if self._handle is None:
            invalid(f"this {type(self).__name__} is closed", ERR_NULL_POINTER)
        return self._handle

    @property
    def closed(self) -> bool:
        """Whether close() has freed the handle."""
        return self._handle is None

    def close(self) -> None:
        """Frees the C handle now; later calls on this object raise Error. Idempotent."""
        self._handle = None
        self._finalizer()

    def __enter__(self: H) -> H:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
