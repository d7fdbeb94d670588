# Sampling an RNN wave function from Julia.
#
#     RNNWF_LIB=target/release/librnnwf.so julia --project=bindings/julia/Rnnwf examples/julia/sample.jl [n [steps]]
#
# Creates a GRU wave function on a 12-site chain at zero magnetisation, samples it, checks
# that evaluating ln psi reproduces the sampled values, and prints the entropy estimate.
# Then trains a GRU with minSR for `steps` steps (default 200) on the open transverse-field
# Ising chain (N = 10, J = h = 1) and prints its energy against the exact ground energy.
using Rnnwf

n = isempty(ARGS) ? 2000 : parse(Int, ARGS[1])
steps = length(ARGS) < 2 ? 200 : parse(Int, ARGS[2])
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

# Training on the open Ising chain -sum Z_i Z_{i+1} - sum X_i of 10 sites.
sites = 10
h = tfim(sites; periodic = false, J = 1.0, h = 1.0)
e0 = exact_ground_energy(h)  # Lanczos
println("Ising chain: ", num_sites(h), " sites, ", num_terms(h), " terms, exact E0 = ", e0,
        " (free fermions ", 1 - 1 / sin(pi / (2 * (2 * sites + 1))), ")")
trained = Model(lx = sites, hidden = 16, seed = 1)
vmc = Vmc(optimizer = Rnnwf.RNNWF_OPT_SR, n_samples = 256, learning_rate = 0.05,
          sr_diag_shift = 1e-3, seed = 3)
before = real(exact_expectation(trained, h))
println("relative error before training: ", (before - e0) / abs(e0))
for k in 0:steps-1
    stats = step!(vmc, trained, h)
    if k % 50 == 0 || k == steps - 1
        println("step ", k, ": E = ", stats.energy.mean_re, " +- ", stats.energy.error)
    end
end
after = real(exact_expectation(trained, h))
println("trained E = ", after)
println("relative error after ", steps, " steps: ", (after - e0) / abs(e0))
