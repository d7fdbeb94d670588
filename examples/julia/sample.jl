# Sampling an RNN wave function from Julia.
#
#     RNNWF_LIB=target/release/librnnwf.so julia --project=bindings/julia/Rnnwf examples/julia/sample.jl
#
# Creates a GRU wave function on a 12-site chain at zero magnetisation, samples it, checks
# that evaluating ln psi reproduces the sampled values, and prints the entropy estimate.
#
# TODO(vmc): once rnnwf_hamiltonian_* and rnnwf_vmc_* land, train a few hundred steps on the
# 12-site transverse-field Ising chain and print the energy against rnnwf_exact_ground_energy.
using Rnnwf

n = isempty(ARGS) ? 2000 : parse(Int, ARGS[1])
println("rnnwf ", Rnnwf.version(), " (ABI ", Rnnwf.abi_version(), ")")

model = Model(lx = 12, hidden = 16, u1_total = 6, phase = Rnnwf.RNNWF_PHASE_SOFTSIGN, seed = 7)
println("model: ", num_sites(model), " sites, ", num_params(model), " parameters")

configs, lp = sample(model, n; seed = 2024)  # configs is (12, n), one column per sample
worst = maximum(abs, log_psi(model, configs) .- lp)
println("first sample: ", join(c == 1 ? 'v' : '^' for c in configs[:, 1]))
println("max |ln psi(evaluated) - ln psi(sampled)| = ", worst)
println("entropy estimate -<ln P> = ", round(-sum(2 .* real.(lp)) / n; digits = 4),
        " (at most ln C(12,6) = ", round(log(924); digits = 4), ")")

try
    log_psi(model, fill(UInt8(2), 12))  # a site value of 2 on a spin-1/2 model
catch e
    e isa RnnwfError || rethrow()
    println("expected error: ", status_name(e.status), ": ", e.message)
end
close(model)
worst < 1e-12 || error("evaluation disagrees with sampling by $worst")
