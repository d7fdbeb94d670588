# Training: a run's settings, step counter, optimiser state and reduction hook.

"""
    VmcConfig(; kwargs...)

Training settings (`rnnwf_vmc_config`): the library's defaults (`rnnwf_vmc_config_init`:
Adam, no preconditioner, 1024 samples, learning rate 1e-3, ...) with the given fields
changed, e.g. `VmcConfig(optimizer = Rnnwf.RNNWF_OPT_SR, n_samples = 256, learning_rate = 0.05)`
(minSR: SGD after SR) or `VmcConfig(optimizer = Rnnwf.RNNWF_OPT_ADAM,
preconditioner = Rnnwf.RNNWF_PRECONDITIONER_SR)` (Adam on the natural gradient).
"""
const VmcConfig = rnnwf_vmc_config

rnnwf_vmc_config(; kwargs...) = with_defaults(rnnwf_vmc_config, rnnwf_vmc_config_init; kwargs...)

"""
    VmcStats

What one `step!` measured (`rnnwf_vmc_stats`): `step`, `energy::Estimate`, `grad_norm`,
`seconds`, and `sr_solver` (how SR was solved: `RNNWF_SR_SOLVER_NONE`, `_CHOLESKY`, `_EIGEN`
when Cholesky failed on rounding, or `_CG` under a reduction hook).
"""
const VmcStats = rnnwf_vmc_stats

# A Julia reduction hook: the function and the exception it threw during the last call.
mutable struct AllreduceHook
    f::Any
    error::Any
end

"""
    Vmc(config::VmcConfig)
    Vmc(; kwargs...)

A training run of one model. Freed by the garbage collector, or at once by `close(v)`; it
keeps its Julia reduction hook (see `set_allreduce!`) alive.
"""
mutable struct Vmc
    handle::Ptr{rnnwf_vmc}
    hook::Union{AllreduceHook,Nothing}
    uses::HandleUses
    Vmc(handle::Ptr{rnnwf_vmc}) = own(new(handle, nothing, HandleUses()))
end

Vmc(cfg::rnnwf_vmc_config) = Vmc(new_handle(out -> rnnwf_vmc_new(Ref(cfg), out), rnnwf_vmc))
Vmc(; kwargs...) = Vmc(VmcConfig(; kwargs...))

free(v::Vmc) = rnnwf_vmc_free(v.handle)
uses(v::Vmc) = v.uses
Base.deepcopy_internal(::Vmc, ::IdDict) = throw(ArgumentError("a Vmc cannot be copied (it owns a C handle)"))
Base.unsafe_convert(::Type{Ptr{rnnwf_vmc}}, v::Vmc) = v.handle
Base.close(v::Vmc) = destroy!(v)

"""
    config(v::Vmc)

The current settings (learning rate and temperature as last set; optimizer and
preconditioner as given).
"""
function config(v::Vmc)
    out = sized(rnnwf_vmc_config)
    check(rnnwf_vmc_get_config(v, out))
    return out[]
end

"""
    step_count(v)

The steps taken so far (`step!`, `step_on_samples!` and `fit_step!` alike), the index the
next step reports in `VmcStats.step`: 0 for a new run, and after `load!` the count the
checkpoint holds.
"""
function step_count(v::Vmc)
    out = Ref{UInt64}(0)
    check(rnnwf_vmc_step_count(v, out))
    return Int(out[])
end

"""
    set_learning_rate!(v, lr)

The learning rate of the following steps (schedules are the host's).
"""
set_learning_rate!(v::Vmc, lr::Real) = (check(rnnwf_vmc_set_learning_rate(v, Float64(lr))); v)

"""
    set_seed!(v, seed)

The seed of the following steps' samples: each MPI rank its own, also again after `load!`
(a checkpoint brings back the seed of the rank that wrote it).
"""
set_seed!(v::Vmc, seed::Integer) = (check(rnnwf_vmc_set_seed(v, UInt64(seed))); v)

