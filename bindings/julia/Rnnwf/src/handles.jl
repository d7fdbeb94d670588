# Owning C handles. Each handle type is a mutable struct with a `handle::Ptr{C}` field, a
# `uses::HandleUses` field, one `Base.unsafe_convert` method (so it passes straight to the
# raw ccall functions), a `free` method naming its C destructor and a `uses` method; `own`,
# `destroy!` and `close` then work for it:
#
#     mutable struct Hamiltonian; handle::Ptr{rnnwf_hamiltonian}; uses::HandleUses; end
#     free(h::Hamiltonian) = rnnwf_hamiltonian_free(h.handle)
#     uses(h::Hamiltonian) = h.uses
#     Base.unsafe_convert(::Type{Ptr{rnnwf_hamiltonian}}, h::Hamiltonian) = h.handle
#
# Every raw C function (src/gen/api.jl) runs under `with_uses` of the handle objects it is
# given: `close` takes the same lock, so a handle is never freed under a call running on
# another task or thread, and a call back into a handle that this task's running call holds
# (a reduction hook stepping or closing its own Vmc) throws instead of corrupting it.

"""
    HandleUses

The lock a handle object's calls hold, the task holding it, and a second lock that
`cancel!` (which runs beside a step) and `destroy!` share.
"""
mutable struct HandleUses
    lock::ReentrantLock
    holder::Union{Task,Nothing}
    cancel::ReentrantLock
end

HandleUses() = HandleUses(ReentrantLock(), nothing, ReentrantLock())

# Plain values and C pointers need no use.
uses(::Any) = nothing

function acquire!(u::HandleUses, what::AbstractString)
    if u.holder === current_task()
        throw(RnnwfError(RNNWF_ERR_UNSUPPORTED,
            "$what: the handle is in use by a call running on this task (a reduction hook " *
            "calling back into its own step?); it cannot be used until that call returns"))
    end
    lock(u.lock)
    u.holder = current_task()
    return nothing
end

function release!(u::HandleUses)
    u.holder = nothing
    unlock(u.lock)
    return nothing
end

"""
    with_uses(f, what, args)

Runs `f()` holding the use of every handle object among `args`, taken in one order (by
`objectid`) so that two calls cannot wait on each other.
"""
function with_uses(f, what::AbstractString, args::Tuple)
    held = HandleUses[]
    for a in args
        u = uses(a)
        u === nothing || any(x -> x === u, held) || push!(held, u)
    end
    sort!(held, by = objectid)
    taken = 0
    try
        for u in held
            acquire!(u, what)
            taken += 1
        end
        return f()
    finally
        for k in taken:-1:1
            release!(held[k])
        end
    end
end

"""
    new_handle(f, T)

Calls a C constructor `f(out)` with `out::Ref{Ptr{T}}` and returns the new handle, or throws
`RnnwfError`.
"""
function new_handle(f, ::Type{T}) where {T}
    out = Ref{Ptr{T}}(C_NULL)
    check(f(out))
    return out[]
end

# Registers the finalizer: the garbage collector frees what `close` did not. An object the
# collector finalizes has no call running (a call keeps its arguments alive), so the
# finalizer takes no lock (a finalizer must not wait).
function own(object)
    finalizer(free_unreachable!, object)
    return object
end

function free_unreachable!(object)
    if object.handle != C_NULL
        free(object)
        object.handle = C_NULL
    end
    return nothing
end

"""
    destroy!(object)

Frees the C handle now, once calls running on it from other tasks or threads have returned;
later calls on `object` throw `RnnwfError` (`RNNWF_ERR_NULL_POINTER`). Idempotent.
`close(object)` does the same. Closing from inside a call on the object (its reduction hook)
throws `RnnwfError` (`RNNWF_ERR_UNSUPPORTED`) and leaves it open.
"""
function destroy!(object)
    with_uses("close", (object,)) do
        lock(uses(object).cancel) do
            free_unreachable!(object)
        end
    end
    return nothing
end
