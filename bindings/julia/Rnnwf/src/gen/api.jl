# Generated from include/rnnwf.h by bindings/julia/gen/generate.py; do not edit.
# Regenerate: python3 bindings/julia/gen/generate.py
#
# The raw C API, one definition per declaration of the header, under the C names.
# The idiomatic API (Model, RnnwfError, ...) is written by hand on top of it.

# ---- constants ----

# h' = tanh(W h + V x + b)
const RNNWF_CELL_VANILLA = 0
# Gated recurrent unit.
const RNNWF_CELL_GRU = 1
# psi = sqrt(P)
const RNNWF_PHASE_NONE = 0
# `psi = sqrt(P) exp(i sum_n pi softsign(U' h_n + c')[s_n])`
const RNNWF_PHASE_SOFTSIGN = 1
const RNNWF_SIGN_NONE = 0
# psi *= (-1)^(down spins on sublattice A: x+y even)
const RNNWF_SIGN_MARSHALL = 1
const RNNWF_VERSION_MAJOR = 0
const RNNWF_VERSION_MINOR = 1
const RNNWF_VERSION_PATCH = 0
# The ABI generation: equals RNNWF_VERSION_MINOR while on 0.x, matching the shared
# library's SONAME librnnwf.so.0.MINOR. A host built against one ABI version needs a library
# with the same one.
const RNNWF_ABI_VERSION = 1
# Success.
const RNNWF_OK = 0
# A required pointer argument was NULL (the message names it).
const RNNWF_ERR_NULL_POINTER = 1
# A value out of range: config field, spin value, site index.
const RNNWF_ERR_INVALID_ARGUMENT = 2
# An array length that does not match.
const RNNWF_ERR_BUFFER_SIZE = 3
# A file could not be opened, read or written.
const RNNWF_ERR_IO = 4
# A file that is not a valid, intact checkpoint.
const RNNWF_ERR_FORMAT = 5
# NaN or Inf met: in parameters, energies or gradients.
const RNNWF_ERR_NUMERICAL = 6
# A request this build does not support (e.g. ly > 1 before the 2D RNN lands).
const RNNWF_ERR_UNSUPPORTED = 7
# A host callback returned non-zero.
const RNNWF_ERR_CALLBACK = 8
# A bug inside the library was caught at the boundary; the message says where.
const RNNWF_ERR_PANIC = 99

# ---- types ----

const rnnwf_status = Int32

# Opaque handle, only ever behind a Ptr.
mutable struct rnnwf_model end

# A complex double, layout-compatible with C99 `double _Complex`, C++ `std::complex<double>`,
# Fortran `complex(c_double_complex)` and Julia `ComplexF64`.
const rnnwf_complex = ComplexF64

# Everything that fixes a model's shape and initial parameters. Fill it with
# rnnwf_model_config_init first, then change the fields you need.
struct rnnwf_model_config
    # sizeof(rnnwf_model_config), set by rnnwf_model_config_init.
    struct_size::UInt32
    # RNNWF_CELL_VANILLA or RNNWF_CELL_GRU.
    cell::UInt32
    # Sites along x; a chain has lx sites.
    lx::UInt32
    # 1: 1D RNN; >1: 2D RNN on the lx*ly grid (snake order; not implemented yet:
    # RNNWF_ERR_UNSUPPORTED).
    ly::UInt32
    # Values per site; 2 for spin-1/2.
    local_dim::UInt32
    # Hidden units per layer.
    hidden::UInt32
    # Stacked RNN layers.
    layers::UInt32
    # RNNWF_PHASE_NONE or RNNWF_PHASE_SOFTSIGN.
    phase::UInt32
    # RNNWF_SIGN_NONE or RNNWF_SIGN_MARSHALL.
    sign_rule::UInt32
    # -1: none; else every sample has sum of site values == u1_total (spin-1/2: number of
    # down spins; lx*ly/2 = zero magnetisation).
    u1_total::Int32
    # Seed of the parameter initialisation.
    seed::UInt64
end

