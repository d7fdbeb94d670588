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

@testset "Rnnwf" begin
    @testset "library" begin
        @test last_error() == ""  # nothing has failed on this thread yet
        @test R.version() == "$(R.RNNWF_VERSION_MAJOR).$(R.RNNWF_VERSION_MINOR).$(R.RNNWF_VERSION_PATCH)"
        @test R.abi_version() == R.RNNWF_ABI_VERSION
        @test status_name(R.RNNWF_ERR_BUFFER_SIZE) == "RNNWF_ERR_BUFFER_SIZE"
        @test status_name(4242) == "RNNWF_UNKNOWN_STATUS"
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

    @testset "finalizers" begin
        for _ in 1:50
            small_model()
        end
        GC.gc()
        @test true  # no crash, no double free
    end
end
