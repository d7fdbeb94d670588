"""Shared fixtures: the repository root and a C view of the library through ctypes."""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

import pytest

import rnnwf

REPO = Path(__file__).resolve().parents[3]


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