# ---- functions ----

# d ln psi(s_i) / d theta_k of the `n` configurations in `configs` (`[n][n_sites]`) into
# `out` (`[n][num_params]`, parameters in the order of rnnwf_model_get_params): the real
# part is 0.5 d ln P, the imaginary part the derivative of the phase. A configuration with
# P = 0 (outside the U(1) subspace) has no derivative: RNNWF_ERR_INVALID_ARGUMENT naming
# it. NULL arrays are accepted when `n` is 0. Nothing is written on failure.
function rnnwf_log_psi_grad(m, configs, n, out)
    ccall(libsym(:rnnwf_log_psi_grad), rnnwf_status, (Ptr{rnnwf_model}, Ptr{UInt8}, Csize_t, Ptr{rnnwf_complex}), m, configs, n, out)
end

# Copies the message of this thread's last failed call into `buf`: at most `len - 1` bytes
# (never splitting a UTF-8 character), then a NUL. Returns the full message length in
# bytes, without the NUL, so a caller can size a buffer with `rnnwf_last_error(NULL, 0) + 1`.
# The message is "" when no call on this thread has failed. Successful calls do not clear it.
# `buf` may be NULL when `len` is 0; with NULL and `len > 0` nothing is written.
function rnnwf_last_error(buf, len)
    ccall(libsym(:rnnwf_last_error), Csize_t, (Ptr{UInt8}, Csize_t), buf, len)
end

# Fills `cfg` with the defaults (GRU, lx 10, ly 1, local_dim 2, hidden 32, layers 1, no
# phase, no sign rule, u1_total -1, seed 0) and sets struct_size.
function rnnwf_model_config_init(cfg)
    ccall(libsym(:rnnwf_model_config_init), rnnwf_status, (Ptr{rnnwf_model_config},), cfg)
end

# Creates a model with Glorot-uniform weights drawn from cfg->seed. Invalid fields
# (hidden = 0, local_dim < 2, an infeasible u1_total, an unknown code, a wrong struct_size)
# give RNNWF_ERR_INVALID_ARGUMENT; ly > 1 gives RNNWF_ERR_UNSUPPORTED for now.
function rnnwf_model_new(cfg, out)
    ccall(libsym(:rnnwf_model_new), rnnwf_status, (Ptr{rnnwf_model_config}, Ptr{Ptr{rnnwf_model}}), cfg, out)
end

# A deep copy of `m`: same config and parameters, independent from then on.
function rnnwf_model_clone(m, out)
    ccall(libsym(:rnnwf_model_clone), rnnwf_status, (Ptr{rnnwf_model}, Ptr{Ptr{rnnwf_model}}), m, out)
end

# Destroys a model; NULL is a no-op. May run on any thread.
function rnnwf_model_free(m)
    ccall(libsym(:rnnwf_model_free), Cvoid, (Ptr{rnnwf_model},), m)
end

# The model's config, with struct_size set.
function rnnwf_model_get_config(m, out)
    ccall(libsym(:rnnwf_model_get_config), rnnwf_status, (Ptr{rnnwf_model}, Ptr{rnnwf_model_config}), m, out)
end

# The number of sites, lx * ly: the row length of a configuration.
function rnnwf_model_num_sites(m, out)
    ccall(libsym(:rnnwf_model_num_sites), rnnwf_status, (Ptr{rnnwf_model}, Ptr{Csize_t}), m, out)
end

# The number of real parameters, the length of the get/set_params arrays.
function rnnwf_model_num_params(m, out)
    ccall(libsym(:rnnwf_model_num_params), rnnwf_status, (Ptr{rnnwf_model}, Ptr{Csize_t}), m, out)
end

# Copies the parameters into `out`; `len` must equal rnnwf_model_num_params
# (else RNNWF_ERR_BUFFER_SIZE).
function rnnwf_model_get_params(m, out, len)
    ccall(libsym(:rnnwf_model_get_params), rnnwf_status, (Ptr{rnnwf_model}, Ptr{Cdouble}, Csize_t), m, out, len)
