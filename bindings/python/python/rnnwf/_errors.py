"""rnnwf.Error and the status check every call goes through."""

from __future__ import annotations

from typing import NoReturn

from ._constants import ERR_INVALID_ARGUMENT, ERR_OUT_OF_MEMORY
from ._native import ffi, lib


class Error(Exception):
    """A failed rnnwf call: ``status`` is the C status code (``rnnwf.ERR_*``), ``message``
    the library's message (the function's name, then what went wrong). Arguments the
    Python layer refuses before calling C (an unknown cell name, a wrongly shaped array)
    raise it too, with the status the library would have given."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status_name(status)}: {message}")
        self.status = status
        self.message = message


class OutOfMemoryError(Error, MemoryError):
    """RNNWF_ERR_OUT_OF_MEMORY: an allocation whose size follows from the arguments was
    refused (the message names the buffer and its bytes); nothing was changed. Also a
    MemoryError, so ``except MemoryError`` catches it."""


def error(status: int, message: str) -> Error:
    """The exception of a failed call: OutOfMemoryError for ERR_OUT_OF_MEMORY, else Error."""
    cls = OutOfMemoryError if status == ERR_OUT_OF_MEMORY else Error
    return cls(status, message)


def status_name(status: int) -> str:
    """The name of a status code, e.g. ``"RNNWF_ERR_IO"``."""
    return ffi.string(lib.rnnwf_status_name(status)).decode()


def last_error() -> str:
    """The message of this thread's last failed call."""
    n = lib.rnnwf_last_error(ffi.NULL, 0)
    buf = ffi.new("char[]", n + 1)
    lib.rnnwf_last_error(buf, n + 1)
    return ffi.string(buf).decode("utf-8", errors="replace")


def check(status: int) -> None:
    """Raises Error with the library's message unless ``status`` is RNNWF_OK."""
    if status != 0:
        raise error(status, last_error())


def invalid(message: str, status: int = ERR_INVALID_ARGUMENT) -> NoReturn:
    """Refuses an argument in Python, as the library would."""
    raise Error(status, message)
