# Operators: H = sum_k c_k P_k, real coefficients times Pauli strings, owning a C handle.

"""
    Hamiltonian(n_sites)

The zero operator on `n_sites` spin-1/2 sites; add terms with `add_term!`. Other ways to make
one: `parse_hamiltonian`, `tfim`, `heisenberg`, `triangular`. Sites are numbered from 0
(`i = x + lx*y`), as in the C API and in the text form. Freed by the garbage collector, or at once by
`close(h)`.
"""
mutable struct Hamiltonian
    handle::Ptr{rnnwf_hamiltonian}
    uses::HandleUses
    Hamiltonian(handle::Ptr{rnnwf_hamiltonian}) = own(new(handle, HandleUses()))
end

Hamiltonian(n_sites::Integer) =
    Hamiltonian(new_handle(out -> rnnwf_hamiltonian_new(UInt32(n_sites), out), rnnwf_hamiltonian))

free(h::Hamiltonian) = rnnwf_hamiltonian_free(h.handle)
uses(h::Hamiltonian) = h.uses
# A copy of the struct would share the handle without its lock: refused.
Base.deepcopy_internal(::Hamiltonian, ::IdDict) =
    throw(ArgumentError("a Hamiltonian cannot be copied (it owns a C handle)"))
Base.unsafe_convert(::Type{Ptr{rnnwf_hamiltonian}}, h::Hamiltonian) = h.handle
Base.close(h::Hamiltonian) = destroy!(h)

function Base.show(io::IO, h::Hamiltonian)
    if h.handle == C_NULL
        print(io, "Rnnwf.Hamiltonian(closed)")
    else
        print(io, "Rnnwf.Hamiltonian(", num_sites(h), " sites, ", num_terms(h), " terms)")
    end
end

"""
    parse_hamiltonian(n_sites, text)

An operator from text, one term a line: a coefficient, then Pauli factors (letter and site),
e.g. `"-1.0 Z0 Z1\\n-0.5 X3\\n2.0"` (a coefficient alone is a constant); `#` starts a
comment. Errors name the line and the token.
"""
parse_hamiltonian(n_sites::Integer, text::AbstractString) = Hamiltonian(
    new_handle(out -> rnnwf_hamiltonian_parse(UInt32(n_sites), String(text), out), rnnwf_hamiltonian))

"""
    tfim(lx, ly = 1; periodic = false, J = 1.0, h = 1.0)

The transverse-field Ising model `-J sum_<ij> Z_i Z_j - h sum_i X_i` on the chain or the
`lx * ly` grid.
"""
function tfim(lx::Integer, ly::Integer = 1; periodic::Bool = false, J::Real = 1.0, h::Real = 1.0)
    return Hamiltonian(new_handle(rnnwf_hamiltonian) do out
        rnnwf_hamiltonian_tfim(UInt32(lx), UInt32(ly), UInt32(periodic), Float64(J), Float64(h), out)
    end)
end

"""
    heisenberg(lx, ly = 1; periodic = false, J1 = 1.0, J2 = 0.0)

`J1 sum_<ij> (XX+YY+ZZ) + J2 sum_<<ij>> (XX+YY+ZZ)` in Pauli units (divide by 4 for S.S).
"""
function heisenberg(lx::Integer, ly::Integer = 1; periodic::Bool = false, J1::Real = 1.0, J2::Real = 0.0)
    return Hamiltonian(new_handle(rnnwf_hamiltonian) do out
        rnnwf_hamiltonian_heisenberg(UInt32(lx), UInt32(ly), UInt32(periodic), Float64(J1), Float64(J2), out)
    end)
end

"""
    triangular(lx, ly; periodic = false, J = 1.0)

`J sum_<ij> (XX+YY+ZZ)` in Pauli units over the triangular bonds (x,y)-(x+1,y),
(x,y)-(x,y+1) and (x,y)-(x+1,y+1) of the `lx * ly` grid; each distinct bond once.
"""
function triangular(lx::Integer, ly::Integer; periodic::Bool = false, J::Real = 1.0)
    return Hamiltonian(new_handle(rnnwf_hamiltonian) do out
        rnnwf_hamiltonian_triangular(UInt32(lx), UInt32(ly), UInt32(periodic), Float64(J), out)
    end)
end

"""
    rotate_z!(h, angles)

Replaces `h` by `U H U^dagger`, `U = prod_j exp(-i angles[j] n_j)` with `n_j` the value of
site j (1 = down): a state psi becomes `exp(-i sum_j angles[j] s_j) psi(s)`, at the same
energy. One angle per site (site j is `angles[j+1]`); on error `h` is unchanged.
"""
function rotate_z!(h::Hamiltonian, angles::AbstractVector{<:Real})
    a = convert(Vector{Float64}, angles)
    check(rnnwf_hamiltonian_rotate_z(h, a, Csize_t(length(a))))
    return h
end

"""
    three_sublattice_angles(lx, ly)

The angles `(2 pi / 3) ((x + y) mod 3)` of the `lx * ly` grid's sites (site `x + lx*y` is
element `x + lx*y + 1`), for `rotate_z!`: the triangular lattice's 120-degree rotation.
"""
function three_sublattice_angles(lx::Integer, ly::Integer)
    out = zeros(Float64, max(Int(lx) * Int(ly), 0))
    check(rnnwf_three_sublattice_angles(UInt32(lx), UInt32(ly), out, Csize_t(length(out))))
    return out
