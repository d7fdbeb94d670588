! Generated from include/rnnwf.h by bindings/fortran/gen/generate.py; do not edit.
! Regenerate: python3 bindings/fortran/gen/generate.py
!
! The raw C API of rnnwf for Fortran 2008, one declaration per declaration of the header,
! under the C names: constants, bind(C) config types and bind(C) interfaces whose pointer
! arguments are type(c_ptr). Use the module rnnwf (rnnwf.f90), which wraps these with
! derived types, assumed-shape arrays and stat/errmsg, and re-exports everything here.
module rnnwf_capi
  use, intrinsic :: iso_c_binding, only: c_char, c_double, c_funptr, c_int32_t, c_int64_t, c_ptr, &
      c_size_t
  implicit none
  public
  ! The kinds are iso_c_binding's to export, not ours.
  private :: c_char, c_double, c_funptr, c_int32_t, c_int64_t, c_ptr, c_size_t

  integer(c_int32_t), parameter :: RNNWF_VERSION_MAJOR = 0
  integer(c_int32_t), parameter :: RNNWF_VERSION_MINOR = 3
  integer(c_int32_t), parameter :: RNNWF_VERSION_PATCH = 0
  ! The ABI generation: equals RNNWF_VERSION_MINOR while on 0.x, matching the shared
  ! library's SONAME librnnwf.so.0.MINOR. A host built against one ABI version needs a library
  ! with the same one.
  ! RNNWF_ABI_VERSION in C; Fortran names ignore case, and rnnwf_abi_version is a function.
  integer(c_int32_t), parameter :: RNNWF_HEADER_ABI_VERSION = 3
  ! h' = tanh(W h + V x + b)
  integer(c_int32_t), parameter :: RNNWF_CELL_VANILLA = 0
  ! Gated recurrent unit (on a grid: gates over both neighbours, see src/model/layout.rs).
  integer(c_int32_t), parameter :: RNNWF_CELL_GRU = 1
  ! The vanilla cell with ELU instead of tanh (elu(a) = a for a > 0, e^a - 1 otherwise), as
  ! the paper's 2D RNN; accepted on chains too. Same parameters as RNNWF_CELL_VANILLA.
  integer(c_int32_t), parameter :: RNNWF_CELL_VANILLA_ELU = 2
  ! The tensorized gated cell of the 2D RNN papers: gates and candidate from each neighbour's
  ! state times a weight block chosen by the neighbours' values, and a bounded update
  ! (|h| <= 1) that carries weights to larger lattices (see docs/method.md).
  integer(c_int32_t), parameter :: RNNWF_CELL_TENSOR_GRU = 3
  ! A gated linear recurrence (minGRU-like): gates read the input only and the state is linear
  ! in the neighbour states, with tanh before the heads; local energies propagate a flip's
  ! change elementwise instead of re-running the cell (docs/method.md).
  integer(c_int32_t), parameter :: RNNWF_CELL_LINEAR_GATED = 4
  ! psi = sqrt(P)
  integer(c_int32_t), parameter :: RNNWF_PHASE_NONE = 0
  ! `psi = sqrt(P) exp(i sum_n pi softsign(U' h_n + c')[s_n])`
  integer(c_int32_t), parameter :: RNNWF_PHASE_SOFTSIGN = 1
  integer(c_int32_t), parameter :: RNNWF_SIGN_NONE = 0
  ! psi *= (-1)^(down spins on sublattice A: x+y even)
  integer(c_int32_t), parameter :: RNNWF_SIGN_MARSHALL = 1
  ! The bare RNN.
  integer(c_int32_t), parameter :: RNNWF_SYMMETRY_NONE = 0
  ! psi averaged over the lattice's point group: reflection on a chain; on a grid D4 when
  ! lx == ly, else D2 (|psi|^2 averaged, phase of the averaged amplitude; docs/method.md).
  integer(c_int32_t), parameter :: RNNWF_SYMMETRY_LATTICE = 1
  ! The point group times the global spin flip s -> local_dim - 1 - s; refused with a
  ! u1_total the flip does not map to itself.
  integer(c_int32_t), parameter :: RNNWF_SYMMETRY_LATTICE_SPIN_FLIP = 2
  ! Passes in double precision.
  integer(c_int32_t), parameter :: RNNWF_PRECISION_F64 = 0
  ! Passes (sampling, ln psi, local energies) in single precision, on the parameters rounded
  ! to float; ln P summed over sites, energies, gradient sums and solves stay double.
  integer(c_int32_t), parameter :: RNNWF_PRECISION_F32 = 1
  ! A grid site's cells read its left and upper neighbours (the default).
  integer(c_int32_t), parameter :: RNNWF_BOUNDARY_OPEN = 0
  ! On grids, the cells also read the wrapped neighbours sampled before the site, each
  ! through its own weights (the periodic 2D RNN, docs/method.md). On a chain, or with the
  ! linear gated cell, rnnwf_model_new refuses it with RNNWF_ERR_UNSUPPORTED.
  integer(c_int32_t), parameter :: RNNWF_BOUNDARY_PERIODIC = 1
  ! The lattice map (x, y) -> (x, y) (codes of rnnwf_model_symmetry_maps; l = lx = ly for the
  ! last four, which exist on square lattices only).
  integer(c_int32_t), parameter :: RNNWF_MAP_IDENTITY = 0
  ! (x, y) -> (lx-1-x, y).
  integer(c_int32_t), parameter :: RNNWF_MAP_REFLECT_X = 1
  ! (x, y) -> (x, ly-1-y).
  integer(c_int32_t), parameter :: RNNWF_MAP_REFLECT_Y = 2
  ! (x, y) -> (lx-1-x, ly-1-y).
  integer(c_int32_t), parameter :: RNNWF_MAP_HALF_TURN = 3
  ! (x, y) -> (y, l-1-x).
  integer(c_int32_t), parameter :: RNNWF_MAP_QUARTER_TURN = 4
  ! (x, y) -> (l-1-y, x).
  integer(c_int32_t), parameter :: RNNWF_MAP_THREE_QUARTER_TURN = 5
  ! (x, y) -> (y, x).
  integer(c_int32_t), parameter :: RNNWF_MAP_DIAGONAL = 6
  ! (x, y) -> (l-1-y, l-1-x).
  integer(c_int32_t), parameter :: RNNWF_MAP_ANTIDIAGONAL = 7
  ! Added to a map's code for the element that also flips every site value
  ! (v -> local_dim-1-v): RNNWF_MAP_HALF_TURN + RNNWF_WITH_FLIP is the half turn with the flip.
  integer(c_int32_t), parameter :: RNNWF_WITH_FLIP = 8
  ! Added to a map's code for the anti-unitary element: the map followed by the complex
  ! conjugation of the amplitude, which rnnwf_model_restrict_symmetry keeps for a map that
  ! turns an operator that is not real into its complex conjugate (the half turn of the
  ! triangular lattice after the 120-degree rotation is RNNWF_MAP_HALF_TURN +
  ! RNNWF_WITH_CONJUGATE).
  integer(c_int32_t), parameter :: RNNWF_WITH_CONJUGATE = 16
  ! Plain gradient descent: theta -= learning_rate * g.
  integer(c_int32_t), parameter :: RNNWF_OPT_SGD = 0
  ! Adam with bias correction (Kingma & Ba).
  integer(c_int32_t), parameter :: RNNWF_OPT_ADAM = 1
  ! SGD after stochastic reconfiguration (minSR), whatever cfg->preconditioner says:
  ! theta -= learning_rate * A^T (A A^T + sr_diag_shift I)^-1 b (by conjugate gradient over all
  ! processes' samples when a reduction hook is set).
  integer(c_int32_t), parameter :: RNNWF_OPT_SR = 2
  ! No preconditioner: the update direction is the gradient (the default).
  integer(c_int32_t), parameter :: RNNWF_PRECONDITIONER_NONE = 0
  ! Stochastic reconfiguration: the update direction is the natural gradient
  ! (S + sr_diag_shift I)^-1 f, solved in sample space (minSR) on one process and by conjugate
  ! gradient under a reduction hook; the optimizer (SGD or Adam) then applies it.
  integer(c_int32_t), parameter :: RNNWF_PRECONDITIONER_SR = 1
  ! SPRING (Goldshlager, Abrahamsen and Lin 2024): SR with momentum. The update is
  ! phi_k = mu phi_{k-1} + A^T (A A^T + sr_diag_shift I)^-1 (b - mu A phi_{k-1}), mu =
  ! cfg->sr_momentum, phi_{k-1} the previous step's direction after clipping (zero at the
  ! first step and after loading a checkpoint that has none); by conjugate gradient in
  ! parameter space under a reduction hook. sr_momentum = 0 is RNNWF_PRECONDITIONER_SR.
  integer(c_int32_t), parameter :: RNNWF_PRECONDITIONER_SPRING = 2
  ! rnnwf_vmc_stats.sr_solver: the step used no SR.
  integer(c_int32_t), parameter :: RNNWF_SR_SOLVER_NONE = 0
  ! minSR solved by Cholesky factorisation (the normal case).
  integer(c_int32_t), parameter :: RNNWF_SR_SOLVER_CHOLESKY = 1
  ! minSR solved by eigendecomposition, every eigenvalue raised to at least sr_diag_shift:
  ! Cholesky met a non-positive pivot from rounding (large log-derivatives), although
  ! A A^T + sr_diag_shift I is positive definite.
  integer(c_int32_t), parameter :: RNNWF_SR_SOLVER_EIGEN = 2
  ! SR solved by conjugate gradient over all processes (a reduction hook is set).
  integer(c_int32_t), parameter :: RNNWF_SR_SOLVER_CG = 3
  ! Success.
  integer(c_int32_t), parameter :: RNNWF_OK = 0
  ! A required pointer argument was NULL (the message names it).
  integer(c_int32_t), parameter :: RNNWF_ERR_NULL_POINTER = 1
  ! A value out of range: config field, spin value, site index.
  integer(c_int32_t), parameter :: RNNWF_ERR_INVALID_ARGUMENT = 2
  ! An array length that does not match.
  integer(c_int32_t), parameter :: RNNWF_ERR_BUFFER_SIZE = 3
  ! A file could not be opened, read or written.
  integer(c_int32_t), parameter :: RNNWF_ERR_IO = 4
  ! A file that is not a valid, intact checkpoint.
  integer(c_int32_t), parameter :: RNNWF_ERR_FORMAT = 5
  ! NaN or Inf met: in parameters, energies or gradients.
  integer(c_int32_t), parameter :: RNNWF_ERR_NUMERICAL = 6
  ! A request this build does not support (e.g. rnnwf_fit_step with RNNWF_OPT_SR).
  integer(c_int32_t), parameter :: RNNWF_ERR_UNSUPPORTED = 7
  ! A host callback returned non-zero.
  integer(c_int32_t), parameter :: RNNWF_ERR_CALLBACK = 8
  ! An allocation whose size follows from the arguments (a model, an operator, a sample
  ! count) was refused; the message names the buffer and its bytes. Nothing was changed.
  integer(c_int32_t), parameter :: RNNWF_ERR_OUT_OF_MEMORY = 9
  ! A training step stopped at a cancellation request (rnnwf_vmc_cancel), on this process
  ! or, under a reduction hook, on another; the model and the optimiser state are unchanged.
  integer(c_int32_t), parameter :: RNNWF_ERR_CANCELLED = 10
  ! A bug inside the library was caught at the boundary; the message says where.
  integer(c_int32_t), parameter :: RNNWF_ERR_PANIC = 99

  ! Everything that fixes a model's shape and initial parameters. Fill it with
  ! rnnwf_model_config_init first, then change the fields you need.
  type, bind(C) :: rnnwf_model_config
    ! sizeof(rnnwf_model_config), set by rnnwf_model_config_init.
    integer(c_int32_t) :: struct_size
    ! RNNWF_CELL_VANILLA, RNNWF_CELL_GRU, RNNWF_CELL_VANILLA_ELU, RNNWF_CELL_TENSOR_GRU or
    ! RNNWF_CELL_LINEAR_GATED.
    integer(c_int32_t) :: cell
    ! Sites along x; a chain has lx sites.
    integer(c_int32_t) :: lx
    ! 1: 1D RNN; >1: 2D RNN on the lx*ly grid. Its cells read the previous site in the same
    ! row and the site above; sites are visited row by row in snake order (row 0 left to
    ! right, row 1 right to left, ...), while configurations stay in site order x + lx*y.
    integer(c_int32_t) :: ly
    ! Values per site; 2 for spin-1/2.
    integer(c_int32_t) :: local_dim
    ! Hidden units per layer.
    integer(c_int32_t) :: hidden
    ! Stacked RNN layers.
    integer(c_int32_t) :: layers
    ! RNNWF_PHASE_NONE or RNNWF_PHASE_SOFTSIGN.
    integer(c_int32_t) :: phase
    ! RNNWF_SIGN_NONE or RNNWF_SIGN_MARSHALL.
    integer(c_int32_t) :: sign_rule
    ! -1: none; else every sample has sum of site values == u1_total (spin-1/2: number of
    ! down spins; lx*ly/2 = zero magnetisation).
    integer(c_int32_t) :: u1_total
    ! Seed of the parameter initialisation.
    integer(c_int64_t) :: seed
    ! RNNWF_SYMMETRY_NONE, RNNWF_SYMMETRY_LATTICE or RNNWF_SYMMETRY_LATTICE_SPIN_FLIP.
    integer(c_int32_t) :: symmetry
    ! RNNWF_PRECISION_F64 or RNNWF_PRECISION_F32.
    integer(c_int32_t) :: precision
    ! RNNWF_BOUNDARY_OPEN (0, the default) or RNNWF_BOUNDARY_PERIODIC: on a grid, also the
    ! wrapped neighbours visited before each site, through their own weights (the periodic
    ! 2D RNN; on a chain, or with the linear gated cell: RNNWF_ERR_UNSUPPORTED).
    integer(c_int32_t) :: boundary
    ! 0 (the default): every layer reads the previous site in sampling order; 1: layer l
    ! (from 0) reads the site 2^l positions back (the dilated RNN, chains only; on a grid,
    ! or with the linear gated cell: RNNWF_ERR_UNSUPPORTED). Other values:
    ! RNNWF_ERR_INVALID_ARGUMENT.
    integer(c_int32_t) :: dilation
  end type rnnwf_model_config

  ! A sample mean with its statistics. Samples are independent (exact sampling, no Markov
  ! chain), so error = sqrt(variance / n).
  type, bind(C) :: rnnwf_estimate
    ! Real part of the sample mean.
    real(c_double) :: mean_re
    ! Imaginary part of the sample mean (0 up to rounding for a Hermitian operator's mean
    ! over many samples; single local values can be complex).
    real(c_double) :: mean_im
    ! Standard error of the mean.
    real(c_double) :: error
    ! Population variance of the values, mean of |x - mean|^2.
    real(c_double) :: variance
    ! Samples, summed over processes.
    integer(c_int64_t) :: n
  end type rnnwf_estimate

  ! Settings of a training run. Fill it with rnnwf_vmc_config_init first, then change the
  ! fields you need.
  type, bind(C) :: rnnwf_vmc_config
    ! sizeof(rnnwf_vmc_config), set by rnnwf_vmc_config_init.
    integer(c_int32_t) :: struct_size
    ! RNNWF_OPT_SGD, RNNWF_OPT_ADAM or RNNWF_OPT_SR (SGD after SR).
    integer(c_int32_t) :: optimizer
    ! Samples per step on this process, >= 1.
    integer(c_int64_t) :: n_samples
    ! Step size, finite and >= 0.
    real(c_double) :: learning_rate
    ! Adam's decay rates, in [0, 1).
    real(c_double) :: adam_beta1
    real(c_double) :: adam_beta2
    ! Adam's denominator offset, > 0.
    real(c_double) :: adam_eps
    ! lambda of SR's (S + lambda I) (minSR's (A A^T + lambda I)), >= 0.
    real(c_double) :: sr_diag_shift
    ! Largest norm of the update direction (the gradient without SR, the natural gradient
    ! with SR); 0 = no clipping.
    real(c_double) :: grad_clip
    ! Annealing: minimise `<H> - T S` with `S = -<ln P>`; 0 = plain VMC.
    real(c_double) :: temperature
    ! Seed of the samples: step k draws with a seed derived from (seed, k).
    integer(c_int64_t) :: seed
    ! RNNWF_PRECONDITIONER_NONE (default), RNNWF_PRECONDITIONER_SR or
    ! RNNWF_PRECONDITIONER_SPRING, combined with optimizer RNNWF_OPT_SGD or RNNWF_OPT_ADAM
    ! (RNNWF_OPT_SR is SGD after SR, or after SPRING when that is the preconditioner).
    integer(c_int32_t) :: preconditioner
    ! With RNNWF_PRECONDITIONER_SPRING: the decay mu of the previous update that the SR
    ! solve is projected against, in [0, 1) (default 0 = plain SR); read by no other
    ! preconditioner.
    real(c_double) :: sr_momentum
  end type rnnwf_vmc_config

  ! What one rnnwf_vmc_step measured. The caller sets struct_size before the call.
  type, bind(C) :: rnnwf_vmc_stats
    ! sizeof(rnnwf_vmc_stats), set by the caller: the call writes that many bytes. 0, or a
    ! size below this struct's ABI 0.3 size or above the library's, is refused
    ! (RNNWF_ERR_INVALID_ARGUMENT naming both sizes) before the step changes anything.
    integer(c_int32_t) :: struct_size
    ! Index of this step, from 0 (energy and fit steps count alike).
    integer(c_int64_t) :: step
    ! `<H>` of the samples drawn before this step's update, over all processes.
    type(rnnwf_estimate) :: energy
    ! Norm of the energy (or, with temperature > 0, free-energy) gradient before clipping.
    real(c_double) :: grad_norm
    ! Wall time of the step.
    real(c_double) :: seconds
    ! How the step's SR system was solved: RNNWF_SR_SOLVER_NONE (no SR), _CHOLESKY,
    ! _EIGEN (the fallback when Cholesky fails on rounding) or _CG.
    integer(c_int32_t) :: sr_solver
  end type rnnwf_vmc_stats

  interface

    ! Copies the message of this thread's last failed call into `buf`: at most `len - 1` bytes
    ! (never splitting a UTF-8 character), then a NUL. Returns the full message length in
    ! bytes, without the NUL, so a caller can size a buffer with `rnnwf_last_error(NULL, 0) + 1`.
    ! The message is "" when no call on this thread has failed. Successful calls do not clear it.
    ! `buf` may be NULL when `len` is 0; with NULL and `len > 0` nothing is written.
    function rnnwf_last_error(buf, len) bind(C, name="rnnwf_last_error") result(res)
      import
      implicit none
      type(c_ptr), value :: buf
      integer(c_size_t), value :: len
      integer(c_size_t) :: res
    end function rnnwf_last_error

    ! The name of a status code as a static string, e.g. "RNNWF_ERR_BUFFER_SIZE";
    ! "RNNWF_UNKNOWN_STATUS" for a value that is not a code. Never NULL; never free it.
    function rnnwf_status_name(s) bind(C, name="rnnwf_status_name") result(res)
      import
      implicit none
      integer(c_int32_t), value :: s
      type(c_ptr) :: res
    end function rnnwf_status_name

    ! Sets the number of threads every later call in this process uses; 0 means the default:
    ! the environment variable RNNWF_NUM_THREADS when it holds a count from 1 to 1024, else
    ! all cores (the default is also what calls use before any call of this function).
    ! Results never depend on it: a seed gives the same samples for any thread count.
    !
    ! The threads form one pool that every call shares, also calls made at the same time from
    ! several host threads. A call already running keeps the pool it started with. Returns
    ! `RNNWF_ERR_INVALID_ARGUMENT` for more than 1024 threads, and `RNNWF_ERR_IO` if the
    ! operating system refuses to start the threads; either way the previous count stays in
    ! force.
    function rnnwf_set_num_threads(n) bind(C, name="rnnwf_set_num_threads") result(res)
      import
      implicit none
      integer(c_int32_t), value :: n
      integer(c_int32_t) :: res
    end function rnnwf_set_num_threads

    ! The library's version, "MAJOR.MINOR.PATCH", as a static string. Never NULL; never free it.
    function rnnwf_version() bind(C, name="rnnwf_version") result(res)
      import
      implicit none
      type(c_ptr) :: res
    end function rnnwf_version

    ! The ABI version of the loaded library; compare it with RNNWF_ABI_VERSION.
    function rnnwf_abi_version() bind(C, name="rnnwf_abi_version") result(res)
      import
      implicit none
      integer(c_int32_t) :: res
    end function rnnwf_abi_version

    ! Fills `cfg` with the defaults (GRU, lx 10, ly 1, local_dim 2, hidden 32, layers 1, no
    ! phase, no sign rule, u1_total -1, seed 0, no symmetry, double precision, open boundary,
    ! no dilation) and sets struct_size to sizeof(rnnwf_model_config).
    function rnnwf_model_config_init(cfg) bind(C, name="rnnwf_model_config_init") result(res)
      import
      implicit none
      type(rnnwf_model_config), intent(inout) :: cfg
      integer(c_int32_t) :: res
    end function rnnwf_model_config_init

    ! Creates a model with Glorot-uniform weights drawn from cfg->seed. Invalid fields
    ! (hidden = 0, local_dim < 2, an infeasible u1_total, an unknown code, dilation > 1, a
    ! struct_size below this struct's ABI 0.3 size or above the library's; see docs/c-abi.md)
    ! give RNNWF_ERR_INVALID_ARGUMENT; RNNWF_BOUNDARY_PERIODIC on a chain, dilation 1 on a
    ! grid, and either with the linear gated cell give RNNWF_ERR_UNSUPPORTED; parameters no memory can hold give
    ! RNNWF_ERR_OUT_OF_MEMORY (naming the bytes).
    ! Memory: 8 bytes per parameter (rnnwf_model_num_params; about 8 x G x hidden x (hidden +
    ! local_dim + 1) x layers bytes on a chain, G = 3 for the GRU, 1 otherwise), plus the
    ! workspaces its calls keep (see rnnwf_sample, rnnwf_local_energies, rnnwf_log_psi_grad).
    function rnnwf_model_new(cfg, out) bind(C, name="rnnwf_model_new") result(res)
      import
      implicit none
      type(rnnwf_model_config), intent(in) :: cfg
      type(c_ptr), intent(inout) :: out
      integer(c_int32_t) :: res
    end function rnnwf_model_new

    ! A deep copy of `m`: same config and parameters, independent from then on.
    function rnnwf_model_clone(m, out) bind(C, name="rnnwf_model_clone") result(res)
      import
      implicit none
      type(c_ptr), value :: m
      type(c_ptr), intent(inout) :: out
      integer(c_int32_t) :: res
    end function rnnwf_model_clone

    ! A new model on the lx x ly lattice with the same parameters and other settings as `m`
    ! (iterative retraining: weights learned on a small lattice start a larger one). `u1_total`
    ! is the new lattice's U(1) total, -1 for none. The weights do not depend on the lattice
    ! size, and the Marshall sign is a rule on coordinates; a chain (ly = 1) cannot become a
    ! grid or back (its cells' weights have other shapes), and sizes or totals that
    ! rnnwf_model_new refuses are refused alike: RNNWF_ERR_INVALID_ARGUMENT. `m` is unchanged.
    function rnnwf_model_resize(m, lx, ly, u1_total, out) bind(C, name="rnnwf_model_resize") &
        result(res)
      import
      implicit none
      type(c_ptr), value :: m
      integer(c_int32_t), value :: lx
      integer(c_int32_t), value :: ly
      integer(c_int32_t), value :: u1_total
      type(c_ptr), intent(inout) :: out
      integer(c_int32_t) :: res
    end function rnnwf_model_resize

    ! A new model with `hidden` units per layer that computes the same psi as `m` (a trained
    ! model given room to improve): every other setting is kept, every parameter keeps its unit
    ! and position, the new units' inputs are drawn as rnnwf_model_new draws a model of that
    ! width (the config's seed), and their weights into the old units and the heads are zero.
    ! psi is the same up to rounding. `hidden` below m's (which would change psi), or one
    ! rnnwf_model_new refuses: RNNWF_ERR_INVALID_ARGUMENT; parameters no memory can hold:
    ! RNNWF_ERR_OUT_OF_MEMORY. `m` is unchanged.
    function rnnwf_model_widen(m, hidden, out) bind(C, name="rnnwf_model_widen") result(res)
      import
      implicit none
      type(c_ptr), value :: m
      integer(c_int32_t), value :: hidden
      type(c_ptr), intent(inout) :: out
      integer(c_int32_t) :: res
    end function rnnwf_model_widen

    ! Destroys a model; NULL is a no-op. May run on any thread.
    subroutine rnnwf_model_free(m) bind(C, name="rnnwf_model_free")
      import
      implicit none
      type(c_ptr), value :: m
    end subroutine rnnwf_model_free

    ! The model's config. The caller sets out->struct_size (to sizeof(rnnwf_model_config)) and
    ! gets that many bytes written; a struct_size outside the accepted range (0 included) is
    ! RNNWF_ERR_INVALID_ARGUMENT naming both sizes, with nothing written.
    function rnnwf_model_get_config(m, out) bind(C, name="rnnwf_model_get_config") result(res)
      import
      implicit none
      type(c_ptr), value :: m
      type(rnnwf_model_config), intent(inout) :: out
      integer(c_int32_t) :: res
    end function rnnwf_model_get_config

    ! The number of sites, lx * ly: the row length of a configuration.
    function rnnwf_model_num_sites(m, out) bind(C, name="rnnwf_model_num_sites") result(res)
      import
      implicit none
      type(c_ptr), value :: m
      type(c_ptr), value :: out
      integer(c_int32_t) :: res
    end function rnnwf_model_num_sites

    ! The number of real parameters, the length of the get/set_params arrays.
    function rnnwf_model_num_params(m, out) bind(C, name="rnnwf_model_num_params") result(res)
      import
      implicit none
      type(c_ptr), value :: m
      type(c_ptr), value :: out
      integer(c_int32_t) :: res
    end function rnnwf_model_num_params

    ! Copies the parameters into `out`; `len` must equal rnnwf_model_num_params
    ! (else RNNWF_ERR_BUFFER_SIZE).
    function rnnwf_model_get_params(m, out, len) bind(C, name="rnnwf_model_get_params") &
        result(res)
      import
      implicit none
      type(c_ptr), value :: m
      type(c_ptr), value :: out
      integer(c_size_t), value :: len
      integer(c_int32_t) :: res
    end function rnnwf_model_get_params

    ! Replaces every parameter. `len` must equal rnnwf_model_num_params (else
    ! RNNWF_ERR_BUFFER_SIZE); a NaN or Inf gives RNNWF_ERR_NUMERICAL. On any error the model is
    ! unchanged.
    function rnnwf_model_set_params(m, params, len) bind(C, name="rnnwf_model_set_params") &
        result(res)
      import
      implicit none
      type(c_ptr), value :: m
      type(c_ptr), value :: params
      integer(c_size_t), value :: len
      integer(c_int32_t) :: res
    end function rnnwf_model_set_params

    ! Writes a checkpoint (safetensors; the format is described in src/checkpoint/mod.rs) to `path`:
    ! to a temporary file that is renamed over `path` once complete, so `path` is never
    ! half-written, and that keeps the permissions of the file it replaces. The temporary is
    ! `.<name>.tmp-<pid>-<n>` beside `path` (shortened with a hash for names too long for
    ! that); the next save of `path` removes those a killed save left (docs/checkpoint-format.md).
    ! RNNWF_ERR_IO on failure; an empty path is RNNWF_ERR_INVALID_ARGUMENT.
    function rnnwf_model_save(m, path) bind(C, name="rnnwf_model_save") result(res)
      import
      implicit none
      type(c_ptr), value :: m
      character(kind=c_char), intent(in) :: path(*)
      integer(c_int32_t) :: res
    end function rnnwf_model_save

    ! Reads a checkpoint written by rnnwf_model_save. RNNWF_ERR_IO when the file cannot be read;
    ! RNNWF_ERR_FORMAT when it is not an intact rnnwf checkpoint (truncated, corrupted, foreign);
    ! RNNWF_ERR_UNSUPPORTED for an intact file whose config this version cannot build; an empty
    ! path is RNNWF_ERR_INVALID_ARGUMENT. Only a regular file is read (a FIFO, a device or a
    ! directory is RNNWF_ERR_IO), bounded by its size. Memory: the file's size plus the
    ! model's parameters, about twice the file.
    function rnnwf_model_load(path, out) bind(C, name="rnnwf_model_load") result(res)
      import
      implicit none
      character(kind=c_char), intent(in) :: path(*)
      type(c_ptr), intent(inout) :: out
      integer(c_int32_t) :: res
    end function rnnwf_model_load

    ! Draws `n` independent exact samples of P = |psi|^2 into `configs_out`
    ! (`[n][n_sites]`, values 0..local_dim) and, when `log_psi_out` is not NULL, their ln psi
    ! (`[n]`) from the same pass. The result depends only on the parameters, `seed` and `n`,
    ! never on the thread count. NULL arrays are accepted when `n` is 0. Parameters so large
    ! that the pass overflows (set_params takes any finite value, 1e308 included) give
    ! RNNWF_ERR_NUMERICAL rather than NaN, with both arrays filled with zeros (they are
    ! written as the pass goes). Nothing is written on any other failure.
    ! Memory besides the caller's arrays: one pass workspace per thread for up to 256 rows,
    ! 8 x 256 x layers x hidden x S x (1, or 3 for the GRU) bytes and a little more (S states
    ! kept per row: 2 on a chain, lx + 1 on a grid), kept by the model for its next calls.
    function rnnwf_sample(m, seed, n, configs_out, log_psi_out) bind(C, name="rnnwf_sample") &
        result(res)
      import
      implicit none
      type(c_ptr), value :: m
      integer(c_int64_t), value :: seed
      integer(c_size_t), value :: n
      type(c_ptr), value :: configs_out
      type(c_ptr), value :: log_psi_out
      integer(c_int32_t) :: res
    end function rnnwf_sample

    ! ln psi(s) = 0.5 ln P(s) + i (phase(s) + pi * sign-rule count) of the `n` configurations in
    ! `configs` (`[n][n_sites]`) into `out` (`[n]`). A value >= local_dim gives
    ! RNNWF_ERR_INVALID_ARGUMENT naming the configuration and site. A configuration outside the
    ! U(1) subspace has P = 0: its re is -inf. NULL arrays are accepted when `n` is 0. A NaN
    ! (parameters so large that the pass overflows) is RNNWF_ERR_NUMERICAL, with `out` filled
    ! with zeros. Nothing is written on any other failure. Memory as rnnwf_sample.
    function rnnwf_log_psi(m, configs, n, out) bind(C, name="rnnwf_log_psi") result(res)
      import
      implicit none
      type(c_ptr), value :: m
      type(c_ptr), value :: configs
      integer(c_size_t), value :: n
      type(c_ptr), value :: out
      integer(c_int32_t) :: res
    end function rnnwf_log_psi

    ! d ln psi(s_i) / d theta_k of the `n` configurations in `configs` (`[n][n_sites]`) into
    ! `out` (`[n][num_params]`, parameters in the order of rnnwf_model_get_params): the real
    ! part is 0.5 d ln P, the imaginary part the derivative of the phase. A configuration with
    ! P = 0 (outside the U(1) subspace) has no derivative: RNNWF_ERR_INVALID_ARGUMENT naming
    ! it; a pass that overflows (parameters so large that ln psi is not a number) is
    ! RNNWF_ERR_NUMERICAL, with `out` filled with zeros. NULL arrays are accepted when `n` is
    ! 0. Nothing is written on any other failure. Memory besides the caller's arrays: a pass
    ! and a backward workspace per thread, kept by the model for its next calls: the
    ! workspace's tape takes at most 64 MB, or one configuration's tape when that is larger
    ! (it holds every site: about 1 GB on a 2^20-site chain), RNNWF_ERR_OUT_OF_MEMORY when
    ! refused.
    function rnnwf_log_psi_grad(m, configs, n, out) bind(C, name="rnnwf_log_psi_grad") result(res)
      import
      implicit none
      type(c_ptr), value :: m
      type(c_ptr), value :: configs
      integer(c_size_t), value :: n
      type(c_ptr), value :: out
      integer(c_int32_t) :: res
    end function rnnwf_log_psi_grad

    ! The zero operator (no terms) on `n_sites` sites, 1 to 2^20 (else
    ! RNNWF_ERR_INVALID_ARGUMENT).
    function rnnwf_hamiltonian_new(n_sites, out) bind(C, name="rnnwf_hamiltonian_new") result(res)
      import
      implicit none
      integer(c_int32_t), value :: n_sites
      type(c_ptr), intent(inout) :: out
      integer(c_int32_t) :: res
    end function rnnwf_hamiltonian_new

    ! Adds coeff * P to `h`, where P has the Pauli matrix `paulis[k]` (an upper-case letter X, Y
    ! or Z) on site `sites[k]`, k < n_ops; e.g. paulis "XZ", sites {3, 4}: coeff X_3 Z_4. The
    ! empty string with n_ops = 0 (sites may be NULL) adds the constant coeff.
    !
    ! Refused, leaving `h` unchanged: a letter other than X, Y, Z (RNNWF_ERR_INVALID_ARGUMENT,
    ! naming it); strlen(paulis) != n_ops (RNNWF_ERR_BUFFER_SIZE: the two arrays disagree in
    ! length); a site >= n_sites or a site given twice, a NaN or infinite coeff, or a merged
    ! coefficient that overflows (RNNWF_ERR_INVALID_ARGUMENT). `paulis` must not be NULL.
    function rnnwf_hamiltonian_add_term(h, coeff, paulis, sites, n_ops) bind(C, &
        name="rnnwf_hamiltonian_add_term") result(res)
      import
      implicit none
      type(c_ptr), value :: h
      real(c_double), value :: coeff
      character(kind=c_char), intent(in) :: paulis(*)
      type(c_ptr), value :: sites
      integer(c_size_t), value :: n_ops
      integer(c_int32_t) :: res
    end function rnnwf_hamiltonian_add_term

    ! An operator on `n_sites` sites from text, one term a line: a real coefficient, then Pauli
    ! factors (letter X, Y or Z, then the site index), e.g. "-1.0 Z0 Z1", "-0.5 X3",
    ! "0.25 X0 X1"; a coefficient alone is a constant; '#' starts a comment; blank lines are
    ! skipped. Errors (RNNWF_ERR_INVALID_ARGUMENT) name the line and the token, e.g.
    ! "line 2: token \"Q1\": unknown Pauli letter 'Q'"; nothing is made then.
    function rnnwf_hamiltonian_parse(n_sites, text, out) bind(C, name="rnnwf_hamiltonian_parse") &
        result(res)
      import
      implicit none
      integer(c_int32_t), value :: n_sites
      character(kind=c_char), intent(in) :: text(*)
      type(c_ptr), intent(inout) :: out
      integer(c_int32_t) :: res
    end function rnnwf_hamiltonian_parse

    ! Transverse-field Ising model `H = -J sum_<ij> Z_i Z_j - h sum_i X_i` on the chain (ly = 1)
    ! or the lx*ly square grid, sites i = x + lx*y. `periodic`: 0 open, 1 periodic boundaries
    ! (each distinct bond once: a periodic chain of 2 sites has one bond); other values are
    ! RNNWF_ERR_INVALID_ARGUMENT, as are lx or ly = 0, too many sites, and a NaN or infinite J
    ! or h.
    function rnnwf_hamiltonian_tfim(lx, ly, periodic, J, h, out) bind(C, &
        name="rnnwf_hamiltonian_tfim") result(res)
      import
      implicit none
      integer(c_int32_t), value :: lx
      integer(c_int32_t), value :: ly
      integer(c_int32_t), value :: periodic
      real(c_double), value :: J
      real(c_double), value :: h
      type(c_ptr), intent(inout) :: out
      integer(c_int32_t) :: res
    end function rnnwf_hamiltonian_tfim

    ! Heisenberg model `H = J1 sum_<ij> (XX+YY+ZZ) + J2 sum_<<ij>> (XX+YY+ZZ)` in Pauli units
    ! (divide by 4 for S.S units); `<<ij>>`: next-nearest neighbours (i, i+2 on a chain; the
    ! diagonals on the grid). `periodic` and the refusals as for rnnwf_hamiltonian_tfim.
    function rnnwf_hamiltonian_heisenberg(lx, ly, periodic, J1, J2, out) bind(C, &
        name="rnnwf_hamiltonian_heisenberg") result(res)
      import
      implicit none
      integer(c_int32_t), value :: lx
      integer(c_int32_t), value :: ly
      integer(c_int32_t), value :: periodic
      real(c_double), value :: J1
      real(c_double), value :: J2
      type(c_ptr), intent(inout) :: out
      integer(c_int32_t) :: res
    end function rnnwf_hamiltonian_heisenberg

    ! Heisenberg model `H = J sum_<ij> (XX+YY+ZZ)` in Pauli units (divide by 4 for S.S units)
    ! on the triangular lattice: the bonds (x,y)-(x+1,y), (x,y)-(x,y+1) and (x,y)-(x+1,y+1) of
    ! the lx*ly grid, sites i = x + lx*y. With `periodic` = 1 each direction wraps; each
    ! distinct pair counts once and a wrap onto the site itself is dropped, so lx, ly >= 3 give
    ! 3*lx*ly bonds and a side of 1 or 2 merges the bonds that coincide (ly = 1: the chain).
    ! `periodic` and the refusals as for rnnwf_hamiltonian_tfim.
    function rnnwf_hamiltonian_triangular(lx, ly, periodic, J, out) bind(C, &
        name="rnnwf_hamiltonian_triangular") result(res)
      import
      implicit none
      integer(c_int32_t), value :: lx
      integer(c_int32_t), value :: ly
      integer(c_int32_t), value :: periodic
      real(c_double), value :: J
      type(c_ptr), intent(inout) :: out
      integer(c_int32_t) :: res
    end function rnnwf_hamiltonian_triangular

    ! The number of sites the operator acts on.
    function rnnwf_hamiltonian_num_sites(h, out) bind(C, name="rnnwf_hamiltonian_num_sites") &
        result(res)
      import
      implicit none
      type(c_ptr), value :: h
      type(c_ptr), value :: out
      integer(c_int32_t) :: res
    end function rnnwf_hamiltonian_num_sites

    ! The number of distinct Pauli strings with a non-zero coefficient (a constant counts as
    ! one), plus the number of local terms added.
    function rnnwf_hamiltonian_num_terms(h, out) bind(C, name="rnnwf_hamiltonian_num_terms") &
        result(res)
      import
      implicit none
      type(c_ptr), value :: h
      type(c_ptr), value :: out
      integer(c_int32_t) :: res
    end function rnnwf_hamiltonian_num_terms

    ! Destroys an operator; NULL is a no-op. May run on any thread.
    subroutine rnnwf_hamiltonian_free(h) bind(C, name="rnnwf_hamiltonian_free")
      import
      implicit none
      type(c_ptr), value :: h
    end subroutine rnnwf_hamiltonian_free

    ! The zero operator on `n_sites` sites (1 to 2^20) of `local_dim` values each (2 to 256),
    ! for rnnwf_hamiltonian_add_local; with local_dim = 2 rnnwf_hamiltonian_add_term works on
    ! it too. Other values are RNNWF_ERR_INVALID_ARGUMENT.
    function rnnwf_hamiltonian_new_local(n_sites, local_dim, out) bind(C, &
        name="rnnwf_hamiltonian_new_local") result(res)
      import
      implicit none
      integer(c_int32_t), value :: n_sites
      integer(c_int32_t), value :: local_dim
      type(c_ptr), intent(inout) :: out
      integer(c_int32_t) :: res
    end function rnnwf_hamiltonian_new_local

    ! Adds to `h` the operator O on the k sites `sites[0..k)` whose matrix is `matrix`:
    ! d^k x d^k complex numbers, row-major, element `[a][b] = <a|O|b>`, where the index of a
    ! local configuration is `sum_j s_{sites[j]} d^(k-1-j)` (the first listed site most significant)
    ! and d is the operator's local dimension. Every function that takes an operator accepts
    ! these terms: local energies, estimates, training steps, the exact tools (up to 2^24
    ! basis states d^N) and rnnwf_sign_free.
    !
    ! Refused, leaving `h` unchanged: k = 0, a site >= n_sites or given twice, a NaN or
    ! infinite entry, a matrix that is not Hermitian (`|M[a][b] - conj(M[b][a])|` above 1e-12
    ! times max(1, max |entry|); within it, the Hermitian part is kept)
    ! (RNNWF_ERR_INVALID_ARGUMENT, naming the entry); a d^k x d^k matrix no memory can hold
    ! (RNNWF_ERR_OUT_OF_MEMORY, naming the size).
    function rnnwf_hamiltonian_add_local(h, k, sites, matrix) bind(C, &
        name="rnnwf_hamiltonian_add_local") result(res)
      import
      implicit none
      type(c_ptr), value :: h
      integer(c_int32_t), value :: k
      type(c_ptr), value :: sites
      type(c_ptr), value :: matrix
      integer(c_int32_t) :: res
    end function rnnwf_hamiltonian_add_local

    ! The number of values a site takes (2 for Pauli operators).
    function rnnwf_hamiltonian_local_dim(h, out) bind(C, name="rnnwf_hamiltonian_local_dim") &
        result(res)
      import
      implicit none
      type(c_ptr), value :: h
      type(c_ptr), value :: out
      integer(c_int32_t) :: res
    end function rnnwf_hamiltonian_local_dim

    ! The spin-1 bilinear-biquadratic model with single-ion anisotropy, in spin units:
    ! `H = J sum_<ij> [S_i.S_j + beta (S_i.S_j)^2] + D sum_i (S^z_i)^2` on the chain (ly = 1)
    ! or the lx*ly grid, local dimension 3 with site value 0, 1, 2 for S^z = +1, 0, -1.
    ! beta = 0: Heisenberg; beta = 1/3: AKLT (open chain: E0 = -(2/3)(N-1) J).
    ! `periodic` and the refusals as for rnnwf_hamiltonian_tfim (J, beta, D finite).
    function rnnwf_hamiltonian_spin1(lx, ly, periodic, J, beta, D, out) bind(C, &
        name="rnnwf_hamiltonian_spin1") result(res)
      import
      implicit none
      integer(c_int32_t), value :: lx
      integer(c_int32_t), value :: ly
      integer(c_int32_t), value :: periodic
      real(c_double), value :: J
      real(c_double), value :: beta
      real(c_double), value :: D
      type(c_ptr), intent(inout) :: out
      integer(c_int32_t) :: res
    end function rnnwf_hamiltonian_spin1

    ! The Bose-Hubbard model with at most n_max bosons a site (1 <= n_max <= 255; local
    ! dimension n_max + 1, the site value the occupation):
    ! `H = -t sum_<ij> (b_i^dag b_j + h.c.) + U/2 sum_i n_i (n_i - 1) - mu sum_i n_i` on the
    ! chain (ly = 1) or the lx*ly grid. `periodic` and the refusals as for
    ! rnnwf_hamiltonian_tfim (t, U, mu finite).
    function rnnwf_hamiltonian_bose_hubbard(lx, ly, periodic, n_max, t, U, mu, out) bind(C, &
        name="rnnwf_hamiltonian_bose_hubbard") result(res)
      import
      implicit none
      integer(c_int32_t), value :: lx
      integer(c_int32_t), value :: ly
      integer(c_int32_t), value :: periodic
      integer(c_int32_t), value :: n_max
      real(c_double), value :: t
      real(c_double), value :: U
      real(c_double), value :: mu
      type(c_ptr), intent(inout) :: out
      integer(c_int32_t) :: res
    end function rnnwf_hamiltonian_bose_hubbard

    ! A Rydberg atom array on the lx*ly square lattice (spacing 1, open boundaries):
    ! `H = -Omega/2 sum_i sigma^x_i - delta sum_i n_i + sum_{i<j, r_ij <= cutoff} V_ij n_i n_j`,
    ! `V_ij = Omega Rb^6 / r_ij^6`, n = |r><r| (atom value 1 = Rydberg state). The drive's sign
    ! makes the ground state positive; prod_i Z_i maps it to +Omega/2 with the same spectrum.
    ! `group` = g in 1..=4 atoms along x form one site: the atoms x = gX .. gX+g-1 of row y make
    ! site X + (lx/g) y, of local dimension 2^g, its value their values as binary digits, the
    ! leftmost atom most significant; lx must be a multiple of g. Refused
    ! (RNNWF_ERR_INVALID_ARGUMENT): a NaN or infinite Omega or delta, a negative or non-finite
    ! Rb or cutoff, a group out of range or not dividing lx, an empty or too large lattice.
    function rnnwf_hamiltonian_rydberg(lx, ly, Omega, delta, Rb, cutoff, group, out) bind(C, &
        name="rnnwf_hamiltonian_rydberg") result(res)
      import
      implicit none
      integer(c_int32_t), value :: lx
      integer(c_int32_t), value :: ly
      real(c_double), value :: Omega
      real(c_double), value :: delta
      real(c_double), value :: Rb
      real(c_double), value :: cutoff
      integer(c_int32_t), value :: group
      type(c_ptr), intent(inout) :: out
      integer(c_int32_t) :: res
    end function rnnwf_hamiltonian_rydberg

    ! Replaces `h` by `U H U^dagger` with `U = prod_j exp(-i angles[j] n_j)`, `n_j` the value of
    ! site j (0..local_dim-1; for spin-1/2, 1 = down): a state psi of H becomes
    ! `psi'(s) = exp(-i sum_j angles[j] s_j) psi(s)` of the result, at the same energy. On Pauli
    ! strings X -> cos X - sin Y, Y -> cos Y + sin X, Z -> Z (a real Pauli sum stays one); dense
    ! terms take the phases elementwise. The angle pi on the Marshall sublattice gives the
    ! Marshall signs; rnnwf_three_sublattice_angles the triangular lattice's 120-degree
    ! pattern. An angle within a few rounding errors of a multiple of pi/2 counts as that
    ! multiple (pi gives the signs -1 exactly).
    !
    ! Refused, leaving `h` unchanged: n_angles != the operator's number of sites
    ! (RNNWF_ERR_BUFFER_SIZE); a NaN or infinite angle (RNNWF_ERR_INVALID_ARGUMENT, naming it);
    ! a Pauli string with more than 24 X or Y factors at angles that split them (each such factor
    ! doubles its terms; RNNWF_ERR_UNSUPPORTED); a result no memory can hold
    ! (RNNWF_ERR_OUT_OF_MEMORY). `h` and `angles` must not be NULL.
    function rnnwf_hamiltonian_rotate_z(h, angles, n_angles) bind(C, &
        name="rnnwf_hamiltonian_rotate_z") result(res)
      import
      implicit none
      type(c_ptr), value :: h
      type(c_ptr), value :: angles
      integer(c_size_t), value :: n_angles
      integer(c_int32_t) :: res
    end function rnnwf_hamiltonian_rotate_z

    ! Writes the angles of the three-sublattice (120-degree) rotation of the lx*ly grid, site
    ! i = x + lx*y: (2 pi / 3) ((x + y) mod 3), for rnnwf_hamiltonian_rotate_z. Every bond of
    ! rnnwf_hamiltonian_triangular joins two different sublattices on open grids; with periodic
    ! boundaries a side not divisible by 3 joins a sublattice to itself across the wrap (the
    ! rotation is still unitary, the energy the same). `len` must equal lx*ly (else
    ! RNNWF_ERR_BUFFER_SIZE); lx or ly = 0 or too many sites are RNNWF_ERR_INVALID_ARGUMENT.
    function rnnwf_three_sublattice_angles(lx, ly, out, len) bind(C, &
        name="rnnwf_three_sublattice_angles") result(res)
      import
      implicit none
      integer(c_int32_t), value :: lx
      integer(c_int32_t), value :: ly
      type(c_ptr), value :: out
      integer(c_size_t), value :: len
      integer(c_int32_t) :: res
    end function rnnwf_three_sublattice_angles

    ! Writes 1 to `out` when every off-diagonal element <s'|H|s> of `h`, times the sign rule of
    ! `m` on both sides, is real and <= 0 for every pair of configurations (all 2^N, whatever
    ! the model's u1_total), so that a positive amplitude can be exact; else 0. The model's
    ! phase head plays no part: a model without one cannot be exact when the answer is 0.
    ! Exact and cheap: decided per group of terms flipping the same sites, in time exponential
    ! only in the rank (over GF(2)) of the group's Y/Z site sets, at most 20 (built-in models:
    ! 2); a larger group that no bound decides is RNNWF_ERR_UNSUPPORTED, naming its sites. An
    ! operator on another number of sites than the model, or a model that is not spin-1/2, is
    ! RNNWF_ERR_INVALID_ARGUMENT.
    function rnnwf_sign_free(m, h, out) bind(C, name="rnnwf_sign_free") result(res)
      import
      implicit none
      type(c_ptr), value :: m
      type(c_ptr), value :: h
      type(c_ptr), value :: out
      integer(c_int32_t) :: res
    end function rnnwf_sign_free

    ! A new model with the parameters and settings of `m`, averaged over the elements of its
    ! lattice group that are symmetries of `h` (each element applied to every term of h and the
    ! result compared with h as a whole, exactly up to 1e-12 of the largest coefficient;
    ! docs/method.md, "Lattice symmetries"). On the triangular lattice that is the identity,
    ! the half turn and the two diagonal reflections of D4; when every element does, the new
    ! model equals `m`. When `h` is not real in the basis of the site values, a map that turns
    ! it into its complex conjugate is kept as the anti-unitary symmetry (map plus
    ! RNNWF_WITH_CONJUGATE), for which the amplitude averages the conjugate of psi(g s): after
    ! the 120-degree rotation of the triangular lattice, the identity, the diagonal, the half
    ! turn with the conjugation and the antidiagonal with the conjugation. The kept elements are saved with the model and carried by
    ! rnnwf_model_resize (which drops the turns and diagonal reflections on lx != ly); they are
    ! not a field of rnnwf_model_config, so a model made anew from rnnwf_model_get_config has
    ! the whole group. `m` is unchanged. RNNWF_ERR_INVALID_ARGUMENT: `m` without a lattice
    ! symmetry (RNNWF_SYMMETRY_NONE), or `h` on another number of sites or local dimension;
    ! RNNWF_ERR_NUMERICAL when the coefficients of `h` overflow where its terms are summed.
    ! Memory: one more model (rnnwf_model_new), and the operator written out once per group
    ! element.
    function rnnwf_model_restrict_symmetry(m, h, out) bind(C, &
        name="rnnwf_model_restrict_symmetry") result(res)
      import
      implicit none
      type(c_ptr), value :: m
      type(c_ptr), value :: h
      type(c_ptr), intent(inout) :: out
      integer(c_int32_t) :: res
    end function rnnwf_model_restrict_symmetry

    ! The number of group elements the amplitude of `m` is averaged over: 1 for
    ! RNNWF_SYMMETRY_NONE, else the size of its lattice group or of the subgroup
    ! rnnwf_model_restrict_symmetry kept.
    function rnnwf_model_symmetry_size(m, out) bind(C, name="rnnwf_model_symmetry_size") &
        result(res)
      import
      implicit none
      type(c_ptr), value :: m
      type(c_ptr), value :: out
      integer(c_int32_t) :: res
    end function rnnwf_model_symmetry_size

    ! Writes the codes of the group elements `m` is averaged over, in the group's order (the
    ! identity first): an RNNWF_MAP_* code, plus RNNWF_WITH_FLIP for an element with the spin
    ! flip, plus RNNWF_WITH_CONJUGATE for one with the conjugation. `len` must equal rnnwf_model_symmetry_size (else RNNWF_ERR_BUFFER_SIZE); a model
    ! without a symmetry writes RNNWF_MAP_IDENTITY.
    function rnnwf_model_symmetry_maps(m, out, len) bind(C, name="rnnwf_model_symmetry_maps") &
        result(res)
      import
      implicit none
      type(c_ptr), value :: m
      type(c_ptr), value :: out
      integer(c_size_t), value :: len
      integer(c_int32_t) :: res
    end function rnnwf_model_symmetry_maps

    ! Writes 1 to `out` when every element of the lattice group of `m` is a symmetry of `h` as
    ! `m` takes it (with the conjugation where its code has it; as
    ! rnnwf_model_restrict_symmetry decides it), so that the symmetry does not keep the
    ! model from the ground state's symmetry sector by construction; else 0. A model without a
    ! symmetry gives 1. RNNWF_ERR_INVALID_ARGUMENT for `h` on another number of sites or local
    ! dimension; RNNWF_ERR_NUMERICAL as rnnwf_model_restrict_symmetry.
    function rnnwf_symmetry_invariant(m, h, out) bind(C, name="rnnwf_symmetry_invariant") &
        result(res)
      import
      implicit none
      type(c_ptr), value :: m
      type(c_ptr), value :: h
      type(c_ptr), value :: out
      integer(c_int32_t) :: res
    end function rnnwf_symmetry_invariant

    ! E_loc(s) = sum_s' <s|H|s'> psi(s') / psi(s) of the `n` configurations in `configs`
    ! (`[n][n_sites]`) into `out` (`[n]`); the mean over samples of P = |psi|^2 estimates `<H>`.
    ! RNNWF_ERR_INVALID_ARGUMENT for an operator on another number of sites than the model, a
    ! model that is not spin-1/2 (local_dim != 2), a value >= 2 in `configs` or a
    ! configuration outside the model's U(1) subspace (psi = 0 there), each named; a local
    ! energy that is not finite (parameters or coefficients so large that it overflows, e.g.
    ! 1e308, or a sample whose amplitude overflows) is RNNWF_ERR_NUMERICAL naming the
    ! configuration, with `out` filled with zeros. NULL arrays are accepted when `n` is 0.
    ! Nothing is written on any other failure. Memory besides the caller's arrays: per thread,
    ! two passes (as rnnwf_sample) and the saved states of 256 samples for prefix reuse (at
    ! most 32 MB); for a one-layer RNNWF_CELL_LINEAR_GATED model instead its sample's states
    ! at every site, about (7 hidden + 3) x 8 bytes a site on a chain (f64), which keeps the
    ! work growing like the sites; all kept by the model for its next calls.
    function rnnwf_local_energies(m, h, configs, n, out) bind(C, name="rnnwf_local_energies") &
        result(res)
      import
      implicit none
      type(c_ptr), value :: m
      type(c_ptr), value :: h
      type(c_ptr), value :: configs
      integer(c_size_t), value :: n
      type(c_ptr), value :: out
      integer(c_int32_t) :: res
    end function rnnwf_local_energies

    ! ln psi (as rnnwf_log_psi) of `n_conn` configurations, each equal to the one configuration
    ! `config` (`[n_sites]`) except at the sites `sites[offsets[c] .. offsets[c+1])`, set to the
    ! matching `values`; `offsets` has n_conn + 1 entries, `offsets[0]` = 0, and `sites` and
    ! `values` have `offsets[n_conn]` entries (NULL accepted when that is 0). With the
    ! off-diagonal elements <s|H|s'> of its own operator, a host gets local energies
    ! E_loc(s) = sum_s' <s|H|s'> exp(out[s'] - ln psi(s)) for rnnwf_vmc_step_on_samples.
    ! Reuses the sample's prefix as rnnwf_local_energies does: one pass over `config`, then each
    ! connected configuration restarts at its first changed position in sampling order (about
    ! half the cost of rnnwf_log_psi on them for single-site changes). A connection may change
    ! no site or set a site to its own value. A connected configuration outside the U(1)
    ! subspace has P = 0: its re is -inf (as rnnwf_log_psi; so may `config` be outside it).
    ! RNNWF_ERR_INVALID_ARGUMENT, naming the entry, for `offsets[0]` != 0, decreasing offsets, a
    ! site >= n_sites or repeated within a connection, a value >= local_dim in `config` or
    ! `values`; RNNWF_ERR_NUMERICAL when the pass overflows, with `out` filled with zeros.
    ! Nothing is written on any other failure.
    ! Runs on the calling thread (call it for several samples from several threads at once).
    ! Memory: the pass workspaces of rnnwf_local_energies for one row, a site's saved state
    ! per site, n_conn x (16 + 16 |G|) bytes with a symmetry group G.
    function rnnwf_log_psi_connected(m, config, n_conn, offsets, sites, values, out) bind(C, &
        name="rnnwf_log_psi_connected") result(res)
      import
      implicit none
      type(c_ptr), value :: m
      type(c_ptr), value :: config
      integer(c_size_t), value :: n_conn
      type(c_ptr), value :: offsets
      type(c_ptr), value :: sites
      type(c_ptr), value :: values
      type(c_ptr), value :: out
      integer(c_int32_t) :: res
    end function rnnwf_log_psi_connected

    ! `<op>` from `n_samples` exact samples drawn with `seed`: the mean of the local values
    ! sum_s' <s|op|s'> psi(s') / psi(s). `n_samples` is 1 to 2^32 = 4294967296; outside, and for
    ! an operator on another number of sites than the model or a model that is not spin-1/2,
    ! RNNWF_ERR_INVALID_ARGUMENT. The result depends only on the parameters, `seed` and
    ! `n_samples`. A local value or statistic that overflows is RNNWF_ERR_NUMERICAL. Memory:
    ! the samples are drawn and evaluated in blocks of at most 64 MiB, whatever `n_samples`,
    ! plus the workspaces of rnnwf_local_energies.
    function rnnwf_expectation(m, op, seed, n_samples, out) bind(C, name="rnnwf_expectation") &
        result(res)
      import
      implicit none
      type(c_ptr), value :: m
      type(c_ptr), value :: op
      integer(c_int64_t), value :: seed
      integer(c_size_t), value :: n_samples
      type(rnnwf_estimate), intent(inout) :: out
      integer(c_int32_t) :: res
    end function rnnwf_expectation

    ! Second Renyi entropy S2(A) = -ln <Swap_A> of the sites `region[0..region_len]` by the swap
    ! trick, from `n_samples` (1 to 2^32) pairs of exact samples drawn with `seed`, in blocks of
    ! at most 64 MiB as rnnwf_expectation's: out->mean_re = S2,
    ! out->mean_im = 0, out->error its standard error (error of `<Swap>` / `<Swap>`),
    ! out->variance the swap values' variance / `<Swap>`^2, out->n the pairs used. An empty
    ! region gives S2 = 0. A site >= n_sites or given twice is RNNWF_ERR_INVALID_ARGUMENT; a
    ! mean swap value that is not positive (too few samples for a large region) is
    ! RNNWF_ERR_NUMERICAL.
    function rnnwf_renyi2(m, region, region_len, seed, n_samples, out) bind(C, &
        name="rnnwf_renyi2") result(res)
      import
      implicit none
      type(c_ptr), value :: m
      type(c_ptr), value :: region
      integer(c_size_t), value :: region_len
      integer(c_int64_t), value :: seed
      integer(c_size_t), value :: n_samples
      type(rnnwf_estimate), intent(inout) :: out
      integer(c_int32_t) :: res
    end function rnnwf_renyi2

    ! <psi|op|psi> / <psi|psi> by the full sum over all 2^N configurations (N <= 24, else
    ! RNNWF_ERR_INVALID_ARGUMENT; time and memory grow as 2^N). An operator on another number
    ! of sites than the model, or a model that is not spin-1/2, is RNNWF_ERR_INVALID_ARGUMENT;
    ! a value that overflows (coefficients or parameters near 1e308) is RNNWF_ERR_NUMERICAL.
    ! Memory: 2^N complex amplitudes twice (512 MiB at N = 24).
    function rnnwf_exact_expectation(m, op, out) bind(C, name="rnnwf_exact_expectation") &
        result(res)
      import
      implicit none
      type(c_ptr), value :: m
      type(c_ptr), value :: op
      type(c_ptr), value :: out
      integer(c_int32_t) :: res
    end function rnnwf_exact_expectation

    ! The lowest eigenvalue of `h` by Lanczos over all 2^N states (N <= 24, else
    ! RNNWF_ERR_INVALID_ARGUMENT), converged to a residual of 1e-10 relative. Coefficients whose
    ! magnitudes sum above 1e150 are RNNWF_ERR_NUMERICAL (the solver's squared norms would
    ! overflow). Memory: a few vectors of 2^N doubles (complex ones when a matrix element is
    ! complex): 128 MiB each at N = 24.
    function rnnwf_exact_ground_energy(h, out) bind(C, name="rnnwf_exact_ground_energy") &
        result(res)
      import
      implicit none
      type(c_ptr), value :: h
      type(c_ptr), value :: out
      integer(c_int32_t) :: res
    end function rnnwf_exact_ground_energy

    ! Fills `cfg` with the defaults (Adam, n_samples 1024, learning_rate 1e-3, adam_beta1 0.9,
    ! adam_beta2 0.999, adam_eps 1e-8, sr_diag_shift 1e-4, grad_clip 0, temperature 0, seed 0,
    ! preconditioner RNNWF_PRECONDITIONER_NONE, sr_momentum 0) and sets struct_size.
    function rnnwf_vmc_config_init(cfg) bind(C, name="rnnwf_vmc_config_init") result(res)
      import
      implicit none
      type(rnnwf_vmc_config), intent(inout) :: cfg
      integer(c_int32_t) :: res
    end function rnnwf_vmc_config_init

    ! A training run with the settings `cfg`, at step 0, without reduction hook. A field out of
    ! range (n_samples = 0, a negative or NaN learning_rate, adam_beta1/2 or sr_momentum outside
    ! [0, 1), adam_eps <= 0, a negative or NaN sr_diag_shift, grad_clip or temperature), an unknown
    ! optimizer or preconditioner code or a wrong struct_size gives RNNWF_ERR_INVALID_ARGUMENT
    ! naming the field.
    function rnnwf_vmc_new(cfg, out) bind(C, name="rnnwf_vmc_new") result(res)
      import
      implicit none
      type(rnnwf_vmc_config), intent(in) :: cfg
      type(c_ptr), intent(inout) :: out
      integer(c_int32_t) :: res
    end function rnnwf_vmc_new

    ! Destroys a training run; NULL is a no-op. May run on any thread.
    subroutine rnnwf_vmc_free(v) bind(C, name="rnnwf_vmc_free")
      import
      implicit none
      type(c_ptr), value :: v
    end subroutine rnnwf_vmc_free

    ! Asks the step running on `v` (rnnwf_vmc_step, rnnwf_fit_step, rnnwf_vmc_step_on_samples)
    ! to stop: it returns RNNWF_ERR_CANCELLED at its next chunk boundary (sampling, local
    ! energies, the gradient pass; every conjugate-gradient iteration of SR), with the model,
    ! the optimiser state and the step counter unchanged. Under a reduction hook the request
    ! joins the next reduction and every process's step returns RNNWF_ERR_CANCELLED there. The
    ! request stays pending until a step returns RNNWF_ERR_CANCELLED, which clears it, or
    ! rnnwf_vmc_clear_cancel: made between steps, or after the last check of a step that then
    ! succeeds, it cancels the next step before that computes anything. May run on any thread
    ! during a call that has `v`; with a non-NULL `v` it is one atomic store, safe in a signal
    ! handler (a NULL `v` records a message, which is not).
    function rnnwf_vmc_cancel(v) bind(C, name="rnnwf_vmc_cancel") result(res)
      import
      implicit none
      type(c_ptr), value :: v
      integer(c_int32_t) :: res
    end function rnnwf_vmc_cancel

    ! Drops a pending cancellation request of `v` (see rnnwf_vmc_cancel), e.g. after a step
    ! that succeeded before it saw the request, when the host has handled the interrupt itself.
    ! May run on any thread; one atomic store with a non-NULL `v`.
    function rnnwf_vmc_clear_cancel(v) bind(C, name="rnnwf_vmc_clear_cancel") result(res)
      import
      implicit none
      type(c_ptr), value :: v
      integer(c_int32_t) :: res
    end function rnnwf_vmc_clear_cancel

    ! The current settings (learning_rate and temperature as last set; optimizer and
    ! preconditioner as given). The caller sets out->struct_size and gets that many bytes
    ! written; a struct_size outside the accepted range (0 included) is
    ! RNNWF_ERR_INVALID_ARGUMENT naming both sizes, with nothing written.
    function rnnwf_vmc_get_config(v, out) bind(C, name="rnnwf_vmc_get_config") result(res)
      import
      implicit none
      type(c_ptr), value :: v
      type(rnnwf_vmc_config), intent(inout) :: out
      integer(c_int32_t) :: res
    end function rnnwf_vmc_get_config

    ! The steps taken so far (rnnwf_vmc_step, rnnwf_vmc_step_on_samples and rnnwf_fit_step
    ! alike), which is the index the next step reports in rnnwf_vmc_stats.step: 0 for a new
    ! run; rnnwf_vmc_load brings back the count saved by rnnwf_vmc_save, so a resumed run
    ! counts on from its checkpoint. A failed or cancelled step does not count.
    function rnnwf_vmc_step_count(v, out) bind(C, name="rnnwf_vmc_step_count") result(res)
      import
      implicit none
      type(c_ptr), value :: v
      type(c_ptr), value :: out
      integer(c_int32_t) :: res
    end function rnnwf_vmc_step_count

    ! Sets the reduction that sums sample averages over processes (see rnnwf_allreduce_fn for
    ! what is reduced, and when); `user_data` is passed to every call of `f` and must stay
    ! valid while the hook is set. A NULL `f` removes the hook (one process).
    function rnnwf_vmc_set_allreduce(v, f, user_data) bind(C, name="rnnwf_vmc_set_allreduce") &
        result(res)
      import
      implicit none
      type(c_ptr), value :: v
      type(c_funptr), value :: f
      type(c_ptr), value :: user_data
      integer(c_int32_t) :: res
    end function rnnwf_vmc_set_allreduce

    ! Sets the learning rate of the following steps (schedules are the host's). A negative,
    ! NaN or infinite `lr` is RNNWF_ERR_INVALID_ARGUMENT, and the rate stays as it was.
    function rnnwf_vmc_set_learning_rate(v, lr) bind(C, name="rnnwf_vmc_set_learning_rate") &
        result(res)
      import
      implicit none
      type(c_ptr), value :: v
      real(c_double), value :: lr
      integer(c_int32_t) :: res
    end function rnnwf_vmc_set_learning_rate

    ! Sets SR's diagonal shift (sr_diag_shift) of the following steps, for shift schedules. A
    ! negative, NaN or infinite `shift` is RNNWF_ERR_INVALID_ARGUMENT, and the shift stays as
    ! it was.
    function rnnwf_vmc_set_diag_shift(v, shift) bind(C, name="rnnwf_vmc_set_diag_shift") &
        result(res)
      import
      implicit none
      type(c_ptr), value :: v
      real(c_double), value :: shift
      integer(c_int32_t) :: res
    end function rnnwf_vmc_set_diag_shift

    ! Sets the samples per step on this process (n_samples) of the following rnnwf_vmc_step
    ! calls, e.g. more samples late in a run. 0, or a count beyond any memory (above 2^40), is
    ! RNNWF_ERR_INVALID_ARGUMENT, and the count stays as it was; the step's buffers grow at the
    ! next step (a size no memory holds is refused there).
    function rnnwf_vmc_set_n_samples(v, n_samples) bind(C, name="rnnwf_vmc_set_n_samples") &
        result(res)
      import
      implicit none
      type(c_ptr), value :: v
      integer(c_int64_t), value :: n_samples
      integer(c_int32_t) :: res
    end function rnnwf_vmc_set_n_samples

    ! Sets the seed of the following steps' samples: step k draws with a seed derived from
    ! (`seed`, k). Under MPI every rank needs its own seed (e.g. base + rank), or all ranks
    ! would draw the same samples; rnnwf_vmc_load brings back the seed saved in the checkpoint,
    ! so after loading one (written by rank 0) each rank sets its own seed again. Any value is
    ! valid.
    function rnnwf_vmc_set_seed(v, seed) bind(C, name="rnnwf_vmc_set_seed") result(res)
      import
      implicit none
      type(c_ptr), value :: v
      integer(c_int64_t), value :: seed
      integer(c_int32_t) :: res
    end function rnnwf_vmc_set_seed

    ! Sets the annealing temperature T of the following steps (annealing schedules are the
    ! host's; 0 = plain VMC). A negative, NaN or infinite `t` is RNNWF_ERR_INVALID_ARGUMENT,
    ! and the temperature stays as it was.
    function rnnwf_vmc_set_temperature(v, t) bind(C, name="rnnwf_vmc_set_temperature") result(res)
      import
      implicit none
      type(c_ptr), value :: v
      real(c_double), value :: t
      integer(c_int32_t) :: res
    end function rnnwf_vmc_set_temperature

    ! One VMC step on `h`: draws n_samples exact samples (seed derived from cfg->seed and the
    ! step index), computes their local energies and the gradient of `<H>` (of `<H> - T S` with
    ! temperature T > 0), and updates the parameters of `m` with the optimiser; `out` gets the
    ! statistics of the samples drawn before the update. RNNWF_ERR_INVALID_ARGUMENT for an
    ! operator on another number of sites than the model, or optimiser state (Adam's moments)
    ! of a model of another shape (or, from an old file, parameter count); RNNWF_ERR_NUMERICAL
    ! when a local energy, gradient or new parameter is NaN or Inf, or when the reduction hook
    ! returns a sample count below 1 (it does not sum); RNNWF_ERR_CALLBACK when the reduction
    ! hook fails; RNNWF_ERR_CANCELLED when rnnwf_vmc_cancel stopped it (on this process or,
    ! under a hook, another). Under a hook, every refusal of this process's own inputs still
    ! joins the first reduction, so that all processes fail the step together. On any error
    ! the model, the optimiser state and the step counter are unchanged. Memory, with
    ! n = n_samples and P = rnnwf_model_num_params, kept by the driver between steps: n x (n_sites + 64) bytes
    ! for the samples, their energies and weights; 24 P for the gradient, the direction and
    ! the new parameters (Adam 16 P more for its moments, SPRING 16 P for its previous update);
    ! with SR (RNNWF_OPT_SR, RNNWF_PRECONDITIONER_SR or _SPRING) also 16 n P for the
    ! log-derivatives and 8 r P for the matrix A, r = n (2n with a phase head), and without a
    ! hook minSR's Gram matrix, 8 r^2 bytes (34 GB at n = 65536 without a phase head); plus
    ! the model's workspaces (rnnwf_local_energies, rnnwf_log_psi_grad). A size no memory can
    ! hold is RNNWF_ERR_OUT_OF_MEMORY naming the buffer and its bytes. out->struct_size is set
    ! by the caller (see rnnwf_vmc_stats).
    function rnnwf_vmc_step(v, m, h, out) bind(C, name="rnnwf_vmc_step") result(res)
      import
      implicit none
      type(c_ptr), value :: v
      type(c_ptr), value :: m
      type(c_ptr), value :: h
      type(rnnwf_vmc_stats), intent(inout) :: out
      integer(c_int32_t) :: res
    end function rnnwf_vmc_step

    ! One SGD or Adam step on the negative log-likelihood -(1/n) sum ln P(data) of the `n`
    ! (>= 1) configurations in `data` (`[n][n_sites]`, e.g. measurements in the computational
    ! basis): reconstruction of a positive state from data. `nll_out` gets the likelihood before
    ! the step (averaged over processes). RNNWF_ERR_INVALID_ARGUMENT for n = 0, a site value
    ! out of range in `data`, a configuration with P = 0 (outside the U(1) subspace) or
    ! optimiser state of another model; RNNWF_ERR_UNSUPPORTED with RNNWF_OPT_SR,
    ! RNNWF_PRECONDITIONER_SR or RNNWF_PRECONDITIONER_SPRING; RNNWF_ERR_CANCELLED when
    ! rnnwf_vmc_cancel stopped it. On any error the model and the optimiser state are unchanged.
    function rnnwf_fit_step(v, m, data, n, nll_out) bind(C, name="rnnwf_fit_step") result(res)
      import
      implicit none
      type(c_ptr), value :: v
      type(c_ptr), value :: m
      type(c_ptr), value :: data
      integer(c_size_t), value :: n
      type(c_ptr), value :: nll_out
      integer(c_int32_t) :: res
    end function rnnwf_fit_step

    ! Writes the settings, the step counter and the optimiser state (Adam's moments, SPRING's
    ! previous update; format rnnwf-optimizer, described in src/checkpoint/mod.rs) to `path`,
    ! atomically like rnnwf_model_save. Save the model beside it: the two files together
    ! resume a run bit for bit. RNNWF_ERR_IO on failure; an empty path is
    ! RNNWF_ERR_INVALID_ARGUMENT.
    function rnnwf_vmc_save(v, path) bind(C, name="rnnwf_vmc_save") result(res)
      import
      implicit none
      type(c_ptr), value :: v
      character(kind=c_char), intent(in) :: path(*)
      integer(c_int32_t) :: res
    end function rnnwf_vmc_save

    ! Replaces the settings (the seed included), the step counter and the optimiser state of
    ! `v` with those written by rnnwf_vmc_save; the reduction hook stays. Under MPI, where
    ! rank 0 saves and every rank loads, each rank then sets its own seed again with
    ! rnnwf_vmc_set_seed (else all ranks would draw rank 0's samples). RNNWF_ERR_IO when the file cannot
    ! be read, RNNWF_ERR_FORMAT when it is not an intact optimiser checkpoint (truncated,
    ! corrupted, a model file, a step count above 2^53); `v` is unchanged then. Only a regular
    ! file is read. A state saved with a model of another shape (or, in a file written before
    ! the shape was recorded, another parameter count) is refused by the next step.
    function rnnwf_vmc_load(v, path) bind(C, name="rnnwf_vmc_load") result(res)
      import
      implicit none
      type(c_ptr), value :: v
      character(kind=c_char), intent(in) :: path(*)
      integer(c_int32_t) :: res
    end function rnnwf_vmc_load

    ! Draws the samples the next rnnwf_vmc_step would draw: this process's cfg->n_samples
    ! configurations into `configs_out` (`[n_samples][n_sites]`) and, when `log_psi_out` is not
    ! NULL, their ln psi (`[n_samples]`), with the seed derived from cfg->seed and the step
    ! index, as rnnwf_sample. A host that computes their local energies with its own operator
    ! (rnnwf_log_psi_connected) and calls rnnwf_vmc_step_on_samples takes the step that
    ! rnnwf_vmc_step takes with the same energies, bit for bit. A pass that overflows is
    ! RNNWF_ERR_NUMERICAL with both arrays filled with zeros, as rnnwf_sample; nothing is
    ! written on any other failure. Memory as rnnwf_sample.
    function rnnwf_vmc_sample(v, m, configs_out, log_psi_out) bind(C, name="rnnwf_vmc_sample") &
        result(res)
      import
      implicit none
      type(c_ptr), value :: v
      type(c_ptr), value :: m
      type(c_ptr), value :: configs_out
      type(c_ptr), value :: log_psi_out
      integer(c_int32_t) :: res
    end function rnnwf_vmc_sample

    ! One training step on the host's samples and local energies: `configs` (`[n][n_sites]`,
    ! n >= 1, drawn from |psi|^2 of `m`, e.g. by rnnwf_vmc_sample or rnnwf_sample) and
    ! `local_energies` (`[n]`, complex, E_loc(s) = sum_s' <s|H|s'> psi(s')/psi(s) of the
    ! host's operator; see rnnwf_log_psi_connected). The gradient, preconditioner and update
    ! are those of rnnwf_vmc_step, on the same code: with the energies rnnwf_local_energies
    ! gives, the step equals rnnwf_vmc_step on the same samples bit for bit. With temperature
    ! T > 0 the samples' ln psi is evaluated (one more pass). n may differ from cfg->n_samples,
    ! and under a reduction hook from one process to another: each process passes its own
    ! samples, every average is over all of them, and the reductions are those of
    ! rnnwf_vmc_step (documented on rnnwf_allreduce_fn). RNNWF_ERR_INVALID_ARGUMENT for n = 0,
    ! a value >= local_dim in `configs`, a configuration outside the model's U(1) subspace or
    ! optimiser state of another model; RNNWF_ERR_NUMERICAL for a local energy that is NaN or
    ! Inf (naming it), and as rnnwf_vmc_step; under a hook every such refusal still joins the
    ! first reduction, so that all processes fail the step together. On any error the model,
    ! the optimiser state and the step counter are unchanged. Memory as rnnwf_vmc_step with
    ! n samples. `stats->struct_size` is set by the caller (see rnnwf_vmc_stats).
    function rnnwf_vmc_step_on_samples(v, m, configs, n, local_energies, stats) bind(C, &
        name="rnnwf_vmc_step_on_samples") result(res)
      import
      implicit none
      type(c_ptr), value :: v
      type(c_ptr), value :: m
      type(c_ptr), value :: configs
      integer(c_size_t), value :: n
      type(c_ptr), value :: local_energies
      type(rnnwf_vmc_stats), intent(inout) :: stats
      integer(c_int32_t) :: res
    end function rnnwf_vmc_step_on_samples
  end interface
end module rnnwf_capi
