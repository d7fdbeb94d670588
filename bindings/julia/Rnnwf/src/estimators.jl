# Gradients, local energies, estimators and exact tools.

"""
    Estimate

A sample mean with its statistics (`rnnwf_estimate`): `mean_re`, `mean_im`, `error` (standard
error), `variance`, `n`. `complex(e)` is the mean as a `ComplexF64`.
"""
const Estimate = rnnwf_estimate

Base.complex(e::rnnwf_estimate) = ComplexF64(e.mean_re, e.mean_im)

"""
    log_psi_grad!(out::Matrix{ComplexF64}, model, configs::Matrix{UInt8})

d ln psi / d theta of each column of `configs` into the columns of `out`, of size
`(num_params(model), n)`.
"""
function log_psi_grad!(out::Matrix{ComplexF64}, m::Model, configs::Matrix{UInt8})
    n = columns(m, configs, "log_psi_grad!")
    size(out) == (num_params(m), n) ||
        buffer_size_error("log_psi_grad!: out has size $(size(out)), expected $((num_params(m), n))")
    check(rnnwf_log_psi_grad(m, configs, n, out))
    return out
end

"""
    log_psi_grad(model, configs) -> Matrix{ComplexF64}

d ln psi(configs[:, i]) / d theta_k in column `i`, row `k` (parameters in the order of
`get_params`): real part 0.5 d ln P, imaginary part the derivative of the phase.
"""
function log_psi_grad(m::Model, configs::AbstractMatrix{<:Integer})
    c = convert(Matrix{UInt8}, configs)
    return log_psi_grad!(Matrix{ComplexF64}(undef, num_params(m), size(c, 2)), m, c)
end

"""
    local_energies!(out::Vector{ComplexF64}, model, h, configs::Matrix{UInt8})

E_loc of each column of `configs` into `out`.
"""
function local_energies!(out::Vector{ComplexF64}, m::Model, h::Hamiltonian, configs::Matrix{UInt8})
    n = columns(m, configs, "local_energies!")
    length(out) == n || buffer_size_error("local_energies!: out has length $(length(out)), expected $n")
    check(rnnwf_local_energies(m, h, configs, n, out))
    return out
end

"""
    local_energies(model, h, configs) -> Vector{ComplexF64}

`E_loc(s) = sum_s' <s|h|s'> psi(s') / psi(s)` of each column of `configs`; their mean over
samples of |psi|^2 estimates <h>.
"""
function local_energies(m::Model, h::Hamiltonian, configs::AbstractMatrix{<:Integer})
    c = convert(Matrix{UInt8}, configs)
    return local_energies!(Vector{ComplexF64}(undef, size(c, 2)), m, h, c)
end

"""
    expectation(model, op; n_samples, seed) -> Estimate

<op> from `n_samples` exact samples drawn with `seed`.
"""
function expectation(m::Model, op::Hamiltonian; n_samples::Integer, seed::Integer)
    out = Ref{rnnwf_estimate}()
    check(rnnwf_expectation(m, op, UInt64(seed), n_samples, out))
    return out[]
end

"""
    renyi2(model, region; n_samples, seed) -> Estimate

The second Renyi entropy of the sites in `region` (from 0) by the swap trick, from
`n_samples` pairs of samples: `mean_re` is S2.
"""
function renyi2(m::Model, region::AbstractVector{<:Integer}; n_samples::Integer, seed::Integer)
    r = convert(Vector{UInt32}, region)
    out = Ref{rnnwf_estimate}()
    check(rnnwf_renyi2(m, r, length(r), UInt64(seed), n_samples, out))
    return out[]
end

"""
    exact_expectation(model, op) -> ComplexF64

<psi|op|psi> / <psi|psi> by the full sum over all 2^N configurations (N <= 24).
"""
function exact_expectation(m::Model, op::Hamiltonian)
    out = Ref{ComplexF64}()
    check(rnnwf_exact_expectation(m, op, out))
    return out[]
end

"""
    sign_free(model, h) -> Bool

Whether every off-diagonal element of `h`, times the model's sign rule on both sides, is
<= 0, so that a positive amplitude (a model without a phase head) can be exact.
"""
function sign_free(m::Model, h::Hamiltonian)
    out = Ref{UInt32}(0)
    check(rnnwf_sign_free(m, h, out))
    return out[] == 1
end

"""
    restrict_symmetry(model, h) -> Model

A new model with the same parameters and settings, averaged over the elements of its lattice
group that leave `h` invariant (`rnnwf_model_restrict_symmetry`; on the triangular lattice
the identity, the half turn and the two diagonal reflections). For an `h` that is not real,
a map that turns it into its complex conjugate is kept with the conjugation
("half_turn+conj" after the 120-degree rotation). `model` is unchanged.
"""
restrict_symmetry(m::Model, h::Hamiltonian) =
    Model(new_handle(out -> rnnwf_model_restrict_symmetry(m, h, out), rnnwf_model))

"""
    symmetry_invariant(model, h) -> Bool

Whether every element of the model's lattice group leaves `h` invariant (true without a
symmetry); when not, `restrict_symmetry(model, h)` gives the model that does.
"""
function symmetry_invariant(m::Model, h::Hamiltonian)
    out = Ref{UInt32}(0)
    check(rnnwf_symmetry_invariant(m, h, out))
    return out[] == 1
end

"""
    exact_ground_energy(h) -> Float64

The lowest eigenvalue of `h` by Lanczos over all 2^N states (N <= 24).
"""
function exact_ground_energy(h::Hamiltonian)
    out = Ref{Cdouble}()
    check(rnnwf_exact_ground_energy(h, out))
    return out[]
end
