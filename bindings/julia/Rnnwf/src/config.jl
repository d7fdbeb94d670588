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

"""
    ModelConfig(; kwargs...)

A model config (`rnnwf_model_config`): the library's defaults with the given fields changed,
e.g. `ModelConfig(lx = 12, hidden = 16, u1_total = 6, cell = Rnnwf.RNNWF_CELL_GRU)`.
"""
const ModelConfig = rnnwf_model_config

rnnwf_model_config(; kwargs...) = with_defaults(rnnwf_model_config, rnnwf_model_config_init; kwargs...)
