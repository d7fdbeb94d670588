# Config structs: the library's defaults (its `_init` function), overridden by keyword.

"""
    with_defaults(T, init; kwargs...)

A `T` filled by the C function `init` (e.g. `rnnwf_model_config_init`), with the fields
named in `kwargs` replaced. An unknown field name is an `ArgumentError`.
"""
function with_defaults(::Type{T}, init; kwargs...) where {T}
    defaults = Ref{T}()
    check(init(defaults))
    unknown = setdiff(keys(kwargs), fieldnames(T))
    isempty(unknown) || throw(ArgumentError("$T has no field $(join(unknown, ", "))"))
    fields = map(fieldnames(T)) do name
        haskey(kwargs, name) ? convert(fieldtype(T, name), kwargs[name]) : getfield(defaults[], name)
    end
    return T(fields...)
end

# A zero value of a C struct or number type.
zeroed(::Type{T}) where {T<:Number} = zero(T)
zeroed(::Type{T}) where {T} = T(map(zeroed, fieldtypes(T))...)

"""
    sized(T)

A `Ref` to an output struct for the C API (`rnnwf_model_config`, `rnnwf_vmc_config`,
`rnnwf_vmc_stats`): zeros, with `struct_size = sizeof(T)`, which the library requires and
writes that many bytes of.
"""
sized(::Type{T}) where {T} = Ref(T(UInt32(sizeof(T)), map(zeroed, fieldtypes(T)[2:end])...))

"""
    ModelConfig(; kwargs...)

A model config (`rnnwf_model_config`): the library's defaults with the given fields changed,
e.g. `ModelConfig(lx = 12, hidden = 16, u1_total = 6, cell = Rnnwf.RNNWF_CELL_GRU)`.
"""
const ModelConfig = rnnwf_model_config

rnnwf_model_config(; kwargs...) = with_defaults(rnnwf_model_config, rnnwf_model_config_init; kwargs...)