end

# Replaces every parameter. `len` must equal rnnwf_model_num_params (else
# RNNWF_ERR_BUFFER_SIZE); a NaN or Inf gives RNNWF_ERR_NUMERICAL. On any error the model is
# unchanged.
function rnnwf_model_set_params(m, params, len)
    ccall(libsym(:rnnwf_model_set_params), rnnwf_status, (Ptr{rnnwf_model}, Ptr{Cdouble}, Csize_t), m, params, len)
end

# Writes a checkpoint (safetensors; the format is described in src/checkpoint.rs) to `path`:
# to a temporary file that is renamed over `path` once complete, so `path` is never
# half-written. RNNWF_ERR_IO on failure; an empty path is RNNWF_ERR_INVALID_ARGUMENT.
function rnnwf_model_save(m, path)
    ccall(libsym(:rnnwf_model_save), rnnwf_status, (Ptr{rnnwf_model}, Cstring), m, path)
end

# Reads a checkpoint written by rnnwf_model_save. RNNWF_ERR_IO when the file cannot be read;
# RNNWF_ERR_FORMAT when it is not an intact rnnwf checkpoint (truncated, corrupted, foreign);
# RNNWF_ERR_UNSUPPORTED for an intact file whose config this version cannot build; an empty
# path is RNNWF_ERR_INVALID_ARGUMENT.
function rnnwf_model_load(path, out)
    ccall(libsym(:rnnwf_model_load), rnnwf_status, (Cstring, Ptr{Ptr{rnnwf_model}}), path, out)
end

# Draws `n` independent exact samples of P = |psi|^2 into `configs_out`
# (`[n][n_sites]`, values 0..local_dim) and, when `log_psi_out` is not NULL, their ln psi
# (`[n]`) from the same pass. The result depends only on the parameters, `seed` and `n`,
# never on the thread count. NULL arrays are accepted when `n` is 0. Nothing is written on
# failure.
function rnnwf_sample(m, seed, n, configs_out, log_psi_out)
    ccall(libsym(:rnnwf_sample), rnnwf_status, (Ptr{rnnwf_model}, UInt64, Csize_t, Ptr{UInt8}, Ptr{rnnwf_complex}), m, seed, n, configs_out, log_psi_out)
end

# ln psi(s) = 0.5 ln P(s) + i (phase(s) + pi * sign-rule count) of the `n` configurations in
# `configs` (`[n][n_sites]`) into `out` (`[n]`). A value >= local_dim gives
# RNNWF_ERR_INVALID_ARGUMENT naming the configuration and site. A configuration outside the
# U(1) subspace has P = 0: its re is -inf. NULL arrays are accepted when `n` is 0. Nothing
# is written on failure.
function rnnwf_log_psi(m, configs, n, out)
    ccall(libsym(:rnnwf_log_psi), rnnwf_status, (Ptr{rnnwf_model}, Ptr{UInt8}, Csize_t, Ptr{rnnwf_complex}), m, configs, n, out)
end

# The name of a status code as a static string, e.g. "RNNWF_ERR_BUFFER_SIZE";
# "RNNWF_UNKNOWN_STATUS" for a value that is not a code. Never NULL; never free it.
function rnnwf_status_name(s)
    ccall(libsym(:rnnwf_status_name), Cstring, (rnnwf_status,), s)
end

# Sets the number of threads every later call in this process uses; 0 means all cores.
# Results never depend on it: a seed gives the same samples for any thread count.
function rnnwf_set_num_threads(n)
    ccall(libsym(:rnnwf_set_num_threads), rnnwf_status, (UInt32,), n)
end

# The library's version, "MAJOR.MINOR.PATCH", as a static string. Never NULL; never free it.
function rnnwf_version()
    ccall(libsym(:rnnwf_version), Cstring, ())
end

# The ABI version of the loaded library; compare it with RNNWF_ABI_VERSION.
function rnnwf_abi_version()
    ccall(libsym(:rnnwf_abi_version), UInt32, ())
end
