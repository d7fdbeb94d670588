#!/usr/bin/env python3
"""Generates bindings/fortran/rnnwf_capi.f90, the raw iso_c_binding layer, from
include/rnnwf.h (as FFTW's genf03 does, so the Fortran interface never drifts from C).

    python3 bindings/fortran/gen/generate.py            # rewrite the committed file
    python3 bindings/fortran/gen/generate.py -o FILE    # write elsewhere ('-': stdout)

Module rnnwf_capi holds, under the C names: an integer(c_int32_t) parameter per #define, a
bind(C) derived type per config struct, and a bind(C) interface per function. Argument
mapping, chosen so it needs no knowledge beyond the prototype:
  - scalars by value, with the C width (uint32_t -> integer(c_int32_t): Fortran has no
    unsigned types, and the values used fit);
  - a pointer to a config struct -> the derived type by reference;
  - `const char *` -> character(kind=c_char) :: s(*), NUL-terminated by the caller;
  - every other pointer (handles, arrays, out-scalars, buffers) -> type(c_ptr), value, and
    `T **` -> type(c_ptr) by reference: the hand-written module rnnwf passes c_loc(...);
  - function pointers -> type(c_funptr), value.
rnnwf_complex is complex(c_double_complex) (same layout), so it gets no derived type.
tests/generated_bindings.rs regenerates the file and fails when the committed one differs.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "bindings" / "gen"))
import cheader  # noqa: E402
from cheader import CType, Header  # noqa: E402

OUTPUT = ROOT / "bindings" / "fortran" / "rnnwf_capi.f90"
COMPLEX = "rnnwf_complex"

# Fortran names are case-insensitive: a constant that differs from a function only in case
# gets another name here. A new clash stops the generator until it is added.
RENAMED_CONSTANTS = {"RNNWF_ABI_VERSION": "RNNWF_HEADER_ABI_VERSION"}

# C scalar -> (Fortran type, iso_c_binding kind it needs).
SCALARS = {
    "int8_t": ("integer(c_int8_t)", "c_int8_t"),
    "uint8_t": ("integer(c_int8_t)", "c_int8_t"),
    "int16_t": ("integer(c_int16_t)", "c_int16_t"),
    "uint16_t": ("integer(c_int16_t)", "c_int16_t"),
    "int32_t": ("integer(c_int32_t)", "c_int32_t"),
    "uint32_t": ("integer(c_int32_t)", "c_int32_t"),
    "int64_t": ("integer(c_int64_t)", "c_int64_t"),
    "uint64_t": ("integer(c_int64_t)", "c_int64_t"),
    "int": ("integer(c_int)", "c_int"),
    "size_t": ("integer(c_size_t)", "c_size_t"),
    "double": ("real(c_double)", "c_double"),
    "float": ("real(c_float)", "c_float"),
    "bool": ("logical(c_bool)", "c_bool"),
    "char": ("character(kind=c_char)", "c_char"),
}


class Emitter:
    def __init__(self, header: Header):
        self.header = header
        self.kinds: set[str] = {"c_int32_t"}  # the constants' kind

    def resolve(self, t: CType) -> CType:
        """Follows typedef aliases (rnnwf_status -> int32_t)."""
        while t.base in self.header.aliases:
            target = self.header.aliases[t.base]
            t = CType(target.base, t.pointers + target.pointers, t.const or target.const)
        return t

    def scalar(self, base: str) -> str:
        if base == COMPLEX:
            self.kinds.add("c_double_complex")
            return "complex(c_double_complex)"
        if self.header.kind_of(base) == "struct":
            return f"type({base})"
        if self.header.kind_of(base) == "function_pointer":
            self.kinds.add("c_funptr")
            return "type(c_funptr)"
        if base not in SCALARS:
            raise cheader.HeaderError(f"no Fortran mapping for {base!r}")
        fortran, kind = SCALARS[base]
        self.kinds.add(kind)
        return fortran

    def field(self, t: CType) -> str:
        t = self.resolve(t)
        if t.pointers:
            self.kinds.add("c_ptr")
            return "type(c_ptr)"
        return self.scalar(t.base)

    def dummy(self, t: CType, name: str) -> str:
        """The declaration of a dummy argument of an interface."""
        t = self.resolve(t)
        if t.pointers == 0:
            return f"{self.scalar(t.base)}, value :: {name}"
        if t.pointers == 1 and t.base == "char" and t.const:
            self.kinds.add("c_char")
            return f"character(kind=c_char), intent(in) :: {name}(*)"
        struct = self.header.struct(t.base)
        if t.pointers == 1 and struct is not None and t.base != COMPLEX:
            return f"type({t.base}), intent({'in' if t.const else 'inout'}) :: {name}"
        self.kinds.add("c_ptr")
        if t.pointers == 2:
            return f"type(c_ptr), intent(inout) :: {name}"
        return f"type(c_ptr), value :: {name}"

    def result(self, t: CType) -> str | None:
        t = self.resolve(t)
        if t.pointers:
            self.kinds.add("c_ptr")
            return "type(c_ptr)"
        if t.base == "void":
            return None
        return self.scalar(t.base)


def comment(lines: list[str], indent: str) -> list[str]:
    return [f"{indent}! {line}".rstrip() for line in lines]


def continued(text: str, indent: str) -> list[str]:
    """Free-form lines of at most 100 characters, broken at spaces with `&`."""
    width = 100 - len(indent) - 2
    parts = textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)
    return [
        indent + ("    " if i else "") + p + (" &" if i < len(parts) - 1 else "")
        for i, p in enumerate(parts)
    ]


def check_names(header: Header) -> None:
    seen: dict[str, str] = {}
    names = [RENAMED_CONSTANTS.get(d.name, d.name) for d in header.defines]
    names += [s.name for s in header.structs] + [f.name for f in header.functions]
    for name in names:
        other = seen.setdefault(name.lower(), name)
        if other != name:
            raise cheader.HeaderError(
                f"{other} and {name} are one name in Fortran: add one to RENAMED_CONSTANTS"
            )


def generate(header: Header) -> str:
    check_names(header)
    e = Emitter(header)
    body: list[str] = []
    for d in header.defines:
        body += comment(d.doc, "  ")
        name = RENAMED_CONSTANTS.get(d.name, d.name)
        if name != d.name:
            body.append(f"  ! {d.name} in C; Fortran names ignore case, and {d.name.lower()} is a function.")
        body.append(f"  integer(c_int32_t), parameter :: {name} = {d.value}")
    for s in header.structs:
        if s.name == COMPLEX:
            fields = [(f.name, f.type) for f in s.fields]
            if fields != [("re", CType("double")), ("im", CType("double"))]:
                raise cheader.HeaderError(f"{COMPLEX} is no longer {{double re, im}}")
            continue
        body.append("")
        body += comment(s.doc, "  ")
        body.append(f"  type, bind(C) :: {s.name}")
        for f in s.fields:
            body += comment(f.doc, "    ")
            body.append(f"    {e.field(f.type)} :: {f.name}")
        body.append(f"  end type {s.name}")

    body += ["", "  interface"]
    for fn in header.functions:
        args = ", ".join(p.name for p in fn.params)
        result = e.result(fn.returns)
        kind = "function" if result else "subroutine"
        suffix = " result(res)" if result else ""
        body.append("")
        body += comment(fn.doc, "    ")
        body += continued(f'{kind} {fn.name}({args}) bind(C, name="{fn.name}"){suffix}', "    ")
        body.append("      import")
        body.append("      implicit none")
        for p in fn.params:
            body += continued(e.dummy(p.type, p.name), "      ")
        if result:
            body.append(f"      {result} :: res")
        body.append(f"    end {kind} {fn.name}")
    body.append("  end interface")

    kinds = sorted(e.kinds)
    head = [
        "! Generated from include/rnnwf.h by bindings/fortran/gen/generate.py; do not edit.",
        "! Regenerate: python3 bindings/fortran/gen/generate.py",
        "!",
        "! The raw C API of rnnwf for Fortran 2008, one declaration per declaration of the header,",
        "! under the C names: constants, bind(C) config types and bind(C) interfaces whose pointer",
        "! arguments are type(c_ptr). Use the module rnnwf (rnnwf.f90), which wraps these with",
        "! derived types, assumed-shape arrays and stat/errmsg, and re-exports everything here.",
        "module rnnwf_capi",
    ]
    head += continued(f"use, intrinsic :: iso_c_binding, only: {', '.join(kinds)}", "  ")
    head += ["  implicit none", "  public", "  ! The kinds are iso_c_binding's to export, not ours."]
    head += continued(f"private :: {', '.join(kinds)}", "  ")
    head.append("")
    return "\n".join(head + body + ["end module rnnwf_capi", ""])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default=str(OUTPUT), help="file to write, '-' for stdout")
    parser.add_argument("--header", default=str(ROOT / "include" / "rnnwf.h"))
    args = parser.parse_args()
    text = generate(cheader.parse(Path(args.header)))
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text)


if __name__ == "__main__":
    main()