end

"""
    new_local(n_sites, local_dim)

The zero operator on `n_sites` sites of `local_dim` values each, for `add_local!`.
"""
function new_local(n_sites::Integer, local_dim::Integer)
    return Hamiltonian(new_handle(rnnwf_hamiltonian) do out
        rnnwf_hamiltonian_new_local(UInt32(n_sites), UInt32(local_dim), out)
    end)
end

"""
    spin1(lx, ly = 1; periodic = false, J = 1.0, beta = 0.0, D = 0.0)

`J sum_<ij> [S.S + beta (S.S)^2] + D sum (S^z)^2` on spin-1 sites (values 0, 1, 2 for
S^z = +1, 0, -1); `beta = 1/3` is the AKLT point.
"""
function spin1(lx::Integer, ly::Integer = 1; periodic::Bool = false, J::Real = 1.0,
               beta::Real = 0.0, D::Real = 0.0)
    return Hamiltonian(new_handle(rnnwf_hamiltonian) do out
        rnnwf_hamiltonian_spin1(UInt32(lx), UInt32(ly), UInt32(periodic), Float64(J),
                                Float64(beta), Float64(D), out)
    end)
end

"""
    bose_hubbard(lx, ly = 1; periodic = false, n_max = 2, t = 1.0, U = 1.0, mu = 0.0)

`-t sum_<ij> (b_i^dag b_j + h.c.) + U/2 sum n(n-1) - mu sum n`, occupations `0:n_max`.
"""
function bose_hubbard(lx::Integer, ly::Integer = 1; periodic::Bool = false, n_max::Integer = 2,
                      t::Real = 1.0, U::Real = 1.0, mu::Real = 0.0)
    return Hamiltonian(new_handle(rnnwf_hamiltonian) do out
        rnnwf_hamiltonian_bose_hubbard(UInt32(lx), UInt32(ly), UInt32(periodic), UInt32(n_max),
                                       Float64(t), Float64(U), Float64(mu), out)
    end)
end

"""
    rydberg(lx, ly = 1; Omega = 1.0, delta = 0.0, Rb = 1.0, cutoff = 2.0, group = 1)

`-Omega/2 sum sigma^x - delta sum n + sum_{r <= cutoff} Omega Rb^6 / r^6 n n` on the
`lx * ly` array, `group` atoms along x per site (local dimension `2^group`).
"""
function rydberg(lx::Integer, ly::Integer = 1; Omega::Real = 1.0, delta::Real = 0.0,
                 Rb::Real = 1.0, cutoff::Real = 2.0, group::Integer = 1)
    return Hamiltonian(new_handle(rnnwf_hamiltonian) do out
        rnnwf_hamiltonian_rydberg(UInt32(lx), UInt32(ly), Float64(Omega), Float64(delta),
                                  Float64(Rb), Float64(cutoff), UInt32(group), out)
    end)
end

"""
    add_local!(h, sites, matrix)

Adds the Hermitian operator `matrix` (`d^k x d^k`, `matrix[a+1, b+1] = <a|O|b>`, the first
listed site most significant) on the k `sites` (from 0).
"""
function add_local!(h::Hamiltonian, sites::AbstractVector{<:Integer}, matrix::AbstractMatrix)
    s = convert(Vector{UInt32}, sites)
    side = local_dim(h)^length(s)
    if !isempty(s) && size(matrix) != (side, side)
        buffer_size_error("add_local!: matrix must be $side x $side, got $(size(matrix))")
    end
    # Row-major for C: the transpose, column-major.
    m = Vector{ComplexF64}(vec(permutedims(ComplexF64.(matrix))))
    check(rnnwf_hamiltonian_add_local(h, UInt32(length(s)), s, m))
    return h
end

"""
    add_term!(h, coeff, paulis, sites)

Adds `coeff` times the Pauli string with letter `paulis[k]` (X, Y or Z) on site `sites[k]`
(from 0), e.g. `add_term!(h, -1.0, "ZZ", [0, 1])`; `add_term!(h, 2.0, "", Int[])` adds a
constant. A refused term leaves `h` unchanged.
"""
function add_term!(h::Hamiltonian, coeff::Real, paulis::AbstractString, sites::AbstractVector{<:Integer})
    s = convert(Vector{UInt32}, sites)
    check(rnnwf_hamiltonian_add_term(h, Float64(coeff), String(paulis), s, length(s)))
    return h
end

function get_size(f, h::Hamiltonian)
    out = Ref{Csize_t}(0)
    check(f(h, out))
    return Int(out[])
end

"""
    num_sites(h::Hamiltonian)

The number of sites the operator acts on.
"""
num_sites(h::Hamiltonian) = get_size(rnnwf_hamiltonian_num_sites, h)

"""
    num_terms(h)

The number of distinct Pauli strings with a non-zero coefficient (a constant counts as one).
"""
num_terms(h::Hamiltonian) = get_size(rnnwf_hamiltonian_num_terms, h)

"""
    local_dim(h)

The number of values a site takes (2 for Pauli operators).
"""
local_dim(h::Hamiltonian) = get_size(rnnwf_hamiltonian_local_dim, h)
