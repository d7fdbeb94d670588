"""
    Rnnwf

Recurrent-neural-network wave functions and variational Monte Carlo, through the C API of
`librnnwf` (set `RNNWF_LIB` to its path). Configurations are column-major `Matrix{UInt8}`
of size `(num_sites, n)`; amplitudes come back as `ComplexF64` values of ln psi.

The raw C functions, constants and structs are available under their C names
(`Rnnwf.rnnwf_model_new`, `Rnnwf.RNNWF_CELL_GRU`, ...), generated from `rnnwf.h` into
`src/gen/api.jl`; everything else here is the idiomatic layer on top.
"""
module Rnnwf

using Libdl

export Model, ModelConfig, RnnwfError
export num_sites, num_params, config, get_params, get_params!, set_params!
export sample, sample!, log_psi, log_psi!, save, load_model, resize
export log_psi_connected
export status_name, last_error, set_num_threads
export Hamiltonian, parse_hamiltonian, tfim, heisenberg, triangular, add_term!, num_terms
export new_local, add_local!, local_dim, spin1, bose_hubbard, rydberg
export rotate_z!, three_sublattice_angles
export Estimate, log_psi_grad, log_psi_grad!, local_energies, local_energies!
export expectation, renyi2, exact_expectation, exact_ground_energy, sign_free
export restrict_symmetry, symmetry_invariant, symmetry_size, symmetry_maps
export VmcConfig, VmcStats, Vmc, set_learning_rate!, set_seed!, set_temperature!, set_allreduce!,
    set_diag_shift!, set_n_samples!, cancel!, clear_cancel!, step_count
export step!, fit_step!, load!, step_on_samples!

include("gen/api.jl")
include("library.jl")
include("errors.jl")
include("handles.jl")
include("config.jl")
include("model.jl")
include("hamiltonian.jl")
include("estimators.jl")
include("vmc.jl")

end # module
