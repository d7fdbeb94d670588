# The model: an RNN wave function owning its C handle.

"""
    Model(config::ModelConfig)
    Model(; kwargs...)

An RNN wave function, e.g. `Model(lx = 10, hidden = 16)`. Its C handle is freed by the
garbage collector, or at once by `close(model)`. `copy(model)` is a deep copy.
"""
mutable struct Model
    handle::Ptr{rnnwf_model}
    uses::HandleUses
    Model(handle::Ptr{rnnwf_model}) = own(new(handle, HandleUses()))
end

Model(config::rnnwf_model_config) = Model(new_handle(out -> rnnwf_model_new(Ref(config), out), rnnwf_model))
Model(; kwargs...) = Model(ModelConfig(; kwargs...))

free(m::Model) = rnnwf_model_free(m.handle)
uses(m::Model) = m.uses
Base.unsafe_convert(::Type{Ptr{rnnwf_model}}, m::Model) = m.handle
Base.close(m::Model) = destroy!(m)
Base.copy(m::Model) = Model(new_handle(out -> rnnwf_model_clone(m, out), rnnwf_model))
# The generic deepcopy would copy the handle pointer without a finalizer or lock of its own.
Base.deepcopy_internal(m::Model, ::IdDict) = copy(m)

"""
    resize(model, lx, ly; u1_total = -1)

A new model on the `lx x ly` lattice with the same parameters (`rnnwf_model_resize`);
`u1_total` is the new U(1) total, -1 for none. `model` is unchanged.
"""
resize(m::Model, lx::Integer, ly::Integer; u1_total::Integer = -1) =
    Model(new_handle(out -> rnnwf_model_resize(m, UInt32(lx), UInt32(ly), Int32(u1_total), out), rnnwf_model))

"""
    widen(model, hidden)

A new model with `hidden` units per layer (at least `model`'s) that computes the same psi
(`rnnwf_model_widen`): a trained model given room to improve. `model` is unchanged.
"""
Base.widen(m::Model, hidden::Integer) =
    Model(new_handle(out -> rnnwf_model_widen(m, UInt32(hidden), out), rnnwf_model))

function Base.show(io::IO, m::Model)
    if m.handle == C_NULL
        print(io, "Rnnwf.Model(closed)")
    else
        print(io, "Rnnwf.Model(", num_sites(m), " sites, ", num_params(m), " parameters)")
    end
end

"""
    load_model(path)

Reads a checkpoint written by `save`.
"""
load_model(path::AbstractString) = Model(new_handle(out -> rnnwf_model_load(String(path), out), rnnwf_model))

"""
    save(model, path)

Writes a checkpoint atomically (a temporary file renamed over `path`).
"""
save(m::Model, path::AbstractString) = check(rnnwf_model_save(m, String(path)))

"""
    config(model)

The model's `ModelConfig`.
"""
function config(m::Model)
    out = sized(rnnwf_model_config)
    check(rnnwf_model_get_config(m, out))
    return out[]
end

function get_size(f, m::Model)
    out = Ref{Csize_t}(0)
    check(f(m, out))
    return Int(out[])
end

"""
    num_sites(model)

The number of sites: the length of one configuration (a column of a configs matrix).
"""
num_sites(m::Model) = get_size(rnnwf_model_num_sites, m)

"""
    num_params(model)

The number of real parameters.
"""
num_params(m::Model) = get_size(rnnwf_model_num_params, m)

"""
    symmetry_size(model)

The number of lattice-group elements the amplitude is averaged over (1 without a symmetry).
"""
symmetry_size(m::Model) = get_size(rnnwf_model_symmetry_size, m)

"""
    symmetry_maps(model) -> Vector{String}

The names of the group elements the amplitude is averaged over, the identity first:
"identity", "reflect_x", "reflect_y", "half_turn", "quarter_turn", "three_quarter_turn",
"diagonal", "antidiagonal", with "+flip" for an element that also flips every site value and
"+conj" for one that conjugates the amplitude (kept by `restrict_symmetry` for an operator
that is not real: "half_turn+conj").
"""
function symmetry_maps(m::Model)
    codes = Vector{UInt32}(undef, symmetry_size(m))
    check(rnnwf_model_symmetry_maps(m, codes, length(codes)))
    names = ["identity", "reflect_x", "reflect_y", "half_turn", "quarter_turn",
             "three_quarter_turn", "diagonal", "antidiagonal"]
    return [names[c % RNNWF_WITH_FLIP + 1] * (c & RNNWF_WITH_FLIP != 0 ? "+flip" : "") *
            (c & RNNWF_WITH_CONJUGATE != 0 ? "+conj" : "") for c in codes]
end

"""
    get_params!(out::Vector{Float64}, model)

Copies the parameters into `out` (length `num_params(model)`).
"""
function get_params!(out::Vector{Float64}, m::Model)
    check(rnnwf_model_get_params(m, out, length(out)))
    return out
end

"""
    get_params(model)

The parameters as a new `Vector{Float64}`.
"""
get_params(m::Model) = get_params!(Vector{Float64}(undef, num_params(m)), m)

