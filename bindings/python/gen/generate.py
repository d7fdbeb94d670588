#!/usr/bin/env python3
"""Generates bindings/python/python/rnnwf/_constants.py, the C API's codes by name, from
include/rnnwf.h.

    python3 bindings/python/gen/generate.py            # rewrite the committed _constants.py
    python3 bindings/python/gen/generate.py -o FILE    # write elsewhere ('-': stdout)

maturin's cffi declarations leave out the header's #defines, so the package takes its codes
from this generated file: each enum table is the header's macros under one prefix, named by
the rest of the macro in lower case (RNNWF_CELL_GRU -> CELLS["gru"]). The header's macros are
in turn checked against the library's enum tables (src/capi/codes.rs).
tests/generated_bindings.rs regenerates the file and fails when the committed one differs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "bindings" / "gen"))
import cheader  # noqa: E402

OUTPUT = ROOT / "bindings" / "python" / "python" / "rnnwf" / "_constants.py"

# (table, header prefix, config field that takes it or None, comment); a new enum is a line.
TABLES = [
    ("CELLS", "RNNWF_CELL_", "cell", "the recurrent cell"),
    ("PHASES", "RNNWF_PHASE_", "phase", "the phase output"),
    ("SIGNS", "RNNWF_SIGN_", "sign_rule", "the fixed sign rule"),
    ("OPTIMIZERS", "RNNWF_OPT_", "optimizer", "the optimiser"),
    ("PRECONDITIONERS", "RNNWF_PRECONDITIONER_", "preconditioner", "the preconditioner"),
    ("SYMMETRIES", "RNNWF_SYMMETRY_", "symmetry", "averaging over a symmetry group of the lattice"),
    ("PRECISIONS", "RNNWF_PRECISION_", "precision", "the floating-point type of the passes"),
    ("BOUNDARIES", "RNNWF_BOUNDARY_", "boundary", "the neighbours a grid site reads"),
    ("SR_SOLVERS", "RNNWF_SR_SOLVER_", None, "how a step's SR system was solved (VmcStats.sr_solver)"),
    ("MAPS", "RNNWF_MAP_", None, "a lattice map, an element of the symmetry group (Model.symmetry_maps)"),
]


def generate(header: cheader.Header) -> str:
    defines = {d.name: d.value for d in header.defines}
    out = [
        '"""The C API\'s codes by name. Generated from include/rnnwf.h by',
        "bindings/python/gen/generate.py: do not edit (tests/generated_bindings.rs checks it).",
        '"""',
        "",
        "from __future__ import annotations",
        "",
    ]
    for table, prefix, _, what in TABLES:
        entries = [(n[len(prefix):].lower(), v) for n, v in defines.items() if n.startswith(prefix)]
        if not entries:
            raise SystemExit(f"no {prefix}* macro in the header")
        out.append(f"# {prefix}*: {what}.")
        out.append(f"{table}: dict[str, int] = {{")
        out.extend(f'    "{name}": {value},' for name, value in entries)
        out.extend(["}", ""])
    out.append("# Config field -> the table of names it accepts (integers are accepted as they are).")
    out.append("ENUM_FIELDS: dict[str, dict[str, int]] = {")
    out.extend(f'    "{field}": {table},' for table, _, field, _ in TABLES if field)
    out.extend(["}", ""])
    out.append("# Header prefix of each table: RNNWF_CELL_GRU <-> CELLS[\"gru\"].")
    out.append("HEADER_PREFIXES: dict[str, dict[str, int]] = {")
    out.extend(f'    "{prefix}": {table},' for table, prefix, _, _ in TABLES)
    out.extend(["}", ""])
    out.append("# RNNWF_WITH_FLIP: added to a map's code for the element with the spin flip.")
    out.append(f"WITH_FLIP = {defines['RNNWF_WITH_FLIP']}")
    out.append("# RNNWF_WITH_CONJUGATE: added to a map's code for the element with the conjugation.")
    out.append(f"WITH_CONJUGATE = {defines['RNNWF_WITH_CONJUGATE']}")
    out.append("")
    out.append("# RNNWF_OK and RNNWF_ERR_*: the status codes, also module attributes (rnnwf.ERR_IO, ...).")
    statuses = [(n, v) for n, v in defines.items() if n == "RNNWF_OK" or n.startswith("RNNWF_ERR_")]
    out.extend(f"{n[len('RNNWF_'):]} = {v}" for n, v in statuses)
    out.append("")
    out.append("STATUSES: dict[str, int] = {")
    out.extend(f'    "{n}": {n[len("RNNWF_"):]},' for n, _ in statuses)
    out.extend(["}", ""])
    out.append("# The ABI generation this package was written for (RNNWF_ABI_VERSION).")
    out.append(f"ABI_VERSION = {defines['RNNWF_ABI_VERSION']}")
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default=str(OUTPUT))
    parser.add_argument("--header", default=str(ROOT / "include" / "rnnwf.h"))
    args = parser.parse_args()
    text = generate(cheader.parse(Path(args.header)))
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text)


if __name__ == "__main__":
    main()
