# Tests of the Julia package against the real library:
#     RNNWF_LIB=/path/to/librnnwf.so julia --project -e 'using Pkg; Pkg.test()'
using Rnnwf
using Test

const R = Rnnwf

# The same model as the C and C++ test programs.
small_model() = Model(lx = 6, hidden = 8, layers = 2, phase = R.RNNWF_PHASE_SOFTSIGN,
                      sign_rule = R.RNNWF_SIGN_MARSHALL, u1_total = 3, seed = 1234)

# `f()` throws RnnwfError with `status` and a message containing `needle`.
function throws_rnnwf(f, status, needle)
    try
        f()
    catch e
        e isa RnnwfError || rethrow()
        return e.status == status && occursin(needle, e.message)
    end
    return false
end

# A C reduction hook for @cfunction: counts its calls in the Ref{Int32} behind `data` and
# fails (returns 5) on the first; one process, so the buffer is left as it is.
function fail_first_call(buf::Ptr{Cdouble}, len::Csize_t, data::Ptr{Cvoid})::Int32
    count = unsafe_pointer_to_objref(data)::Base.RefValue{Int32}
    count[] += Int32(1)
    return count[] == 1 ? Int32(5) : Int32(0)
end

@testset "Rnnwf" begin
    @testset "library" begin
        @test last_error() == ""  # nothing has failed on this thread yet
        @test R.version() == "$(R.RNNWF_VERSION_MAJOR).$(R.RNNWF_VERSION_MINOR).$(R.RNNWF_VERSION_PATCH)"
        @test R.abi_version() == R.RNNWF_ABI_VERSION
        @test status_name(R.RNNWF_ERR_BUFFER_SIZE) == "RNNWF_ERR_BUFFER_SIZE"
        @test status_name(4242) == "RNNWF_UNKNOWN_STATUS"
        @test status_name(R.RNNWF_ERR_OUT_OF_MEMORY) == "RNNWF_ERR_OUT_OF_MEMORY"
        @test set_num_threads(2) === nothing
        @test set_num_threads(0) === nothing
        @test throws_rnnwf(R.RNNWF_ERR_NULL_POINTER, "argument `cfg` is NULL") do
            R.check(R.rnnwf_model_config_init(C_NULL))
        end
        @test last_error() == "rnnwf_model_config_init: argument `cfg` is NULL"
        e = RnnwfError(R.RNNWF_ERR_IO, "disk on fire")
        @test sprint(showerror, e) == "RnnwfError(RNNWF_ERR_IO): disk on fire"
    end

    @testset "config" begin
        cfg = ModelConfig()
        @test cfg.struct_size == sizeof(ModelConfig)
        @test cfg.cell == R.RNNWF_CELL_GRU && cfg.lx == 10 && cfg.ly == 1 && cfg.local_dim == 2
        @test cfg.hidden == 32 && cfg.layers == 1 && cfg.u1_total == -1 && cfg.seed == 0
        cfg = ModelConfig(lx = 7, hidden = 3)
        @test cfg.lx === UInt32(7) && cfg.hidden === UInt32(3) && cfg.layers == 1
        @test_throws ArgumentError ModelConfig(bogus = 1)
        @test throws_rnnwf(() -> Model(hidden = 0), R.RNNWF_ERR_INVALID_ARGUMENT, "hidden")
        @test throws_rnnwf(() -> Model(ly = 0), R.RNNWF_ERR_INVALID_ARGUMENT, "ly")
        @test cfg.boundary == R.RNNWF_BOUNDARY_OPEN && cfg.dilation == 0
        # A periodic chain and a dilated grid are not defined; a periodic grid and a
        # dilated chain are made and keep their fields.
        @test throws_rnnwf(() -> Model(boundary = R.RNNWF_BOUNDARY_PERIODIC),
                           R.RNNWF_ERR_UNSUPPORTED, "PERIODIC")
        @test throws_rnnwf(() -> Model(lx = 3, ly = 3, dilation = 1),
                           R.RNNWF_ERR_UNSUPPORTED, "dilation")
        @test config(Model(lx = 3, ly = 3, boundary = R.RNNWF_BOUNDARY_PERIODIC)).boundary ==
              R.RNNWF_BOUNDARY_PERIODIC
        @test config(Model(lx = 8, layers = 3, dilation = 1)).dilation == 1
        @test throws_rnnwf(() -> Model(dilation = 2), R.RNNWF_ERR_INVALID_ARGUMENT, "dilation")
        @test cfg.symmetry == R.RNNWF_SYMMETRY_NONE && cfg.precision == R.RNNWF_PRECISION_F64
        # Float32 passes: sampling gives the ln psi evaluation gives, close to float64's.
        single = Model(lx = 6, hidden = 8, u1_total = 3, seed = 4, precision = R.RNNWF_PRECISION_F32)
        double = Model(lx = 6, hidden = 8, u1_total = 3, seed = 4)
        @test config(single).precision == R.RNNWF_PRECISION_F32
        c32, lp32 = sample(single, 50; seed = 7)
        @test log_psi(single, c32) == lp32
        @test all(sum(c32; dims = 1) .== 3)
        @test 0 < maximum(abs.(log_psi(double, c32) .- lp32)) < 1e-5
        # The spin flip maps 2 down spins of 6 to 4: not a sector it keeps.
        @test throws_rnnwf(() -> Model(lx = 6, u1_total = 2, symmetry = R.RNNWF_SYMMETRY_LATTICE_SPIN_FLIP),
                           R.RNNWF_ERR_INVALID_ARGUMENT, "LATTICE_SPIN_FLIP")
        s = Model(lx = 6, u1_total = 3, symmetry = R.RNNWF_SYMMETRY_LATTICE_SPIN_FLIP)
        @test config(s).symmetry == R.RNNWF_SYMMETRY_LATTICE_SPIN_FLIP
        @test config(s).precision == R.RNNWF_PRECISION_F64
    end

    @testset "model" begin
        m = small_model()
        @test num_sites(m) == 6
        @test num_params(m) == (48 + 192 + 24 + 8) + (192 + 192 + 24 + 8) + 2 * (16 + 2)
        c = config(m)
        @test c.lx == 6 && c.hidden == 8 && c.layers == 2 && c.u1_total == 3 && c.seed == 1234
        @test occursin("6 sites", sprint(show, m))

        p = get_params(m)
        @test length(p) == num_params(m)
        q = similar(p)
        @test get_params!(q, m) == p
        @test throws_rnnwf(() -> get_params!(zeros(3), m), R.RNNWF_ERR_BUFFER_SIZE, "expected")
        bad = 0.5 .* p
        bad[4] = NaN
        @test throws_rnnwf(() -> set_params!(m, bad), R.RNNWF_ERR_NUMERICAL, "params[3]")
        @test get_params(m) == p  # unchanged
        set_params!(m, 0.5 .* p)
        @test get_params(m) == 0.5 .* p

        m2 = copy(m)  # deep
        set_params!(m2, p)
        @test get_params(m2) == p && get_params(m) == 0.5 .* p

        r = resize(m, 8, 1; u1_total = 4)  # same parameters, longer chain
        @test num_sites(r) == 8 && get_params(r) == get_params(m) && config(r).u1_total == 4
        @test throws_rnnwf(() -> resize(m, 3, 2), R.RNNWF_ERR_INVALID_ARGUMENT, "grid")
        @test num_sites(m) == 6
        close(r)

        close(m2)
        close(m2)  # idempotent
        @test occursin("closed", sprint(show, m2))
        @test throws_rnnwf(() -> num_sites(m2), R.RNNWF_ERR_NULL_POINTER, "`m`")
    end

    @testset "sample and log_psi" begin
        m = small_model()
        configs, lp = sample(m, 200; seed = 42)
        @test size(configs) == (6, 200) && eltype(configs) == UInt8 && eltype(lp) == ComplexF64
        @test all(sum(configs; dims = 1) .== 3)  # u1_total, column by column
        @test all(real.(lp) .<= 0)
        @test maximum(abs.(log_psi(m, configs) .- lp)) < 1e-12
        @test log_psi(m, configs[:, 5]) ≈ lp[5]
        @test log_psi(m, Int.(configs)) == log_psi(m, configs)
        w = widen(m, config(m).hidden + 3)  # the same psi with more units
        @test num_params(w) > num_params(m) && maximum(abs.(log_psi(w, configs) .- lp)) < 1e-12
        @test throws_rnnwf(() -> widen(m, 1), R.RNNWF_ERR_INVALID_ARGUMENT, "hidden units")
        close(w)

        again = similar(configs)
        sample!(again, nothing, m; seed = 42)
        @test again == configs
        @test sample(m, 200; seed = 43)[1] != configs
        out = Vector{ComplexF64}(undef, 200)
        @test log_psi!(out, m, configs) === out

        bad = UInt8[0 0; 1 1; 0 0; 1 1; 0 2; 1 1]
        @test throws_rnnwf(() -> log_psi(m, bad), R.RNNWF_ERR_INVALID_ARGUMENT, "configs[1][4] = 2")
        @test throws_rnnwf(() -> log_psi(m, zeros(UInt8, 5, 2)), R.RNNWF_ERR_BUFFER_SIZE, "5 rows")
        @test throws_rnnwf(() -> sample!(again, zeros(ComplexF64, 3), m; seed = 1),
                           R.RNNWF_ERR_BUFFER_SIZE, "log_psi has length 3")
        @test real(log_psi(m, zeros(UInt8, 6))) == -Inf  # outside the U(1) subspace
    end

    @testset "normalisation" begin
        m = Model(cell = R.RNNWF_CELL_VANILLA, lx = 8, hidden = 5, seed = 9)
        all_configs = UInt8[(k >> j) & 1 for j in 0:7, k in 0:255]
        @test isapprox(sum(exp.(2 .* real.(log_psi(m, all_configs)))), 1.0; atol = 1e-10)
    end

    @testset "save and load" begin
        mktempdir() do dir
            m = small_model()
            path = joinpath(dir, "model.safetensors")
            save(m, path)
            loaded = load_model(path)
            @test get_params(loaded) == get_params(m)
            @test config(loaded) == config(m)
            @test throws_rnnwf(() -> load_model(joinpath(dir, "missing.safetensors")),
                               R.RNNWF_ERR_IO, "missing.safetensors")
            write(joinpath(dir, "bad.safetensors"), "this is not a checkpoint\n")
            @test throws_rnnwf(() -> load_model(joinpath(dir, "bad.safetensors")),
                               R.RNNWF_ERR_FORMAT, "not a safetensors file")
        end
    end

    @testset "hamiltonian" begin
        h = Hamiltonian(4)
        @test num_sites(h) == 4 && num_terms(h) == 0
        @test add_term!(h, -1.0, "ZZ", [0, 1]) === h
        add_term!(h, -0.5, "X", [3])
        add_term!(h, 0.25, "XY", UInt32[2, 3])
        add_term!(h, 2.0, "", Int[])  # a constant
        @test num_terms(h) == 4
        add_term!(h, 1.0, "ZZ", [0, 1])  # cancels -1.0 Z0 Z1
        @test num_terms(h) == 3
        @test throws_rnnwf(() -> add_term!(h, 1.0, "Q", [0]), R.RNNWF_ERR_INVALID_ARGUMENT, "Q")
        @test throws_rnnwf(() -> add_term!(h, 1.0, "XZ", [0]), R.RNNWF_ERR_BUFFER_SIZE,
                           "rnnwf_hamiltonian_add_term")
        @test throws_rnnwf(() -> add_term!(h, 1.0, "X", [4]), R.RNNWF_ERR_INVALID_ARGUMENT,
                           "rnnwf_hamiltonian_add_term")
        @test throws_rnnwf(() -> add_term!(h, NaN, "X", [0]), R.RNNWF_ERR_INVALID_ARGUMENT, "coeff")
        @test_throws InexactError add_term!(h, 1.0, "X", [-1])
        @test num_terms(h) == 3
        @test occursin("3 terms", sprint(show, h))

        p = parse_hamiltonian(4, "# comment\n-0.5 X3\n\n0.25 X2 Y3\n2.0\n")
        @test num_sites(p) == 4 && num_terms(p) == 3
        @test throws_rnnwf(() -> parse_hamiltonian(4, "-1.0 Z0 Z1\n-0.5 Q1\n"),
                           R.RNNWF_ERR_INVALID_ARGUMENT, "line 2")
        @test throws_rnnwf(() -> Hamiltonian(0), R.RNNWF_ERR_INVALID_ARGUMENT, "rnnwf_hamiltonian_new")

        @test num_terms(tfim(6)) == 11 && num_terms(tfim(6; periodic = true)) == 12
        @test num_sites(tfim(3, 2; J = 1.0, h = 0.5)) == 6
        @test num_terms(heisenberg(6; J1 = 1.0, J2 = 0.5)) == 27
        @test throws_rnnwf(() -> tfim(0), R.RNNWF_ERR_INVALID_ARGUMENT, "rnnwf_hamiltonian_tfim")
        @test throws_rnnwf(() -> heisenberg(4, 0), R.RNNWF_ERR_INVALID_ARGUMENT,
                           "rnnwf_hamiltonian_heisenberg")
        @test num_terms(triangular(3, 3; periodic = true)) == 81
        @test throws_rnnwf(() -> triangular(3, 0), R.RNNWF_ERR_INVALID_ARGUMENT,
                           "rnnwf_hamiltonian_triangular")
        # Operators on any local dimension: AKLT's -(2/3)(N-1), a qutrit S^z term.
        aklt = spin1(5; beta = 1 / 3)
        @test local_dim(aklt) == 3
        @test abs(exact_ground_energy(aklt) + 8 / 3) < 1e-9
        q = new_local(2, 3)
        add_local!(q, [1], ComplexF64[1 0 0; 0 0 0; 0 0 -1])
        @test abs(exact_ground_energy(q) + 1) < 1e-12
        @test throws_rnnwf(() -> add_local!(q, [0], ComplexF64[0 1 0; 0 0 0; 0 0 0]),
                           R.RNNWF_ERR_INVALID_ARGUMENT, "not Hermitian")
        @test local_dim(bose_hubbard(3; n_max = 2)) == 3
        @test num_sites(rydberg(4; group = 2)) == 2
        close(p)
        close(p)  # idempotent
        @test occursin("closed", sprint(show, p))
        @test throws_rnnwf(() -> num_terms(p), R.RNNWF_ERR_NULL_POINTER, "`h`")
    end

    @testset "exact tools" begin
        h = tfim(6)
        e0 = exact_ground_energy(h)
        @test isapprox(e0, 1 - 1 / sin(pi / (2 * (2 * 6 + 1))); atol = 1e-9)
        @test isapprox(exact_ground_energy(parse_hamiltonian(3, "2.5")), 2.5; atol = 1e-12)
        @test throws_rnnwf(() -> exact_ground_energy(Hamiltonian(25)), R.RNNWF_ERR_INVALID_ARGUMENT,
                           "rnnwf_exact_ground_energy")
        m = Model(lx = 6, hidden = 8, seed = 3)
        e = exact_expectation(m, h)
        @test e isa ComplexF64 && abs(imag(e)) < 1e-12 && real(e) >= e0 - 1e-9
        @test exact_expectation(m, parse_hamiltonian(6, "1.0")) ≈ 1.0 + 0.0im
        @test throws_rnnwf(() -> exact_expectation(m, Hamiltonian(4)), R.RNNWF_ERR_INVALID_ARGUMENT,
                           "rnnwf_exact_expectation")
        @test sign_free(m, h) && !sign_free(m, heisenberg(6))
        @test throws_rnnwf(() -> sign_free(m, Hamiltonian(4)), R.RNNWF_ERR_INVALID_ARGUMENT,
                           "rnnwf_sign_free")
        g = Model(lx = 4, ly = 4, hidden = 4, symmetry = R.RNNWF_SYMMETRY_LATTICE)
        tri = triangular(4, 4)
        @test symmetry_size(g) == 8 && !symmetry_invariant(g, tri)
        r = restrict_symmetry(g, tri)
        @test symmetry_maps(r) == ["identity", "half_turn", "diagonal", "antidiagonal"]
        @test symmetry_invariant(r, tri) && symmetry_size(r) == 4
        @test throws_rnnwf(() -> restrict_symmetry(m, h), R.RNNWF_ERR_INVALID_ARGUMENT,
                           "rnnwf_model_restrict_symmetry")
        # The basis rotation about z: same energy; the 120-degree pattern keeps the diagonal,
        # and the half turn and the antidiagonal with the conjugation.
        angles = three_sublattice_angles(4, 4)
        @test length(angles) == 16 && angles[2] ≈ 2pi / 3 && angles[1] == 0
        rot = rotate_z!(triangular(3, 3), three_sublattice_angles(3, 3))
        @test isapprox(exact_ground_energy(rot), exact_ground_energy(triangular(3, 3)); atol = 1e-9)
        @test symmetry_maps(restrict_symmetry(g, rotate_z!(triangular(4, 4), angles))) ==
              ["identity", "half_turn+conj", "diagonal", "antidiagonal+conj"]
        chain = heisenberg(6)
        @test !sign_free(m, chain)
        @test sign_free(m, rotate_z!(chain, [iseven(i) ? pi : 0.0 for i in 0:5]))
        @test throws_rnnwf(() -> rotate_z!(chain, zeros(5)), R.RNNWF_ERR_BUFFER_SIZE,
                           "rnnwf_hamiltonian_rotate_z")
        @test throws_rnnwf(() -> rotate_z!(chain, [0, 0, NaN, 0, 0, 0]),
                           R.RNNWF_ERR_INVALID_ARGUMENT, "angles[2]")
    end

    @testset "estimators" begin
        m = Model(lx = 6, hidden = 8, seed = 3)
        h = tfim(6)
        n = 4000
        configs, _ = sample(m, n; seed = 77)
        el = local_energies(m, h, configs)
        @test length(el) == n && eltype(el) == ComplexF64
        @test local_energies!(similar(el), m, h, configs) == el
        exact = real(exact_expectation(m, h))
        est = expectation(m, h; n_samples = n, seed = 77)
        @test est isa Estimate && est.n == n && est.error > 0
        @test est.error ≈ sqrt(est.variance / n)
        @test complex(est) == ComplexF64(est.mean_re, est.mean_im)
        @test abs(est.mean_re - exact) < 5 * est.error
        @test abs(sum(real.(el)) / n - exact) < 5 * est.error
        @test expectation(m, h; n_samples = n, seed = 77) == est  # deterministic in the seed
        @test throws_rnnwf(() -> expectation(m, h; n_samples = 0, seed = 1),
                           R.RNNWF_ERR_INVALID_ARGUMENT, "n_samples")
        @test throws_rnnwf(() -> local_energies(m, Hamiltonian(4), configs),
                           R.RNNWF_ERR_INVALID_ARGUMENT, "rnnwf_local_energies")
        @test throws_rnnwf(() -> local_energies(m, h, zeros(UInt8, 5, 2)), R.RNNWF_ERR_BUFFER_SIZE, "5 rows")
        bad = zeros(UInt8, 6, 1)
        bad[3, 1] = 2
        @test throws_rnnwf(() -> local_energies(m, h, bad), R.RNNWF_ERR_INVALID_ARGUMENT, "configs[0][2]")
        # ln psi of connected configurations: those of log_psi on the flipped copies.
        c0 = configs[:, 1]
        flipped(sites) = (c = copy(c0); foreach(i -> c[i + 1] = 1 - c[i + 1], sites); c)
        conn = log_psi_connected(m, c0, [0, 1, 3, 3], [2, 0, 5], 1 .- c0[[3, 1, 6]])
        @test conn ≈ log_psi(m, hcat(flipped([2]), flipped([0, 5]), c0)) rtol = 1e-12
        @test throws_rnnwf(() -> log_psi_connected(m, c0, [0, 1], [6], [0]), R.RNNWF_ERR_INVALID_ARGUMENT,
                           "rnnwf_log_psi_connected")
        @test throws_rnnwf(() -> log_psi_connected(m, c0, Int[], Int[], Int[]), R.RNNWF_ERR_INVALID_ARGUMENT,
                           "offsets")

        @test renyi2(m, Int[]; n_samples = 500, seed = 5).mean_re == 0
        s2 = renyi2(m, [0, 1, 2]; n_samples = n, seed = 5)
        @test s2.n == n && s2.mean_im == 0 && s2.error > 0
        @test -5 * s2.error < s2.mean_re < 3 * log(2) + 5 * s2.error
        @test throws_rnnwf(() -> renyi2(m, [0, 0]; n_samples = 100, seed = 5),
                           R.RNNWF_ERR_INVALID_ARGUMENT, "rnnwf_renyi2")
        @test throws_rnnwf(() -> renyi2(m, [6]; n_samples = 100, seed = 5),
                           R.RNNWF_ERR_INVALID_ARGUMENT, "rnnwf_renyi2")
    end

    @testset "log_psi_grad" begin
        m = Model(lx = 6, hidden = 6, seed = 8)
        configs, _ = sample(m, 5; seed = 3)
        np = num_params(m)
        g = log_psi_grad(m, configs)
        @test size(g) == (np, 5) && eltype(g) == ComplexF64  # column-major: one column each
        @test log_psi_grad!(similar(g), m, configs) == g
        p = get_params(m)
        eps = 1e-6
        for k in (1, np ÷ 3, np ÷ 2, np)
            q = copy(p)
            q[k] += eps
            plus = real.(log_psi(set_params!(m, q), configs))
            q[k] -= 2eps
            minus = real.(log_psi(set_params!(m, q), configs))
            fd = (plus .- minus) ./ (2eps)
            @test all(abs.(fd .- real.(g[k, :])) .< 1e-6 .* (1 .+ abs.(fd)))
            @test all(imag.(g[k, :]) .== 0)  # no phase
        end
        set_params!(m, p)
        @test throws_rnnwf(() -> log_psi_grad!(zeros(ComplexF64, np, 4), m, configs),
                           R.RNNWF_ERR_BUFFER_SIZE, "log_psi_grad!")
        u1 = Model(lx = 6, hidden = 6, seed = 8, u1_total = 3)
        @test throws_rnnwf(() -> log_psi_grad(u1, zeros(UInt8, 6, 1)), R.RNNWF_ERR_INVALID_ARGUMENT,
                           "rnnwf_log_psi_grad")
    end

    vmc_config(optimizer, n_samples, lr) =
        VmcConfig(optimizer = optimizer, n_samples = n_samples, learning_rate = lr,
                  sr_diag_shift = 1e-3, seed = 12)
    same_stats(a, b) = a.step == b.step && a.energy == b.energy && a.grad_norm == b.grad_norm

    @testset "vmc config and setters" begin
        d = VmcConfig()
        @test d.struct_size == sizeof(VmcConfig)
        @test d.optimizer == R.RNNWF_OPT_ADAM && d.n_samples == 1024 && d.learning_rate == 1e-3
        @test d.adam_beta1 == 0.9 && d.adam_beta2 == 0.999 && d.adam_eps == 1e-8
        @test d.sr_diag_shift == 1e-4 && d.grad_clip == 0 && d.temperature == 0 && d.seed == 0
        @test d.preconditioner == R.RNNWF_PRECONDITIONER_NONE && d.sr_momentum == 0
        @test VmcConfig(n_samples = 7).n_samples === UInt64(7)
        @test_throws ArgumentError VmcConfig(bogus = 1)
        @test throws_rnnwf(() -> Vmc(n_samples = 0), R.RNNWF_ERR_INVALID_ARGUMENT, "n_samples")
        @test throws_rnnwf(() -> Vmc(optimizer = 3), R.RNNWF_ERR_INVALID_ARGUMENT, "optimizer")
        @test throws_rnnwf(() -> Vmc(preconditioner = 3), R.RNNWF_ERR_INVALID_ARGUMENT, "preconditioner")
        @test throws_rnnwf(() -> Vmc(preconditioner = R.RNNWF_PRECONDITIONER_SPRING, sr_momentum = 1.0),
                           R.RNNWF_ERR_INVALID_ARGUMENT, "sr_momentum")

        v = Vmc(vmc_config(R.RNNWF_OPT_ADAM, 100, 0.01))
        @test config(v) == vmc_config(R.RNNWF_OPT_ADAM, 100, 0.01)
        @test throws_rnnwf(() -> set_learning_rate!(v, -0.1), R.RNNWF_ERR_INVALID_ARGUMENT, "learning_rate")
        @test throws_rnnwf(() -> set_temperature!(v, -1.0), R.RNNWF_ERR_INVALID_ARGUMENT, "temperature")
        @test config(v).learning_rate == 0.01 && config(v).temperature == 0
        @test set_learning_rate!(v, 0.5) === v
        set_temperature!(v, 0.25)
        @test config(v).learning_rate == 0.5 && config(v).temperature == 0.25
        @test set_seed!(v, 987654321) === v && config(v).seed == 987654321
        @test throws_rnnwf(() -> set_diag_shift!(v, -1.0), R.RNNWF_ERR_INVALID_ARGUMENT, "sr_diag_shift")
        @test throws_rnnwf(() -> set_n_samples!(v, 0), R.RNNWF_ERR_INVALID_ARGUMENT, "n_samples")
        @test set_diag_shift!(v, 0.125) === v && set_n_samples!(v, 33) === v
        @test config(v).sr_diag_shift == 0.125 && config(v).n_samples == 33
        close(v)
        close(v)
        @test throws_rnnwf(() -> config(v), R.RNNWF_ERR_NULL_POINTER, "`v`")
    end

    @testset "steps and fit steps" begin
        h = tfim(6)
        m = Model(lx = 6, hidden = 8, seed = 2)
        v = Vmc(vmc_config(R.RNNWF_OPT_ADAM, 200, 0.01))
        for k in 0:2
            st = step!(v, m, h)
            @test st isa VmcStats && st.step == k && st.energy.n == 200 && isfinite(st.grad_norm)
        end
        before = get_params(m)
        @test throws_rnnwf(() -> step!(v, m, Hamiltonian(4)), R.RNNWF_ERR_INVALID_ARGUMENT, "rnnwf_vmc_step")
        @test get_params(m) == before && step!(v, m, h).step == 3
        # A request between steps cancels the next step (nothing changed) and is consumed;
        # clear_cancel! drops one.
        before = get_params(m)
        @test cancel!(v) === v
        @test throws_rnnwf(() -> step!(v, m, h), R.RNNWF_ERR_CANCELLED, "cancelled")
        @test get_params(m) == before && step!(v, m, h).step == 4
        @test clear_cancel!(cancel!(v)) === v && step!(v, m, h).step == 5
        @test throws_rnnwf(() -> step!(v, Model(lx = 6, hidden = 4, seed = 2), h),
                           R.RNNWF_ERR_INVALID_ARGUMENT, "rnnwf_vmc_step")

        fit = Model(lx = 6, hidden = 8, seed = 5)
        data = UInt8[(j - 1) % 2 for j in 1:6, _ in 1:64]  # a Neel pattern in every column
        fv = Vmc(vmc_config(R.RNNWF_OPT_ADAM, 10, 0.05))
        first = fit_step!(fv, fit, data)
        last = first
        for _ in 1:20
            last = fit_step!(fv, fit, data)
        end
        @test isfinite(first) && last < first - 0.5
        @test throws_rnnwf(() -> fit_step!(fv, fit, zeros(UInt8, 5, 1)), R.RNNWF_ERR_BUFFER_SIZE, "5 rows")
        @test throws_rnnwf(() -> fit_step!(fv, fit, zeros(UInt8, 6, 0)), R.RNNWF_ERR_INVALID_ARGUMENT,
                           "rnnwf_fit_step")
        @test throws_rnnwf(() -> fit_step!(Vmc(vmc_config(R.RNNWF_OPT_SR, 10, 0.05)), fit, data),
                           R.RNNWF_ERR_UNSUPPORTED, "rnnwf_fit_step")

        # SR + Adam: a step runs and the config reads back; Adam's first step moves no
        # parameter by more than the learning rate (|m / sqrt(v)| <= 1), most by nearly that.
        sr_adam = VmcConfig(optimizer = R.RNNWF_OPT_ADAM, preconditioner = R.RNNWF_PRECONDITIONER_SR,
                            n_samples = 64, learning_rate = 0.01, sr_diag_shift = 1e-3, seed = 12)
        va = Vmc(sr_adam)
        @test config(va) == sr_adam
        @test config(va).preconditioner == R.RNNWF_PRECONDITIONER_SR
        ma = Model(lx = 6, hidden = 8, seed = 2)
        p0 = get_params(ma)
        st = step!(va, ma, h)
        @test st.step == 0 && isfinite(st.grad_norm) && st.grad_norm > 0
        moved = abs.(get_params(ma) .- p0)
        @test all(moved .<= 0.01 * (1 + 1e-12))
        @test 2 * count(moved .> 0.009) > length(p0)
        @test throws_rnnwf(() -> fit_step!(va, ma, data), R.RNNWF_ERR_UNSUPPORTED, "rnnwf_fit_step")

        # A host's step: the step's own samples with rnnwf_local_energies' energies give
        # the parameters and statistics of step! bit for bit.
        mh, mr = Model(lx = 6, hidden = 8, seed = 2), Model(lx = 6, hidden = 8, seed = 2)
        vh, vr = Vmc(vmc_config(R.RNNWF_OPT_ADAM, 100, 0.01)), Vmc(vmc_config(R.RNNWF_OPT_ADAM, 100, 0.01))
        for _ in 1:2
            s = sample(vh, mh)
            @test size(s) == (6, 100)
            @test same_stats(step_on_samples!(vh, mh, s, local_energies(mh, h, s)), step!(vr, mr, h))
            @test get_params(mh) == get_params(mr)
        end
        s = sample(vh, mh)
        @test throws_rnnwf(() -> step_on_samples!(vh, mh, s, zeros(ComplexF64, 99)), R.RNNWF_ERR_BUFFER_SIZE, "99")
        @test throws_rnnwf(() -> step_on_samples!(vh, mh, s, fill(ComplexF64(NaN), 100)),
                           R.RNNWF_ERR_NUMERICAL, "rnnwf_vmc_step_on_samples")
        @test get_params(mh) == get_params(mr)
    end

    @testset "checkpoints" begin
        mktempdir() do dir
            h = tfim(6)
            m = Model(lx = 6, hidden = 8, seed = 4)
            v = Vmc(vmc_config(R.RNNWF_OPT_ADAM, 128, 0.01))
            foreach(_ -> step!(v, m, h), 1:3)
            set_learning_rate!(v, 0.005)
            save(m, joinpath(dir, "model.safetensors"))
            save(v, joinpath(dir, "vmc.safetensors"))
            later = [step!(v, m, h) for _ in 1:3]
            m2 = load_model(joinpath(dir, "model.safetensors"))
            v2 = Vmc(vmc_config(R.RNNWF_OPT_SGD, 10, 0.3))
            @test step_count(v2) == 0
            @test load!(v2, joinpath(dir, "vmc.safetensors")) === v2
            @test step_count(v2) == 3 && step_count(v) == 6
            @test config(v2).learning_rate == 0.005 && config(v2).optimizer == R.RNNWF_OPT_ADAM
            @test all(same_stats(step!(v2, m2, h), later[k]) for k in 1:3)
            @test step_count(v2) == 6
            @test get_params(m2) == get_params(m)
            @test throws_rnnwf(() -> load!(v2, joinpath(dir, "missing.safetensors")),
                               R.RNNWF_ERR_IO, "missing.safetensors")
            @test throws_rnnwf(() -> load!(v2, joinpath(dir, "model.safetensors")),
                               R.RNNWF_ERR_FORMAT, "rnnwf_vmc_load")
            @test throws_rnnwf(() -> save(v2, joinpath(dir, "no-such-dir", "v.safetensors")),
                               R.RNNWF_ERR_IO, "no-such-dir")
        end
    end

    @testset "allreduce" begin
        h = tfim(6)
        cfg = vmc_config(R.RNNWF_OPT_ADAM, 200, 0.01)
        ref = Model(lx = 6, hidden = 8, seed = 2)
        v_ref = Vmc(cfg)
        ref_stats = [step!(v_ref, ref, h) for _ in 1:3]
        np = num_params(ref)

        # A Julia function summing over one process: identical results; per Adam step the
        # buffers are [the settings' fingerprint (7) and 3 sums], [1], the gradient.
        m = Model(lx = 6, hidden = 8, seed = 2)
        v = Vmc(cfg)
        lens = Int[]
        @test set_allreduce!(v, buf -> push!(lens, length(buf))) === v
        GC.gc()  # the hook is rooted by v
        @test all(same_stats(step!(v, m, h), ref_stats[k]) for k in 1:3)
        @test get_params(m) == get_params(ref)
        @test lens == repeat([10, 1, np], 3)
        set_allreduce!(v, nothing)
        step!(v, m, h)
        @test length(lens) == 9

        # A throwing hook: RNNWF_ERR_CALLBACK with its message, nothing changed; retried
        # without it, the step is the reference's second.
        m = Model(lx = 6, hidden = 8, seed = 2)
        v = Vmc(cfg)
        step!(v, m, h)
        before = get_params(m)
        calls = Ref(0)
        set_allreduce!(v, function (buf)
            calls[] += 1
            calls[] == 2 && error("network down")
            return buf
        end)
        @test throws_rnnwf(() -> step!(v, m, h), R.RNNWF_ERR_CALLBACK, "the hook threw: network down")
        @test calls[] == 2 && get_params(m) == before

        # A C function from @cfunction with user_data, returning non-zero on its first call.
        counter = Ref{Int32}(0)
        failing = @cfunction(fail_first_call, Int32, (Ptr{Cdouble}, Csize_t, Ptr{Cvoid}))
        GC.@preserve counter begin
            set_allreduce!(v, failing, pointer_from_objref(counter))
            @test throws_rnnwf(() -> step!(v, m, h), R.RNNWF_ERR_CALLBACK, "returned 5")
            @test get_params(m) == before
            @test same_stats(step!(v, m, h), ref_stats[2])
            @test counter[] == 4
            set_allreduce!(v, C_NULL, C_NULL)
        end
        @test same_stats(step!(v, m, h), ref_stats[3])
        @test get_params(m) == get_params(ref)

        # fit_step! reduces the fingerprint with [sum -ln P, n], and the gradient.
        fl = Int[]
        set_allreduce!(v, buf -> push!(fl, length(buf)))
        fit_step!(v, m, ones(UInt8, 6, 2))
        @test fl == [9, np]

        # The hook's argument is its own: kept after the step, it is still readable.
        kept = Vector{Float64}[]
        set_allreduce!(v, buf -> push!(kept, buf))
        stats = step!(v, m, h)
        GC.gc()
        @test length(kept) == 3 && kept[1][end] == stats.energy.n

        # A hook calling back into its own step's handles is refused, not re-entered.
        set_allreduce!(v, buf -> close(v))
        before = get_params(m)
        @test throws_rnnwf(() -> step!(v, m, h), R.RNNWF_ERR_CALLBACK, "in use by a call running on this task")
        @test get_params(m) == before && v.handle != C_NULL
        set_allreduce!(v, nothing)
    end

    @testset "copies and concurrent use" begin
        m = Model(lx = 6, hidden = 8, seed = 2)
        twin = deepcopy(m)
        @test twin.handle != m.handle && get_params(twin) == get_params(m)
        close(m)
        @test num_sites(twin) == 6
        @test_throws ArgumentError deepcopy(tfim(4))
        @test_throws ArgumentError deepcopy(Vmc())
        # Vmc.sample reads n_samples and samples under one use of both handles.
        v = Vmc(vmc_config(R.RNNWF_OPT_ADAM, 16, 0.01))
        @test size(sample(v, twin)) == (6, 16)
        # close waits for a call running on another task; calls after it are refused.
        h = tfim(6)
        task = Threads.@spawn step!(v, twin, h)
        close(twin)
        @test (try; fetch(task); true; catch e; e isa TaskFailedException; end)
        @test throws_rnnwf(() -> num_sites(twin), R.RNNWF_ERR_NULL_POINTER, "")
    end

    # SR on the open Ising chain (N = 6, J = h = 1, GRU hidden 16, 256 samples, learning
    # rate 0.05 -> 0.005 over 150 steps), as in tests/c/test_training.c: over 8 seeds it ends
    # at relative errors of 2e-4 to 5e-4; 2e-3 leaves room for other rounding.
    @testset "training to the exact energy" begin
        h = tfim(6)
        e0 = exact_ground_energy(h)
        m = Model(lx = 6, hidden = 16, seed = 7)
        lr0, lr1, steps = 5e-2, 5e-3, 150
        v = Vmc(vmc_config(R.RNNWF_OPT_SR, 256, lr0))
        start = real(exact_expectation(m, h))
        for k in 0:steps-1
            set_learning_rate!(v, lr0 * (lr1 / lr0)^(k / steps))
            @test step!(v, m, h).step == k
        end
        e = real(exact_expectation(m, h))
        @test e0 - 1e-9 <= e < start
        @test (e - e0) / abs(e0) < 2e-3
    end

    @testset "finalizers" begin
        for _ in 1:50
            small_model()
            tfim(4)
            set_allreduce!(Vmc(), buf -> buf)
        end
        GC.gc()
        @test true  # no crash, no double free
    end
end
