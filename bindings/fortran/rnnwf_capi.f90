! Generated from include/rnnwf.h by bindings/fortran/gen/generate.py; do not edit.
! Regenerate: python3 bindings/fortran/gen/generate.py
!
! The raw C API of rnnwf for Fortran 2008, one declaration per declaration of the header,
! under the C names: constants, bind(C) config types and bind(C) interfaces whose pointer
! arguments are type(c_ptr). Use the module rnnwf (rnnwf.f90), which wraps these with
! derived types, assumed-shape arrays and stat/errmsg, and re-exports everything here.
module rnnwf_capi
  use, intrinsic :: iso_c_binding, only: c_char, c_int32_t, c_int64_t, c_ptr, c_size_t
  implicit none
  public
  ! The kinds are iso_c_binding's to export, not ours.
  private :: c_char, c_int32_t, c_int64_t, c_ptr, c_size_t

  ! h' = tanh(W h + V x + b)
  integer(c_int32_t), parameter :: RNNWF_CELL_VANILLA = 0
  ! Gated recurrent unit.
  integer(c_int32_t), parameter :: RNNWF_CELL_GRU = 1
  ! psi = sqrt(P)
  integer(c_int32_t), parameter :: RNNWF_PHASE_NONE = 0
  ! `psi = sqrt(P) exp(i sum_n pi softsign(U' h_n + c')[s_n])`
  integer(c_int32_t), parameter :: RNNWF_PHASE_SOFTSIGN = 1
  integer(c_int32_t), parameter :: RNNWF_SIGN_NONE = 0
  ! psi *= (-1)^(down spins on sublattice A: x+y even)
  integer(c_int32_t), parameter :: RNNWF_SIGN_MARSHALL = 1
  integer(c_int32_t), parameter :: RNNWF_VERSION_MAJOR = 0
  integer(c_int32_t), parameter :: RNNWF_VERSION_MINOR = 1
  integer(c_int32_t), parameter :: RNNWF_VERSION_PATCH = 0
  ! The ABI generation: equals RNNWF_VERSION_MINOR while on 0.x, matching the shared
  ! library's SONAME librnnwf.so.0.MINOR. A host built against one ABI version needs a library
  ! with the same one.
  ! RNNWF_ABI_VERSION in C; Fortran names ignore case, and rnnwf_abi_version is a function.
  integer(c_int32_t), parameter :: RNNWF_HEADER_ABI_VERSION = 1
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
  ! A request this build does not support (e.g. ly > 1 before the 2D RNN lands).
  integer(c_int32_t), parameter :: RNNWF_ERR_UNSUPPORTED = 7
  ! A host callback returned non-zero.
  integer(c_int32_t), parameter :: RNNWF_ERR_CALLBACK = 8
  ! A bug inside the library was caught at the boundary; the message says where.
  integer(c_int32_t), parameter :: RNNWF_ERR_PANIC = 99

  ! Everything that fixes a model's shape and initial parameters. Fill it with
  ! rnnwf_model_config_init first, then change the fields you need.
  type, bind(C) :: rnnwf_model_config
    ! sizeof(rnnwf_model_config), set by rnnwf_model_config_init.
    integer(c_int32_t) :: struct_size
    ! RNNWF_CELL_VANILLA or RNNWF_CELL_GRU.
    integer(c_int32_t) :: cell
    ! Sites along x; a chain has lx sites.
    integer(c_int32_t) :: lx
    ! 1: 1D RNN; >1: 2D RNN on the lx*ly grid (snake order; not implemented yet:
    ! RNNWF_ERR_UNSUPPORTED).
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
  end type rnnwf_model_config

  interface

    ! d ln psi(s_i) / d theta_k of the `n` configurations in `configs` (`[n][n_sites]`) into
    ! `out` (`[n][num_params]`, parameters in the order of rnnwf_model_get_params): the real
    ! part is 0.5 d ln P, the imaginary part the derivative of the phase. A configuration with
    ! P = 0 (outside the U(1) subspace) has no derivative: RNNWF_ERR_INVALID_ARGUMENT naming
    ! it. NULL arrays are accepted when `n` is 0. Nothing is written on failure.
    function rnnwf_log_psi_grad(m, configs, n, out) bind(C, name="rnnwf_log_psi_grad") result(res)
      import
      implicit none
      type(c_ptr), value :: m
      type(c_ptr), value :: configs
      integer(c_size_t), value :: n
      type(c_ptr), value :: out
      integer(c_int32_t) :: res
    end function rnnwf_log_psi_grad

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

    ! Fills `cfg` with the defaults (GRU, lx 10, ly 1, local_dim 2, hidden 32, layers 1, no
    ! phase, no sign rule, u1_total -1, seed 0) and sets struct_size.
    function rnnwf_model_config_init(cfg) bind(C, name="rnnwf_model_config_init") result(res)
      import
      implicit none
      type(rnnwf_model_config), intent(inout) :: cfg
      integer(c_int32_t) :: res
    end function rnnwf_model_config_init

    ! Creates a model with Glorot-uniform weights drawn from cfg->seed. Invalid fields
    ! (hidden = 0, local_dim < 2, an infeasible u1_total, an unknown code, a wrong struct_size)
    ! give RNNWF_ERR_INVALID_ARGUMENT; ly > 1 gives RNNWF_ERR_UNSUPPORTED for now.
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

    ! Destroys a model; NULL is a no-op. May run on any thread.
    subroutine rnnwf_model_free(m) bind(C, name="rnnwf_model_free")
      import
      implicit none
      type(c_ptr), value :: m
    end subroutine rnnwf_model_free

    ! The model's config, with struct_size set.
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

    ! Writes a checkpoint (safetensors; the format is described in src/checkpoint.rs) to `path`:
    ! to a temporary file that is renamed over `path` once complete, so `path` is never
    ! half-written. RNNWF_ERR_IO on failure; an empty path is RNNWF_ERR_INVALID_ARGUMENT.
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
    ! path is RNNWF_ERR_INVALID_ARGUMENT.
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
    ! never on the thread count. NULL arrays are accepted when `n` is 0. Nothing is written on
    ! failure.
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
    ! U(1) subspace has P = 0: its re is -inf. NULL arrays are accepted when `n` is 0. Nothing
    ! is written on failure.
    function rnnwf_log_psi(m, configs, n, out) bind(C, name="rnnwf_log_psi") result(res)
      import
      implicit none
      type(c_ptr), value :: m
      type(c_ptr), value :: configs
      integer(c_size_t), value :: n
      type(c_ptr), value :: out
      integer(c_int32_t) :: res
    end function rnnwf_log_psi

    ! The name of a status code as a static string, e.g. "RNNWF_ERR_BUFFER_SIZE";
    ! "RNNWF_UNKNOWN_STATUS" for a value that is not a code. Never NULL; never free it.
    function rnnwf_status_name(s) bind(C, name="rnnwf_status_name") result(res)
      import
      implicit none
      integer(c_int32_t), value :: s
      type(c_ptr) :: res
    end function rnnwf_status_name

    ! Sets the number of threads every later call in this process uses; 0 means all cores.
    ! Results never depend on it: a seed gives the same samples for any thread count.
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
  end interface
end module rnnwf_capi
