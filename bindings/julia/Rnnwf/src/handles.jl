# Owning C handles. Each handle type is a mutable struct with a `handle::Ptr{C}` field, one
# `Base.unsafe_convert` method (so it passes straight to the raw ccall functions) and a
# `free` method naming its C destructor; `own`, `destroy!` and `close` then work for it:
#
#     mutable struct Hamiltonian; handle::Ptr{rnnwf_hamiltonian}; end
#     free(h::Hamiltonian) = rnnwf_hamiltonian_free(h.handle)
#     Base.unsafe_convert(::Type{Ptr{rnnwf_hamiltonian}}, h::Hamiltonian) = h.handle

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

# Registers the finalizer: the garbage collector frees what `close` did not.
function own(object)
    finalizer(destroy!, object)
    return object
end

"""
    destroy!(object)

Frees the C handle now; later calls on `object` throw `RnnwfError` (`RNNWF_ERR_NULL_POINTER`).
Idempotent; also run by the finalizer. `close(object)` does the same.
"""
function destroy!(object)
    if object.handle != C_NULL
        free(object)
        object.handle = C_NULL
    end
    return nothing
end