"""
    set_params!(model, params::AbstractVector{<:Real})

Replaces every parameter; NaN or Inf is refused (`RNNWF_ERR_NUMERICAL`) and leaves the model
unchanged.
"""
function set_params!(m::Model, params::AbstractVector{<:Real})
    p = convert(Vector{Float64}, params)
    check(rnnwf_model_set_params(m, p, length(p)))
    return m
end

# The number of configurations in a (num_sites, n) matrix, or an RnnwfError.
function columns(m::Model, configs::AbstractMatrix, what::AbstractString)
    sites = num_sites(m)
    size(configs, 1) == sites ||
        buffer_size_error("$what: configs has $(size(configs, 1)) rows, the model has $sites sites")
    return size(configs, 2)
end

"""
    sample!(configs::Matrix{UInt8}, log_psi::Union{Vector{ComplexF64},Nothing}, model; seed)

Draws `size(configs, 2)` samples into the columns of `configs` (`num_sites` rows) and,
unless `nothing`, their ln psi into `log_psi`.
"""
function sample!(configs::Matrix{UInt8}, log_psi::Union{Vector{ComplexF64},Nothing}, m::Model; seed::Integer)
    n = columns(m, configs, "sample!")
    if log_psi === nothing
        check(rnnwf_sample(m, UInt64(seed), n, configs, C_NULL))
    else
        length(log_psi) == n || buffer_size_error("sample!: log_psi has length $(length(log_psi)), expected $n")
        check(rnnwf_sample(m, UInt64(seed), n, configs, log_psi))
    end
    return configs, log_psi
end

"""
    sample(model, n; seed) -> (configs, log_psi)

`n` exact samples of |psi|^2: `configs::Matrix{UInt8}` of size `(num_sites, n)` (spin-1/2:
0 = up, 1 = down) and their `log_psi::Vector{ComplexF64}`. The same seed gives the same
samples, whatever the thread count.
"""
function sample(m::Model, n::Integer; seed::Integer)
    configs = Matrix{UInt8}(undef, num_sites(m), n)
    log_psi = Vector{ComplexF64}(undef, n)
    return sample!(configs, log_psi, m; seed = seed)
end

"""
    log_psi!(out::Vector{ComplexF64}, model, configs::Matrix{UInt8})

ln psi of each column of `configs` into `out`.
"""
function log_psi!(out::Vector{ComplexF64}, m::Model, configs::Matrix{UInt8})
    n = columns(m, configs, "log_psi!")
    length(out) == n || buffer_size_error("log_psi!: out has length $(length(out)), expected $n")
    check(rnnwf_log_psi(m, configs, n, out))
    return out
end

"""
    log_psi(model, configs::AbstractMatrix{<:Integer}) -> Vector{ComplexF64}
    log_psi(model, config::AbstractVector{<:Integer}) -> ComplexF64

ln psi = ln|psi| + i arg(psi) of each column of `configs`, or of one configuration. Outside
the U(1) subspace psi = 0: the real part is -Inf.
"""
function log_psi(m::Model, configs::AbstractMatrix{<:Integer})
    c = convert(Matrix{UInt8}, configs)
    return log_psi!(Vector{ComplexF64}(undef, size(c, 2)), m, c)
end

log_psi(m::Model, config::AbstractVector{<:Integer}) = log_psi(m, reshape(config, :, 1))[1]

"""
    log_psi_connected(model, config, offsets, sites, values) -> Vector{ComplexF64}

ln psi of the configurations equal to `config` (`num_sites` values) except that connection
`c` (from 1) sets the sites `sites[offsets[c]+1:offsets[c+1]]` (from 0, as `add_local!`) to the
matching `values`; `offsets` has n_conn + 1 entries starting at 0. Reuses the prefix as
`local_energies` does, so that a host's own operator gets its local energies cheaply; outside
the U(1) subspace the real part is -Inf.
"""
function log_psi_connected(m::Model, config::AbstractVector{<:Integer}, offsets::AbstractVector{<:Integer},
    sites::AbstractVector{<:Integer}, values::AbstractVector{<:Integer})
    c = convert(Vector{UInt8}, config)
    length(c) == num_sites(m) ||
        buffer_size_error("log_psi_connected: config has length $(length(c)), the model has $(num_sites(m)) sites")
    isempty(offsets) &&
        throw(RnnwfError(RNNWF_ERR_INVALID_ARGUMENT, "log_psi_connected: offsets needs n_conn + 1 entries"))
    o = convert(Vector{Csize_t}, offsets)
    s = convert(Vector{UInt32}, sites)
    v = convert(Vector{UInt8}, values)
    n = length(o) - 1
    (length(s) == o[end] && length(v) == o[end]) ||
        buffer_size_error("log_psi_connected: sites and values need offsets[end] = $(o[end]) entries")
    out = Vector{ComplexF64}(undef, n)
    check(rnnwf_log_psi_connected(m, c, n, o, s, v, out))
    return out
end
