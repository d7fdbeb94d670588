"""The C API's codes by name. Generated from include/rnnwf.h by
bindings/python/gen/generate.py: do not edit (tests/generated_bindings.rs checks it).
"""

from __future__ import annotations

# RNNWF_CELL_*: the recurrent cell.
CELLS: dict[str, int] = {
    "vanilla": 0,
    "gru": 1,
    "vanilla_elu": 2,
    "tensor_gru": 3,
    "linear_gated": 4,
}

# RNNWF_PHASE_*: the phase output.
PHASES: dict[str, int] = {
    "none": 0,
    "softsign": 1,
}

# RNNWF_SIGN_*: the fixed sign rule.
SIGNS: dict[str, int] = {
    "none": 0,
    "marshall": 1,
}

# RNNWF_OPT_*: the optimiser.
OPTIMIZERS: dict[str, int] = {
    "sgd": 0,
    "adam": 1,
    "sr": 2,
}

# RNNWF_PRECONDITIONER_*: the preconditioner.
PRECONDITIONERS: dict[str, int] = {
    "none": 0,
    "sr": 1,
    "spring": 2,
}

# RNNWF_SYMMETRY_*: averaging over a symmetry group of the lattice.
SYMMETRIES: dict[str, int] = {
    "none": 0,
    "lattice": 1,
    "lattice_spin_flip": 2,
}

# RNNWF_PRECISION_*: the floating-point type of the passes.
PRECISIONS: dict[str, int] = {
    "f64": 0,
    "f32": 1,
}

# RNNWF_BOUNDARY_*: the neighbours a grid site reads.
BOUNDARIES: dict[str, int] = {
    "open": 0,
    "periodic": 1,
}

# RNNWF_SR_SOLVER_*: how a step's SR system was solved (VmcStats.sr_solver).
SR_SOLVERS: dict[str, int] = {
    "none": 0,
    "cholesky": 1,
    "eigen": 2,
    "cg": 3,
}

# RNNWF_MAP_*: a lattice map, an element of the symmetry group (Model.symmetry_maps).
MAPS: dict[str, int] = {
    "identity": 0,
    "reflect_x": 1,
    "reflect_y": 2,
    "half_turn": 3,
    "quarter_turn": 4,
    "three_quarter_turn": 5,
    "diagonal": 6,
    "antidiagonal": 7,
}

# Config field -> the table of names it accepts (integers are accepted as they are).
ENUM_FIELDS: dict[str, dict[str, int]] = {
    "cell": CELLS,
    "phase": PHASES,
    "sign_rule": SIGNS,
    "optimizer": OPTIMIZERS,
    "preconditioner": PRECONDITIONERS,
    "symmetry": SYMMETRIES,
    "precision": PRECISIONS,
    "boundary": BOUNDARIES,
}

# Header prefix of each table: RNNWF_CELL_GRU <-> CELLS["gru"].
HEADER_PREFIXES: dict[str, dict[str, int]] = {
    "RNNWF_CELL_": CELLS,
    "RNNWF_PHASE_": PHASES,
    "RNNWF_SIGN_": SIGNS,
    "RNNWF_OPT_": OPTIMIZERS,
    "RNNWF_PRECONDITIONER_": PRECONDITIONERS,
    "RNNWF_SYMMETRY_": SYMMETRIES,
    "RNNWF_PRECISION_": PRECISIONS,
    "RNNWF_BOUNDARY_": BOUNDARIES,
    "RNNWF_SR_SOLVER_": SR_SOLVERS,
    "RNNWF_MAP_": MAPS,
}

# RNNWF_WITH_FLIP: added to a map's code for the element with the spin flip.
WITH_FLIP = 8
# RNNWF_WITH_CONJUGATE: added to a map's code for the element with the conjugation.
WITH_CONJUGATE = 16

# RNNWF_OK and RNNWF_ERR_*: the status codes, also module attributes (rnnwf.ERR_IO, ...).
OK = 0
ERR_NULL_POINTER = 1
ERR_INVALID_ARGUMENT = 2
ERR_BUFFER_SIZE = 3
ERR_IO = 4
ERR_FORMAT = 5
ERR_NUMERICAL = 6
ERR_UNSUPPORTED = 7
ERR_CALLBACK = 8
ERR_OUT_OF_MEMORY = 9
ERR_CANCELLED = 10
ERR_PANIC = 99

STATUSES: dict[str, int] = {
    "RNNWF_OK": OK,
    "RNNWF_ERR_NULL_POINTER": ERR_NULL_POINTER,
    "RNNWF_ERR_INVALID_ARGUMENT": ERR_INVALID_ARGUMENT,
    "RNNWF_ERR_BUFFER_SIZE": ERR_BUFFER_SIZE,
    "RNNWF_ERR_IO": ERR_IO,
    "RNNWF_ERR_FORMAT": ERR_FORMAT,
    "RNNWF_ERR_NUMERICAL": ERR_NUMERICAL,
    "RNNWF_ERR_UNSUPPORTED": ERR_UNSUPPORTED,
    "RNNWF_ERR_CALLBACK": ERR_CALLBACK,
    "RNNWF_ERR_OUT_OF_MEMORY": ERR_OUT_OF_MEMORY,
    "RNNWF_ERR_CANCELLED": ERR_CANCELLED,
    "RNNWF_ERR_PANIC": ERR_PANIC,
}

# The ABI generation this package was written for (RNNWF_ABI_VERSION).
ABI_VERSION = 3
