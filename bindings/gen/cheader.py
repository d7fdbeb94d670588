"""Reads the cbindgen-generated C header include/rnnwf.h into plain data, for the generators
of the host-language raw layers (bindings/julia/gen, bindings/fortran/gen).

It understands exactly what cbindgen emits for this crate (see cbindgen.toml): `#define NAME
integer`, `typedef struct X X;` (opaque handles), `typedef <scalar> name;`, `typedef struct X {
<scalar or struct> field; ... } X;`, function-pointer typedefs, and function prototypes,
each optionally preceded by `//` comment lines. Anything else raises HeaderError, so a new C
construct stops the generators instead of vanishing from a binding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

# C scalar types the API uses; generators map each to their language.
SCALARS = {
    "void", "char", "int8_t", "uint8_t", "int16_t", "uint16_t", "int32_t", "uint32_t",
    "int64_t", "uint64_t", "size_t", "double", "float", "int", "bool",
}


class HeaderError(Exception):
    pass


@dataclass(frozen=True)
class CType:
    """A C type: a base name (scalar, typedef or struct tag), its pointer depth and whether
    the pointee is const (`const T *`)."""

    base: str
    pointers: int = 0
    const: bool = False

    def __str__(self) -> str:
        return ("const " if self.const else "") + self.base + " " + "*" * self.pointers


@dataclass
class Define:
    name: str
    value: int
    doc: list[str]


@dataclass
class Field:
    name: str
    type: CType
    doc: list[str]


@dataclass
class Struct:
    name: str
    fields: list[Field]
    doc: list[str]


@dataclass
class Param:
    name: str
    type: CType


@dataclass
class Function:
    name: str
    returns: CType
    params: list[Param]
    doc: list[str]


@dataclass
class FunctionPointer:
    name: str
    returns: CType
    params: list[Param]
    doc: list[str]


@dataclass
class Header:
    defines: list[Define] = field(default_factory=list)
    opaque: list[str] = field(default_factory=list)  # handle types: typedef struct X X;
    aliases: dict[str, CType] = field(default_factory=dict)  # typedef int32_t rnnwf_status;
    structs: list[Struct] = field(default_factory=list)
    function_pointers: list[FunctionPointer] = field(default_factory=list)
    functions: list[Function] = field(default_factory=list)

    def struct(self, name: str) -> Struct | None:
        return next((s for s in self.structs if s.name == name), None)

    def kind_of(self, base: str) -> str:
        """'scalar', 'alias', 'opaque', 'struct' or 'function_pointer'."""
        if base in SCALARS:
            return "scalar"
        if base in self.aliases:
            return "alias"
        if base in self.opaque:
            return "opaque"
        if self.struct(base) is not None:
            return "struct"
        if any(f.name == base for f in self.function_pointers):
            return "function_pointer"
        raise HeaderError(f"unknown type {base!r}")


def parse_type(text: str) -> CType:
    """`const struct rnnwf_model *` -> CType('rnnwf_model', 1, True)."""
    t = text.replace("*", " * ").split()
    const = False
    if t and t[0] == "const":
        const, t = True, t[1:]
    if t and t[0] == "struct":
        t = t[1:]
    pointers = t.count("*")
    words = [w for w in t if w != "*"]
    if len(words) != 1 or t[: len(words)] != words or "const" in t:
        raise HeaderError(f"unsupported C type {text!r}")
    return CType(words[0], pointers, const)


def parse_param(text: str) -> Param:
    """`const uint8_t *configs` -> Param('configs', CType('uint8_t', 1, True))."""
    m = re.fullmatch(r"(.*?)(\w+)", text.strip())
    if not m:
        raise HeaderError(f"cannot parse parameter {text!r}")
    return Param(m.group(2), parse_type(m.group(1)))


def parse_params(text: str) -> list[Param]:
    text = text.strip()
    if text in ("", "void"):
        return []
    return [parse_param(p) for p in text.split(",")]


def _strip_block_comments(text: str) -> str:
    # Keep the line count (errors name lines) while dropping /* ... */ comments.
    return re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)


FUNCTION = re.compile(r"(?P<ret>[\w\s\*]+?)\s*\b(?P<name>rnnwf_\w+)\s*\((?P<params>.*)\)\s*;", re.S)
FN_POINTER = re.compile(
    r"typedef\s+(?P<ret>[\w\s\*]+?)\s*\(\s*\*\s*(?P<name>\w+)\s*\)\s*\((?P<params>.*)\)\s*;", re.S
)
IGNORED = re.compile(r'#(ifndef|ifdef|endif|include)\b|#define RNNWF_H$|extern "C" \{$|}$')


def parse(path: Path) -> Header:
    lines = _strip_block_comments(path.read_text()).splitlines()
    header = Header()
    doc: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if line.startswith("//"):
            if not line.startswith("// extern") and not line.startswith("//  extern"):
                doc.append(line[2:].strip())
            continue
        if not line:
            doc = []
            continue
        # `}  // extern "C"` and the preprocessor lines that frame the declarations.
        code = line.split("//")[0].strip()
        if IGNORED.match(code) or code == "":
            doc = []
            continue
        if m := re.fullmatch(r"#define\s+(\w+)\s+(-?\d+)", code):
            header.defines.append(Define(m.group(1), int(m.group(2)), doc))
        elif m := re.fullmatch(r"typedef struct (\w+) (\w+);", code):
            if m.group(1) != m.group(2):
                raise HeaderError(f"line {i}: struct tag and typedef differ: {code}")
            header.opaque.append(m.group(1))
        elif m := re.fullmatch(r"typedef struct (\w+) \{", code):
            name, fields, field_doc = m.group(1), [], []
            while True:
                if i >= len(lines):
                    raise HeaderError(f"struct {name} is not closed")
                inner = lines[i].strip()
                i += 1
                if inner.startswith("//"):
                    field_doc.append(inner[2:].strip())
                elif inner == f"}} {name};":
                    break
                elif fm := re.fullmatch(r"(.+?)\s*\b(\w+);", inner):
                    fields.append(Field(fm.group(2), parse_type(fm.group(1)), field_doc))
                    field_doc = []
                else:
                    raise HeaderError(f"line {i}: unsupported struct member {inner!r}")
            header.structs.append(Struct(name, fields, doc))
        elif code.startswith("typedef") and "(" in code:
            text, i = _statement(lines, code, i)
            m = FN_POINTER.fullmatch(text)
            if not m:
                raise HeaderError(f"line {i}: unsupported typedef {text!r}")
            header.function_pointers.append(
                FunctionPointer(m["name"], parse_type(m["ret"]), parse_params(m["params"]), doc)
            )
        elif m := re.fullmatch(r"typedef\s+([\w\s\*]+?)\s*\b(\w+);", code):
            header.aliases[m.group(2)] = parse_type(m.group(1))
        elif "(" in code:
            text, i = _statement(lines, code, i)
            m = FUNCTION.fullmatch(text)
            if not m:
                raise HeaderError(f"line {i}: unsupported declaration {text!r}")
            header.functions.append(
                Function(m["name"], parse_type(m["ret"]), parse_params(m["params"]), doc)
            )
        else:
            raise HeaderError(f"line {i}: unsupported line {line!r}")
        doc = []
    _check(header)
    return header


def _statement(lines: list[str], first: str, i: int) -> tuple[str, int]:
    """Joins a declaration that spans lines, up to its closing `;`."""
    text = first
    while not text.rstrip().endswith(";"):
        if i >= len(lines):
            raise HeaderError(f"unterminated declaration {first!r}")
        text += " " + lines[i].strip()
        i += 1
    return " ".join(text.split()), i


def _check(header: Header) -> None:
    """Every type named anywhere is known, so a generator can map it."""
    types = [f.type for s in header.structs for f in s.fields]
    for fn in header.functions + header.function_pointers:
        types.append(fn.returns)
        types.extend(p.type for p in fn.params)
    types.extend(header.aliases.values())
    for t in types:
        header.kind_of(t.base)
    if not header.functions:
        raise HeaderError("no functions found")
