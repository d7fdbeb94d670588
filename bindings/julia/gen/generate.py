#!/usr/bin/env python3
"""Generates bindings/julia/Rnnwf/src/gen/api.jl, the raw ccall layer, from include/rnnwf.h.

    python3 bindings/julia/gen/generate.py            # rewrite the committed api.jl
    python3 bindings/julia/gen/generate.py -o FILE    # write elsewhere ('-': stdout)

One Julia definition per C declaration, same names: constants for the #defines, isbits
structs for the config structs, empty mutable structs for the opaque handles (only ever
behind Ptr), and a function per prototype that ccalls the symbol found at run time by
`libsym` (src/library.jl). rnnwf_complex is ComplexF64 (same layout). tests/julia_bindings.rs
regenerates the file and fails when the committed one differs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "bindings" / "gen"))
import cheader  # noqa: E402
from cheader import CType, Header  # noqa: E402

OUTPUT = ROOT / "bindings" / "julia" / "Rnnwf" / "src" / "gen" / "api.jl"

SCALARS = {
    "void": "Cvoid", "char": "Cchar", "bool": "Bool", "int": "Cint", "float": "Cfloat",
    "double": "Cdouble", "size_t": "Csize_t", "int8_t": "Int8", "uint8_t": "UInt8",
    "int16_t": "Int16", "uint16_t": "UInt16", "int32_t": "Int32", "uint32_t": "UInt32",
    "int64_t": "Int64", "uint64_t": "UInt64",
}
# Julia keywords cannot name arguments or fields.
KEYWORDS = {
    "baremodule", "begin", "break", "catch", "const", "continue", "do", "else", "elseif",
    "end", "export", "false", "finally", "for", "function", "global", "if", "import", "let",
    "local", "macro", "module", "quote", "return", "struct", "true", "try", "using", "while",
}
COMPLEX = "rnnwf_complex"


def ident(name: str) -> str:
    return name + "_" if name in KEYWORDS else name


def jl_type(header: Header, t: CType) -> str:
    if t.base == "char" and t.pointers == 1:
        # In: a NUL-terminated string (ccall refuses embedded NULs). Out: a byte buffer.
        return "Cstring" if t.const else "Ptr{UInt8}"
    if header.kind_of(t.base) == "function_pointer":
        inner = "Ptr{Cvoid}"
    else:
        inner = SCALARS.get(t.base, t.base)
    for _ in range(t.pointers):
        inner = f"Ptr{{{inner}}}"
    return inner


def comment(lines: list[str], indent: str = "") -> list[str]:
    return [f"{indent}# {line}".rstrip() for line in lines]


def generate(header: Header) -> str:
    out = [
        "# Generated from include/rnnwf.h by bindings/julia/gen/generate.py; do not edit.",
        "# Regenerate: python3 bindings/julia/gen/generate.py",
        "#",
        "# The raw C API, one definition per declaration of the header, under the C names.",
        "# The idiomatic API (Model, RnnwfError, ...) is written by hand on top of it.",
        "",
        "# ---- constants ----",
        "",
    ]
    for d in header.defines:
        out += comment(d.doc)
        out.append(f"const {d.name} = {d.value}")
    out += ["", "# ---- types ----", ""]
    for name, target in header.aliases.items():
        out.append(f"const {name} = {jl_type(header, target)}")
    for name in header.opaque:
        out += ["", "# Opaque handle, only ever behind a Ptr.", f"mutable struct {name} end"]
    for fp in header.function_pointers:
        out += [""] + comment(fp.doc)
        out.append(f"const {fp.name} = Ptr{{Cvoid}}  # a @cfunction pointer")
    for s in header.structs:
        out.append("")
        if s.name == COMPLEX:
            fields = [(f.name, f.type) for f in s.fields]
            if fields != [("re", CType("double")), ("im", CType("double"))]:
                raise cheader.HeaderError(f"{COMPLEX} is no longer {{double re, im}}")
            out += comment(s.doc)
            out.append(f"const {COMPLEX} = ComplexF64")
            continue
        out += comment(s.doc)
        out.append(f"struct {s.name}")
        for f in s.fields:
            out += comment(f.doc, "    ")
            out.append(f"    {ident(f.name)}::{jl_type(header, f.type)}")
        out.append("end")
    out += ["", "# ---- functions ----"]
    for fn in header.functions:
        args = ", ".join(ident(p.name) for p in fn.params)
        types = "".join(f"{jl_type(header, p.type)}, " for p in fn.params)
        types = f"({types.rstrip(', ')}{',' if len(fn.params) == 1 else ''})"
        out += [""] + comment(fn.doc)
        out.append(f"function {fn.name}({args})")
        call = f"ccall(libsym(:{fn.name}), {jl_type(header, fn.returns)}, {types}"
        call = f"{call}{', ' + args if args else ''})"
        # Under the uses of the handle objects passed (src/handles.jl): never freed under
        # the call, never re-entered by it.
        handles = [ident(p.name) for p in fn.params
                   if p.type.pointers == 1 and header.kind_of(p.type.base) == "opaque"]
        if handles:
            out.append(f"    with_uses(\"{fn.name}\", ({', '.join(handles)},)) do")
            out.append(f"        {call}")
            out.append("    end")
        else:
            out.append(f"    {call}")
        out.append("end")
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default=str(OUTPUT), help="file to write, '-' for stdout")
    parser.add_argument("--header", default=str(ROOT / "include" / "rnnwf.h"))
    args = parser.parse_args()
    text = generate(cheader.parse(Path(args.header)))
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(text)


if __name__ == "__main__":
    main()