"""
    cancel!(v)

Asks the step running on `v` (from another task or thread) to stop at its next chunk
boundary: it throws `RnnwfError` with `RNNWF_ERR_CANCELLED`, with the model and the
optimiser as before it. The request stays pending until a step is cancelled by it or
`clear_cancel!(v)`: made between steps, it cancels the next one. Under MPI every rank's
step is cancelled together.
"""
function cancel!(v::Vmc)
    # Beside the running step, which holds the Vmc's use: only the cancel lock, which
    # `close` also takes, so that the handle is not freed under this call.
    lock(v.uses.cancel) do
        check(rnnwf_vmc_cancel(v.handle))
    end
    return v
end

"""
    clear_cancel!(v)

Drops a pending cancellation request of `v` (see `cancel!`).
"""
clear_cancel!(v::Vmc) = (check(rnnwf_vmc_clear_cancel(v)); v)

"""
    set_temperature!(v, t)

The annealing temperature of the following steps (0: plain VMC).
"""
set_temperature!(v::Vmc, t::Real) = (check(rnnwf_vmc_set_temperature(v, Float64(t))); v)

"""
    set_diag_shift!(v, shift)

SR's diagonal shift (`sr_diag_shift`) of the following steps (shift schedules).
"""
set_diag_shift!(v::Vmc, shift::Real) = (check(rnnwf_vmc_set_diag_shift(v, Float64(shift))); v)

"""
    set_n_samples!(v, n)

The samples per step on this process of the following steps (>= 1).
"""
set_n_samples!(v::Vmc, n::Integer) = (check(rnnwf_vmc_set_n_samples(v, UInt64(n))); v)

# The C side of a Julia hook: user_data is the AllreduceHook, rooted by Vmc.hook.
function allreduce_trampoline(buf::Ptr{Cdouble}, len::Csize_t, user_data::Ptr{Cvoid})::Int32
    hook = unsafe_pointer_to_objref(user_data)::AllreduceHook
    try
        # The hook gets its own copy: library memory is valid only during this call, and a
        # hook may keep its argument (a log, an asynchronous reduction).
        library = unsafe_wrap(Array, buf, Int(len))
        values = copy(library)
        hook.f(values)
        copyto!(library, values)
        return Int32(0)
    catch e
        hook.error = e
        return Int32(-1)
    end
end

"""
    set_allreduce!(v, f)
    set_allreduce!(v, nothing)
    set_allreduce!(v, cfunc::Ptr{Cvoid}, user_data::Ptr{Cvoid})

Installs the reduction that sums sample sums over processes: `f(buf::Vector{Float64})` sums
`buf` in place over all processes (e.g. `MPI.Allreduce!(buf, +, comm)`); an exception it
throws fails the step with `RNNWF_ERR_CALLBACK` (its message is appended to the error's).
The third form installs a C function made with
`@cfunction(g, Int32, (Ptr{Cdouble}, Csize_t, Ptr{Cvoid}))` returning 0 on success;
`user_data` must stay valid while it is installed. `nothing` (or `C_NULL`) removes the hook.
"""
function set_allreduce!(v::Vmc, f)
    f === nothing && return set_allreduce!(v, C_NULL, C_NULL)
    hook = AllreduceHook(f, nothing)
    trampoline = @cfunction(allreduce_trampoline, Int32, (Ptr{Cdouble}, Csize_t, Ptr{Cvoid}))
    install_hook!(v, trampoline, pointer_from_objref(hook), hook)
end

set_allreduce!(v::Vmc, cfunc::Ptr{Cvoid}, user_data::Ptr{Cvoid}) =
    install_hook!(v, cfunc, user_data, nothing)

# Under one use of `v`: the Julia hook is kept exactly while the library holds it, even
# when two tasks install hooks at once.
function install_hook!(v::Vmc, cfunc::Ptr{Cvoid}, user_data::Ptr{Cvoid}, hook)
    with_uses("set_allreduce!", (v,)) do
        check(rnnwf_vmc_set_allreduce(v.handle, cfunc, user_data))
        v.hook = hook
    end
    return v
