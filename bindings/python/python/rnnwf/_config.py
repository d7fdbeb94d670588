"""Config structs from keyword arguments, driven by the C struct's own fields.

The accepted keywords are the fields of the cffi declaration, which maturin generates from
the C API when the package is built, so a field added to ``rnnwf_model_config`` or
``rnnwf_vmc_config`` is a keyword at once; names for its codes go into
``_constants.ENUM_FIELDS``.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from ._constants import ENUM_FIELDS
from ._errors import check, invalid, invalid_type
from ._native import ffi
from .names import ALIASES, SHOWN


def field_names(ctype: str) -> list[str]:
    """The settable fields of a config struct, in declaration order."""
    return [name for name, _ in ffi.typeof(ctype).fields if name != "struct_size"]


def encode(field: str, value: Any) -> Any:
    """A field's C value: a name from its table becomes its code."""
    table = ENUM_FIELDS.get(field)
    if table is not None and isinstance(value, str):
        name = value.lower()
        code = table.get(ALIASES.get(field, {}).get(name, name))
        if code is None:
            valid = sorted({SHOWN.get(field, {}).get(n, n) for n in table} | set(ALIASES.get(field, {})))
            invalid(f"{field}: unknown value {value!r}; valid: {', '.join(valid)}")
        return code
    return value


def decode(field: str, value: Any) -> Any:
    """A field's value for Python: a code with a name becomes the name."""
    table = ENUM_FIELDS.get(field)
    if table is not None:
        for name, code in table.items():
            if code == value:
                return SHOWN.get(field, {}).get(name, name)
    return value


def make_config(
    ctype: str,
    init: Callable[[Any], int],
    settings: Mapping[str, Any],
    aliases: Mapping[str, str] | None = None,
) -> Any:
    """A ``ctype *`` filled with the library's defaults (``init``), then with every
    setting that is not None. Unknown keywords and values that do not fit the field's C
    type raise Error (RNNWF_ERR_INVALID_ARGUMENT; also ValueError, or TypeError for a value
    of the wrong type); ranges are the library's to check."""
    cfg = ffi.new(f"{ctype} *")
    check(init(cfg))
    fields = field_names(ctype)
    for key, name in (aliases or {}).items():
        if settings.get(key) is not None and settings.get(name) is not None:
            invalid(f"{ctype}: {key}= and {name}= name the same field; give one")
    for key, value in settings.items():
        if value is None:
            continue
        name = (aliases or {}).get(key, key)
        if name not in fields:
            invalid(f"{ctype}: unknown keyword {key!r}; valid: {', '.join(fields)}")
        try:
            setattr(cfg, name, encode(name, value))
        except OverflowError as e:
            invalid(f"{ctype}.{name}: {value!r} does not fit the field ({e})")
        except TypeError as e:
            invalid_type(f"{ctype}.{name}: {value!r} has the wrong type ({e})")
    return cfg


def sized(ctype: str) -> Any:
    """A zeroed ``ctype *`` for the library to write, with the ``struct_size`` it requires."""
    out = ffi.new(f"{ctype} *")
    out.struct_size = ffi.sizeof(ctype)
    return out


def config_dict(cfg: Any) -> dict[str, Any]:
    """The fields of a config struct, codes with a name as names."""
    ctype = ffi.typeof(cfg).item.cname if ffi.typeof(cfg).kind == "pointer" else ffi.typeof(cfg).cname
    return {name: decode(name, getattr(cfg, name)) for name in field_names(ctype)}
