"""Shared fixtures: the repository root and a C view of the library through ctypes."""

from __future__ import annotations

import ctypes
import faulthandler
import os
import sys
from pathlib import Path

import pytest

import rnnwf

REPO = Path(__file__).resolve().parents[3]


# A test still running after this long is hung (the slowest takes seconds): the process
# exits with every thread's traceback instead of blocking CI.
HANG_SECONDS = 600


@pytest.fixture(autouse=True)
def hang_watchdog():
    faulthandler.dump_traceback_later(HANG_SECONDS, exit=True, file=sys.__stderr__)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def clib() -> ctypes.CDLL:
    """The C library called directly through ctypes, independent of the package's layer:
    RNNWF_C_LIBRARY (the cargo test passes the librnnwf.so it built) or, without it, the
    library inside the installed package."""
    path = os.environ.get("RNNWF_C_LIBRARY") or str(Path(rnnwf._native.__file__).parent / "lib_native.so")
    return ctypes.CDLL(path)