end

# check(status), with the exception the Julia hook threw during the call.
function finish(v::Vmc, status::Integer)
    thrown = v.hook === nothing ? nothing : v.hook.error
    v.hook === nothing || (v.hook.error = nothing)
    status == RNNWF_OK && return nothing
    message = last_error()
    if status == RNNWF_ERR_CALLBACK && thrown !== nothing
        message *= " (the hook threw: " * sprint(showerror, thrown) * ")"
    end
    throw(RnnwfError(status, message))
end

"""
    step!(v, model, h) -> VmcStats

One VMC step on `h`: samples, local energies, gradient, optimiser update of `model`. The
statistics are those of the samples drawn before the update. On failure nothing changes.
"""
function step!(v::Vmc, m::Model, h::Hamiltonian)
    out = sized(rnnwf_vmc_stats)
    finish(v, rnnwf_vmc_step(v, m, h, out))
    return out[]
end

"""
    fit_step!(v, model, data::AbstractMatrix{<:Integer}) -> Float64

One SGD or Adam step on -<ln P(data)> of the columns of `data`; returns its value before the
step.
"""
function fit_step!(v::Vmc, m::Model, data::AbstractMatrix{<:Integer})
    d = convert(Matrix{UInt8}, data)
    n = columns(m, d, "fit_step!")
    out = Ref{Cdouble}(0)
    finish(v, rnnwf_fit_step(v, m, d, n, out))
    return out[]
end

"""
    save(v::Vmc, path)

Writes the settings, step counter and optimiser state; save the model beside it.
"""
save(v::Vmc, path::AbstractString) = check(rnnwf_vmc_save(v, String(path)))

"""
    load!(v::Vmc, path)

Replaces the settings, step counter and optimiser state with those saved at `path` (the hook
stays).
"""
load!(v::Vmc, path::AbstractString) = (check(rnnwf_vmc_load(v, String(path))); v)

"""
    sample(v::Vmc, model) -> Matrix{UInt8}

The samples the next `step!` draws: `(num_sites, n_samples)`, for a host that computes their
local energies with its own operator (`log_psi_connected`) and calls `step_on_samples!`.
"""
function sample(v::Vmc, m::Model)
    # One use across reading n_samples and sampling (the raw pointers inside take none):
    # set_n_samples! or load! on another task between them would overrun `configs`.
    with_uses("sample", (v, m)) do
        cfg = sized(rnnwf_vmc_config)
        check(rnnwf_vmc_get_config(v.handle, cfg))
        sites = Ref{Csize_t}(0)
        check(rnnwf_model_num_sites(m.handle, sites))
        configs = Matrix{UInt8}(undef, Int(sites[]), Int(cfg[].n_samples))
        check(rnnwf_vmc_sample(v.handle, m.handle, configs, C_NULL))
        return configs
    end
end

"""
    step_on_samples!(v, model, configs, local_energies) -> VmcStats

One step (gradient, preconditioner, update of `model`) on the host's samples (the columns of
`configs`, drawn from |psi|^2) and their complex local energies; with the energies
`local_energies` gives, it is `step!` on the same samples. On failure nothing changes.
"""
function step_on_samples!(v::Vmc, m::Model, configs::AbstractMatrix{<:Integer}, local_energies::AbstractVector{<:Number})
    c = convert(Matrix{UInt8}, configs)
    n = columns(m, c, "step_on_samples!")
    e = convert(Vector{ComplexF64}, local_energies)
    length(e) == n ||
        buffer_size_error("step_on_samples!: local_energies has length $(length(e)), expected $n")
    out = sized(rnnwf_vmc_stats)
    finish(v, rnnwf_vmc_step_on_samples(v, m, c, n, e, out))
    return out[]
end
