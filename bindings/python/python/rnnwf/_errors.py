"""rnnwf.Error and the status check every call goes through."""

from __future__ import annotations

from typing import NoReturn

from ._constants import ERR_BUFFER_SIZE, ERR_INVALID_ARGUMENT, ERR_OUT_OF_MEMORY
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


class InvalidValue(Error, ValueError):
    """A bad value or name (RNNWF_ERR_INVALID_ARGUMENT, RNNWF_ERR_BUFFER_SIZE): also a
    ValueError, so ``except ValueError`` catches it."""


class InvalidType(Error, TypeError):
    """An argument of the wrong type, refused before calling C (status
    RNNWF_ERR_INVALID_ARGUMENT): also a TypeError."""


class OutOfMemoryError(Error, MemoryError):
    """RNNWF_ERR_OUT_OF_MEMORY: an allocation whose size follows from the arguments was
    refused (the message names the buffer and its bytes); nothing was changed. Also a
    MemoryError, so ``except MemoryError`` catches it."""


# Statuses whose Error is also a built-in exception.
_CLASSES: dict[int, type[Error]] = {
    ERR_INVALID_ARGUMENT: InvalidValue,
    ERR_BUFFER_SIZE: InvalidValue,
    ERR_OUT_OF_MEMORY: OutOfMemoryError,
}


def error(status: int, message: str) -> Error:
    """The Error of ``status``, of the subclass the status has."""
    return _CLASSES.get(status, Error)(status, message)


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
    raise error(status, message)


def invalid_type(message: str) -> NoReturn:
    """Refuses an argument of the wrong type (TypeError and rnnwf.Error)."""
    raise InvalidType(ERR_INVALID_ARGUMENT, message)
