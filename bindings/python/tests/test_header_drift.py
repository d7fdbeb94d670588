"""The package against include/rnnwf.h (read by bindings/gen/cheader.py, the parser of the
Julia and Fortran generators): the code tables match the header's #defines, the cffi
declarations maturin generated have the header's struct fields, and every C function is
wrapped somewhere in the package."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import rnnwf
from rnnwf import _constants
from rnnwf._native import ffi, lib


@pytest.fixture(scope="module")
def header(repo: Path):
    sys.path.insert(0, str(repo / "bindings" / "gen"))
    try:
        import cheader
    finally:
        sys.path.pop(0)
    return cheader.parse(repo / "include" / "rnnwf.h")


def test_code_tables_match_the_header(header):
    defines = {d.name: d.value for d in header.defines}
    for prefix, table in _constants.HEADER_PREFIXES.items():
        from_header = {name[len(prefix):].lower(): value for name, value in defines.items()
                       if name.startswith(prefix)}
        assert table == from_header, f"{prefix}* in include/rnnwf.h: {from_header}"
    statuses = {name: value for name, value in defines.items()
                if name == "RNNWF_OK" or name.startswith("RNNWF_ERR_")}
    assert _constants.STATUSES == statuses
    for name, value in statuses.items():
        assert getattr(rnnwf, name[len("RNNWF_"):]) == value
        assert rnnwf.status_name(value) == name
    assert _constants.ABI_VERSION == defines["RNNWF_ABI_VERSION"] == rnnwf.abi_version()
    assert rnnwf.version() == "{}.{}.{}".format(
        defines["RNNWF_VERSION_MAJOR"], defines["RNNWF_VERSION_MINOR"], defines["RNNWF_VERSION_PATCH"])


def test_cffi_declarations_match_the_header(header):
    for struct in header.structs:
        assert [name for name, _ in ffi.typeof(f"struct {struct.name}").fields] == [
            f.name for f in struct.fields], struct.name
    for function in header.functions:
        assert hasattr(lib, function.name), function.name


def test_every_c_function_is_wrapped(header):
    package = Path(rnnwf.__file__).parent
    source = "\n".join(p.read_text() for p in package.glob("*.py"))
    # called as lib.NAME, or through _handle.call("NAME", ...) (which holds the handles' uses)
    unwrapped = [f.name for f in header.functions
                 if f"lib.{f.name}" not in source and f'"{f.name}"' not in source]
    assert unwrapped == [], "C functions without a Python wrapper"
