! rnnwf: recurrent-neural-network wave functions for Fortran 2008.
!
! Compile rnnwf_capi.f90 (generated from rnnwf.h) and this file with your program, then link
! with -lrnnwf (pkg-config --libs rnnwf, or CMake target rnnwf::rnnwf):
!
!   use rnnwf
!   type(rnnwf_model_config) :: cfg
!   type(rnnwf_model) :: model
!   integer(c_int8_t), allocatable :: configs(:,:)
!   call rnnwf_defaults(cfg)
!   cfg%lx = 10
!   call model%create(cfg)
!   allocate (configs(model%num_sites(), 1000))
!   call model%sample(42, configs)
!   call model%destroy()
!
! Conventions:
! - Errors: every call takes optional `stat` (integer) and `errmsg` (character(len=*)). With
!   `stat` present a failure sets it to the RNNWF_ERR_* code (RNNWF_OK on success) and
!   `errmsg`, if present, to the library's message (left unchanged on success). Without `stat`
!   a failure prints the message on standard error and stops with `error stop` (Fortran 2008
!   allows only a constant stop code, hence the separate message line).
! - Handles: type(rnnwf_model) owns a C handle. `destroy` frees it and may be called any
!   number of times; a `final` procedure frees it too when the compiler finalizes (gfortran
!   before 13 finalizes few variables: call destroy). Assignment `b = a` makes a deep copy.
! - Layout: the C API's row-major [n][n_sites] uint8 configurations are, in Fortran,
!   integer(c_int8_t) :: configs(n_sites, n), one configuration per column (spin-1/2:
!   0 = up, 1 = down). ln psi values are complex(c_double_complex). Arrays are assumed-shape;
!   non-contiguous sections are copied in and out by the compiler.
! - Operators and training: type(rnnwf_hamiltonian) (create, parse, tfim, heisenberg,
!   triangular, add_term, ground_energy) and type(rnnwf_vmc) (create from a
!   type(rnnwf_vmc_config) filled by rnnwf_defaults, whose optimizer is the update rule, RNNWF_OPT_SGD or RNNWF_OPT_ADAM
!   (RNNWF_OPT_SR: SGD after SR), and preconditioner RNNWF_PRECONDITIONER_NONE,
!   RNNWF_PRECONDITIONER_SR or RNNWF_PRECONDITIONER_SPRING (with sr_momentum); step,
!   sample and step_on_samples (a host's own local energies, from log_psi_connected),
!   fit_step, set_learning_rate, set_temperature, set_diag_shift, set_n_samples, set_seed,
!   cancel and clear_cancel (a step stopped from another thread, RNNWF_ERR_CANCELLED),
!   set_allreduce, save, load); estimators are bound to the model (local_energies, expectation, renyi2,
!   exact_expectation, sign_free, log_psi_grad with grad(num_params, n)). Site indices in operators and
!   regions are the C API's, from 0. Neither type can be copied (no clone in the C API).
! - Everything in rnnwf_capi (the RNNWF_* constants, the config types, the raw C functions
!   under their C names) is re-exported. RNNWF_ABI_VERSION is RNNWF_HEADER_ABI_VERSION here
!   (Fortran names ignore case, and rnnwf_abi_version is the function).
module rnnwf
  use, intrinsic :: iso_c_binding, only: c_associated, c_char, c_double, c_double_complex, &
      c_f_pointer, c_funptr, c_int8_t, c_int32_t, c_int64_t, c_loc, c_null_char, &
      c_null_funptr, c_null_ptr, c_ptr, c_size_t, c_sizeof
  use, intrinsic :: iso_fortran_env, only: error_unit
  use rnnwf_capi
  implicit none
  public
  private :: c_associated, c_char, c_double, c_double_complex, c_f_pointer, c_funptr, &
      c_int8_t, c_int32_t, c_int64_t, c_loc, c_null_char, c_null_funptr, c_null_ptr, c_ptr, &
      c_size_t, error_unit
  private :: finish, fail, c_string, c_strlen, default_int, columns_match
  private :: model_config_defaults, model_create, model_load, model_clone, model_resize, &
      model_widen, model_destroy, &
      model_final, model_assign, model_is_created, model_handle, model_save, &
      model_get_config, model_num_sites, model_num_params, model_get_params, &
      model_set_params, model_sample_seed32, model_sample_seed64, model_log_psi, &
      model_log_psi_grad, model_local_energies, model_expectation_seed32, &
      model_expectation_seed64, model_renyi2_seed32, model_renyi2_seed64, &
      model_exact_expectation, model_sign_free, model_log_psi_connected, &
      model_restrict_symmetry, model_symmetry_size, model_symmetry_maps, model_symmetry_invariant
  private :: ham_new_local, ham_spin1, ham_bose_hubbard, ham_rydberg, ham_add_local, ham_local_dim
  private :: ham_rotate_z
  private :: ham_create, ham_parse, ham_tfim, ham_heisenberg, ham_triangular, ham_adopt, ham_add_term, &
      ham_num_sites, ham_num_terms, ham_ground_energy, ham_destroy, ham_final, ham_assign, &
      ham_is_created, ham_handle, c_sites, c_periodic
  private :: vmc_config_defaults, vmc_create, vmc_destroy, vmc_final, vmc_assign, &
      vmc_is_created, vmc_handle, vmc_get_config, vmc_set_learning_rate, &
      vmc_set_temperature, vmc_set_diag_shift, vmc_set_n_samples, vmc_set_seed, &
      vmc_cancel, vmc_clear_cancel, vmc_step_count, &
      vmc_set_allreduce, vmc_step, vmc_fit_step, vmc_save, vmc_load, vmc_sample, &
      vmc_step_on_samples

  ! An RNN wave function, owning its C handle.
  type :: rnnwf_model
    type(c_ptr), private :: ptr = c_null_ptr
  contains
    procedure :: create => model_create
    procedure :: load => model_load
    procedure :: clone => model_clone
    procedure :: resize => model_resize
    procedure :: widen => model_widen
    procedure :: destroy => model_destroy
    procedure :: is_created => model_is_created
    procedure :: handle => model_handle
    procedure :: save => model_save
    procedure :: get_config => model_get_config
    procedure :: num_sites => model_num_sites
    procedure :: num_params => model_num_params
    procedure :: get_params => model_get_params
    procedure :: set_params => model_set_params
    procedure, private :: sample_seed32 => model_sample_seed32
    procedure, private :: sample_seed64 => model_sample_seed64
    generic :: sample => sample_seed32, sample_seed64
    procedure :: log_psi => model_log_psi
    procedure :: log_psi_grad => model_log_psi_grad
    procedure :: local_energies => model_local_energies
    procedure :: log_psi_connected => model_log_psi_connected
    procedure, private :: expectation_seed32 => model_expectation_seed32
    procedure, private :: expectation_seed64 => model_expectation_seed64
    generic :: expectation => expectation_seed32, expectation_seed64
    procedure, private :: renyi2_seed32 => model_renyi2_seed32
    procedure, private :: renyi2_seed64 => model_renyi2_seed64
    generic :: renyi2 => renyi2_seed32, renyi2_seed64
    procedure :: exact_expectation => model_exact_expectation
    procedure :: sign_free => model_sign_free
    procedure :: restrict_symmetry => model_restrict_symmetry
    procedure :: symmetry_size => model_symmetry_size
    procedure :: symmetry_maps => model_symmetry_maps
    procedure :: symmetry_invariant => model_symmetry_invariant
    procedure, private :: assign => model_assign
    generic :: assignment(=) => assign
    final :: model_final
  end type rnnwf_model

  ! An operator H = sum_k c_k P_k (real coefficients, Pauli strings), owning its C handle.
  ! Site indices are the C API's, from 0 (i = x + lx*y), as in the text of `parse`.
  ! The C API has no clone: `b = a` stops with an error (pass operators by reference).
  type :: rnnwf_hamiltonian
    type(c_ptr), private :: ptr = c_null_ptr
  contains
    procedure :: create => ham_create
    procedure :: parse => ham_parse
    procedure :: tfim => ham_tfim
    procedure :: heisenberg => ham_heisenberg
    procedure :: triangular => ham_triangular
    procedure :: new_local => ham_new_local
    procedure :: spin1 => ham_spin1
    procedure :: bose_hubbard => ham_bose_hubbard
    procedure :: rydberg => ham_rydberg
    procedure :: add_local => ham_add_local
    procedure :: local_dim => ham_local_dim
    procedure :: add_term => ham_add_term
    procedure :: rotate_z => ham_rotate_z
    procedure :: num_sites => ham_num_sites
    procedure :: num_terms => ham_num_terms
    procedure :: ground_energy => ham_ground_energy
    procedure :: destroy => ham_destroy
    procedure :: is_created => ham_is_created
    procedure :: handle => ham_handle
    procedure, private :: assign => ham_assign
    generic :: assignment(=) => assign
    final :: ham_final
  end type rnnwf_hamiltonian

  ! A training run (settings, step counter, optimiser state, reduction hook), owning its C
  ! handle. No clone in the C API: `b = a` stops with an error.
  type :: rnnwf_vmc
    type(c_ptr), private :: ptr = c_null_ptr
  contains
    procedure :: create => vmc_create
    procedure :: destroy => vmc_destroy
    procedure :: is_created => vmc_is_created
    procedure :: handle => vmc_handle
    procedure :: get_config => vmc_get_config
    procedure :: set_learning_rate => vmc_set_learning_rate
    procedure :: set_temperature => vmc_set_temperature
    procedure :: set_diag_shift => vmc_set_diag_shift
    procedure :: set_n_samples => vmc_set_n_samples
    procedure :: set_seed => vmc_set_seed
    procedure :: cancel => vmc_cancel
    procedure :: clear_cancel => vmc_clear_cancel
    procedure :: step_count => vmc_step_count
    procedure :: set_allreduce => vmc_set_allreduce
    procedure :: step => vmc_step
    procedure :: fit_step => vmc_fit_step
    procedure :: sample => vmc_sample
    procedure :: step_on_samples => vmc_step_on_samples
    procedure :: save => vmc_save
    procedure :: load => vmc_load
    procedure, private :: assign => vmc_assign
    generic :: assignment(=) => assign
    final :: vmc_final
  end type rnnwf_vmc

  ! The reduction hook's interface (rnnwf_allreduce_fn): sum buf(1:len) over all processes
  ! in place (MPI_Allreduce with MPI_IN_PLACE, MPI_SUM, MPI_DOUBLE_PRECISION) and return 0;
  ! any other value fails the step with RNNWF_ERR_CALLBACK. Write a bind(C) function with
  ! this interface and pass c_funloc(it) to rnnwf_vmc%set_allreduce; use c_f_pointer(buf,
  ! array, [len]) to see the buffer.
  abstract interface
    function rnnwf_allreduce_proc(buf, len, user_data) bind(C) result(res)
      import :: c_ptr, c_size_t, c_int32_t
      implicit none
      type(c_ptr), value :: buf
      integer(c_size_t), value :: len
      type(c_ptr), value :: user_data
      integer(c_int32_t) :: res
    end function rnnwf_allreduce_proc
  end interface

  ! Fills a config struct with the library's defaults (its _init function).
  interface rnnwf_defaults
    module procedure model_config_defaults
    module procedure vmc_config_defaults
  end interface rnnwf_defaults

  interface
    function c_strlen(s) bind(C, name="strlen") result(n)
      import :: c_ptr, c_size_t
      implicit none
      type(c_ptr), value :: s
      integer(c_size_t) :: n
    end function c_strlen
  end interface

contains

  ! ---- errors ----

  ! Reports the status of a C call: sets stat and errmsg, or stops on failure without stat.
  subroutine finish(status, stat, errmsg)
    integer(c_int32_t), intent(in) :: status
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    if (status == RNNWF_OK) then
      if (present(stat)) stat = RNNWF_OK
    else
      call fail(status, rnnwf_last_error_message(), stat, errmsg)
    end if
  end subroutine finish

  ! Reports a failure with the given message (found by the C library or by this module).
  subroutine fail(status, message, stat, errmsg)
    integer(c_int32_t), intent(in) :: status
    character(len=*), intent(in) :: message
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    if (present(errmsg)) errmsg = message
    if (present(stat)) then
      stat = status
    else
      write (error_unit, '(a)') 'rnnwf: ' // rnnwf_status_string(status) // ': ' // message
      error stop 'rnnwf: a call failed and no stat= was given (message above)'
    end if
  end subroutine fail

  ! The message of this thread's last failed C call ("" if none).
  function rnnwf_last_error_message() result(message)
    character(len=:), allocatable :: message
    character(kind=c_char), allocatable, target :: buf(:)
    integer(c_size_t) :: n
    integer :: i
    n = rnnwf_last_error(c_null_ptr, 0_c_size_t)
    allocate (buf(n + 1))
    n = rnnwf_last_error(c_loc(buf), size(buf, kind=c_size_t))
    allocate (character(len=n) :: message)
    do i = 1, int(n)
      message(i:i) = buf(i)
    end do
  end function rnnwf_last_error_message

  ! A Fortran copy of a static NUL-terminated C string.
  function c_string(p) result(s)
    type(c_ptr), intent(in) :: p
    character(len=:), allocatable :: s
    character(kind=c_char), pointer :: chars(:)
    integer :: i, n
    n = int(c_strlen(p))
    call c_f_pointer(p, chars, [n])
    allocate (character(len=n) :: s)
    do i = 1, n
      s(i:i) = chars(i)
    end do
  end function c_string

  ! ---- library-wide ----

  ! The library's version, "MAJOR.MINOR.PATCH".
  function rnnwf_version_string() result(s)
    character(len=:), allocatable :: s
    s = c_string(rnnwf_version())
  end function rnnwf_version_string

  ! The name of a status code, e.g. "RNNWF_ERR_BUFFER_SIZE".
  function rnnwf_status_string(status) result(s)
    integer, intent(in) :: status
    character(len=:), allocatable :: s
    s = c_string(rnnwf_status_name(int(status, c_int32_t)))
  end function rnnwf_status_string

  ! True when the loaded library has the ABI these bindings were generated for.
  logical function rnnwf_abi_compatible()
    rnnwf_abi_compatible = rnnwf_abi_version() == RNNWF_HEADER_ABI_VERSION
  end function rnnwf_abi_compatible

  ! Sets the threads every later call uses (0: all cores); results never depend on it.
  subroutine rnnwf_set_threads(n, stat, errmsg)
    integer, intent(in) :: n
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    if (n < 0) then
      call fail(RNNWF_ERR_INVALID_ARGUMENT, 'rnnwf_set_threads: n < 0', stat, errmsg)
      return
    end if
    call finish(rnnwf_set_num_threads(int(n, c_int32_t)), stat, errmsg)
  end subroutine rnnwf_set_threads

  subroutine model_config_defaults(cfg, stat, errmsg)
    type(rnnwf_model_config), intent(out) :: cfg
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    call finish(rnnwf_model_config_init(cfg), stat, errmsg)
  end subroutine model_config_defaults

  ! ---- model: lifetime ----

  ! Creates the model (freeing any model this variable held before).
  subroutine model_create(self, cfg, stat, errmsg)
    class(rnnwf_model), intent(inout) :: self
    type(rnnwf_model_config), intent(in) :: cfg
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(c_ptr) :: out
    integer(c_int32_t) :: status
    out = c_null_ptr
    status = rnnwf_model_new(cfg, out)
    if (status == RNNWF_OK) then
      call self%destroy()
      self%ptr = out
    end if
    call finish(status, stat, errmsg)
  end subroutine model_create

  ! Reads a checkpoint written by save.
  subroutine model_load(self, path, stat, errmsg)
    class(rnnwf_model), intent(inout) :: self
    character(len=*), intent(in) :: path
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(c_ptr) :: out
    integer(c_int32_t) :: status
    out = c_null_ptr
    status = rnnwf_model_load(trim(path) // c_null_char, out)
    if (status == RNNWF_OK) then
      call self%destroy()
      self%ptr = out
    end if
    call finish(status, stat, errmsg)
  end subroutine model_load

  ! Makes `copy` a deep copy of this model.
  subroutine model_clone(self, copy, stat, errmsg)
    class(rnnwf_model), intent(in) :: self
    class(rnnwf_model), intent(inout) :: copy
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(c_ptr) :: out
    integer(c_int32_t) :: status
    out = c_null_ptr
    status = rnnwf_model_clone(self%ptr, out)
    if (status == RNNWF_OK) then
      call copy%destroy()
      copy%ptr = out
    end if
    call finish(status, stat, errmsg)
  end subroutine model_clone

  ! Makes `resized` a model on the lx x ly lattice with this model's parameters; u1_total is
  ! the new U(1) total, -1 for none (rnnwf_model_resize). This model is unchanged.
  subroutine model_resize(self, lx, ly, u1_total, resized, stat, errmsg)
    class(rnnwf_model), intent(in) :: self
    integer, intent(in) :: lx, ly, u1_total
    class(rnnwf_model), intent(inout) :: resized
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(c_ptr) :: out
    integer(c_int32_t) :: status
    out = c_null_ptr
    status = rnnwf_model_resize(self%ptr, int(lx, c_int32_t), int(ly, c_int32_t), &
        int(u1_total, c_int32_t), out)
    if (status == RNNWF_OK) then
      call resized%destroy()
      resized%ptr = out
    end if
    call finish(status, stat, errmsg)
  end subroutine model_resize

  ! Makes `wide` a model with `hidden` units per layer (at least this model's) that computes
  ! the same psi (rnnwf_model_widen): a trained model given room to improve. This model is
  ! unchanged.
  subroutine model_widen(self, hidden, wide, stat, errmsg)
    class(rnnwf_model), intent(in) :: self
    integer, intent(in) :: hidden
    class(rnnwf_model), intent(inout) :: wide
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(c_ptr) :: out
    integer(c_int32_t) :: status
    out = c_null_ptr
    status = rnnwf_model_widen(self%ptr, int(hidden, c_int32_t), out)
    if (status == RNNWF_OK) then
      call wide%destroy()
      wide%ptr = out
    end if
    call finish(status, stat, errmsg)
  end subroutine model_widen

  ! Frees the C handle; idempotent. Later calls fail with RNNWF_ERR_NULL_POINTER.
  subroutine model_destroy(self)
    class(rnnwf_model), intent(inout) :: self
    if (c_associated(self%ptr)) call rnnwf_model_free(self%ptr)
    self%ptr = c_null_ptr
  end subroutine model_destroy

  subroutine model_final(self)
    type(rnnwf_model), intent(inout) :: self
    call self%destroy()
  end subroutine model_final

  ! `lhs = rhs`: a deep copy, so that two variables never own one handle.
  subroutine model_assign(lhs, rhs)
    class(rnnwf_model), intent(inout) :: lhs
    class(rnnwf_model), intent(in) :: rhs
    if (c_associated(lhs%ptr) .and. c_associated(rhs%ptr)) then
      if (c_associated(lhs%ptr, rhs%ptr)) return
    end if
    call lhs%destroy()
    if (c_associated(rhs%ptr)) call rhs%clone(lhs)
  end subroutine model_assign

  logical function model_is_created(self)
    class(rnnwf_model), intent(in) :: self
    model_is_created = c_associated(self%ptr)
  end function model_is_created

  ! The C handle, for the raw functions of rnnwf_capi; still owned by this variable.
  function model_handle(self) result(ptr)
    class(rnnwf_model), intent(in) :: self
    type(c_ptr) :: ptr
    ptr = self%ptr
  end function model_handle

  ! ---- model: queries and parameters ----

  subroutine model_save(self, path, stat, errmsg)
    class(rnnwf_model), intent(in) :: self
    character(len=*), intent(in) :: path
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    call finish(rnnwf_model_save(self%ptr, trim(path) // c_null_char), stat, errmsg)
  end subroutine model_save

  subroutine model_get_config(self, cfg, stat, errmsg)
    class(rnnwf_model), intent(in) :: self
    type(rnnwf_model_config), intent(inout) :: cfg
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    cfg%struct_size = int(c_sizeof(cfg), c_int32_t)
    call finish(rnnwf_model_get_config(self%ptr, cfg), stat, errmsg)
  end subroutine model_get_config

  ! A size_t from the C API as a default integer (array extents); too large stops.
  ! n as a default integer; beyond huge(0), RNNWF_ERR_BUFFER_SIZE through stat (and -1), or
  ! the stop of any failure without stat=.
  integer function default_int(n, what, stat, errmsg)
    integer(c_size_t), intent(in) :: n
    character(len=*), intent(in) :: what
    integer, intent(inout), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    character(len=32) :: digits
    if (n > huge(default_int)) then
      write (digits, '(i0)') n
      call fail(RNNWF_ERR_BUFFER_SIZE, 'rnnwf: ' // what // ' = ' // trim(digits) // &
          ' does not fit a default integer', stat, errmsg)
      default_int = -1
    else
      default_int = int(n)
    end if
  end function default_int

  ! The number of sites: the length of one configuration (a column of configs).
  integer function model_num_sites(self, stat, errmsg)
    class(rnnwf_model), intent(in) :: self
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    integer(c_size_t), target :: n
    n = 0
    call finish(rnnwf_model_num_sites(self%ptr, c_loc(n)), stat, errmsg)
    model_num_sites = default_int(n, 'num_sites', stat, errmsg)
  end function model_num_sites

  integer function model_num_params(self, stat, errmsg)
    class(rnnwf_model), intent(in) :: self
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    integer(c_size_t), target :: n
    n = 0
    call finish(rnnwf_model_num_params(self%ptr, c_loc(n)), stat, errmsg)
    model_num_params = default_int(n, 'num_params', stat, errmsg)
  end function model_num_params

  ! Copies the parameters into params (size num_params()).
  subroutine model_get_params(self, params, stat, errmsg)
    class(rnnwf_model), intent(in) :: self
    real(c_double), intent(inout), contiguous, target :: params(:)
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(c_ptr) :: p
    p = c_null_ptr
    if (size(params) > 0) p = c_loc(params)
    call finish(rnnwf_model_get_params(self%ptr, p, size(params, kind=c_size_t)), stat, errmsg)
  end subroutine model_get_params

  ! Replaces every parameter; NaN or Inf is refused (RNNWF_ERR_NUMERICAL), model unchanged.
  subroutine model_set_params(self, params, stat, errmsg)
    class(rnnwf_model), intent(inout) :: self
    real(c_double), intent(in), contiguous, target :: params(:)
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(c_ptr) :: p
    p = c_null_ptr
    if (size(params) > 0) p = c_loc(params)
    call finish(rnnwf_model_set_params(self%ptr, p, size(params, kind=c_size_t)), stat, errmsg)
  end subroutine model_set_params

  ! ---- model: sampling and evaluation ----

  ! Draws size(configs, 2) samples into the columns of configs(num_sites, n) and, if present,
  ! their ln psi into log_psi(n). The same seed gives the same samples for any thread count.
  ! Nothing is written on failure (hence intent(inout)).
  subroutine model_sample_seed64(self, seed, configs, log_psi, stat, errmsg)
    class(rnnwf_model), intent(in) :: self
    integer(c_int64_t), intent(in) :: seed
    integer(c_int8_t), intent(inout), contiguous, target :: configs(:, :)
    complex(c_double_complex), intent(inout), contiguous, target, optional :: log_psi(:)
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(c_ptr) :: c, lp
    integer :: n, status
    n = size(configs, 2)
    if (.not. columns_match(self, configs, 'sample', status, stat, errmsg)) return
    c = c_null_ptr
    lp = c_null_ptr
    if (present(log_psi)) then
      if (size(log_psi) /= n) then
        call fail(RNNWF_ERR_BUFFER_SIZE, 'rnnwf_model%sample: size(log_psi) /= size(configs, 2)', &
            stat, errmsg)
        return
      end if
      if (n > 0) lp = c_loc(log_psi)
    end if
    if (n > 0) c = c_loc(configs)
    call finish(rnnwf_sample(self%ptr, seed, int(n, c_size_t), c, lp), stat, errmsg)
  end subroutine model_sample_seed64

  subroutine model_sample_seed32(self, seed, configs, log_psi, stat, errmsg)
    class(rnnwf_model), intent(in) :: self
    integer(c_int32_t), intent(in) :: seed
    integer(c_int8_t), intent(inout), contiguous, target :: configs(:, :)
    complex(c_double_complex), intent(inout), contiguous, target, optional :: log_psi(:)
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    call model_sample_seed64(self, int(seed, c_int64_t), configs, log_psi, stat, errmsg)
  end subroutine model_sample_seed32

  ! ln psi of each column of configs(num_sites, n) into out(n). Outside the U(1) subspace
  ! psi = 0: the real part is -Inf.
  subroutine model_log_psi(self, configs, out, stat, errmsg)
    class(rnnwf_model), intent(in) :: self
    integer(c_int8_t), intent(in), contiguous, target :: configs(:, :)
    complex(c_double_complex), intent(inout), contiguous, target :: out(:)
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(c_ptr) :: c, o
    integer :: n, status
    n = size(configs, 2)
    if (.not. columns_match(self, configs, 'log_psi', status, stat, errmsg)) return
    if (size(out) /= n) then
      call fail(RNNWF_ERR_BUFFER_SIZE, 'rnnwf_model%log_psi: size(out) /= size(configs, 2)', &
          stat, errmsg)
      return
    end if
    c = c_null_ptr
    o = c_null_ptr
    if (n > 0) then
      c = c_loc(configs)
      o = c_loc(out)
    end if
    call finish(rnnwf_log_psi(self%ptr, c, int(n, c_size_t), o), stat, errmsg)
  end subroutine model_log_psi

  ! d ln psi / d theta of each column of configs(num_sites, n) into the columns of
  ! grad(num_params, n) (parameters in the order of get_params): real part 0.5 d ln P,
  ! imaginary part the phase's derivative. A configuration with psi = 0 is refused.
  subroutine model_log_psi_grad(self, configs, grad, stat, errmsg)
    class(rnnwf_model), intent(in) :: self
    integer(c_int8_t), intent(in), contiguous, target :: configs(:, :)
    complex(c_double_complex), intent(inout), contiguous, target :: grad(:, :)
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(c_ptr) :: c, o
    integer :: n, status, np
    n = size(configs, 2)
    if (.not. columns_match(self, configs, 'log_psi_grad', status, stat, errmsg)) return
    np = self%num_params(status)
    if (size(grad, 1) /= np .or. size(grad, 2) /= n) then
      call fail(RNNWF_ERR_BUFFER_SIZE, 'rnnwf_model%log_psi_grad: grad must be ' // &
          '(num_params, size(configs, 2))', stat, errmsg)
      return
    end if
    c = c_null_ptr
    o = c_null_ptr
    if (n > 0) then
      c = c_loc(configs)
      if (np > 0) o = c_loc(grad)
    end if
    call finish(rnnwf_log_psi_grad(self%ptr, c, int(n, c_size_t), o), stat, errmsg)
  end subroutine model_log_psi_grad

  ! E_loc of each column of configs(num_sites, n) into out(n); their mean over samples of
  ! |psi|^2 estimates <h>.
  subroutine model_local_energies(self, h, configs, out, stat, errmsg)
    class(rnnwf_model), intent(in) :: self
    class(rnnwf_hamiltonian), intent(in) :: h
    integer(c_int8_t), intent(in), contiguous, target :: configs(:, :)
    complex(c_double_complex), intent(inout), contiguous, target :: out(:)
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(c_ptr) :: c, o
    integer :: n, status
    n = size(configs, 2)
    if (.not. columns_match(self, configs, 'local_energies', status, stat, errmsg)) return
    if (size(out) /= n) then
      call fail(RNNWF_ERR_BUFFER_SIZE, &
          'rnnwf_model%local_energies: size(out) /= size(configs, 2)', stat, errmsg)
      return
    end if
    c = c_null_ptr
    o = c_null_ptr
    if (n > 0) then
      c = c_loc(configs)
      o = c_loc(out)
    end if
    call finish(rnnwf_local_energies(self%ptr, h%ptr, c, int(n, c_size_t), o), stat, errmsg)
  end subroutine model_local_energies

  ! ln psi into out(n_conn) of the configurations equal to config(num_sites) except that
  ! connection c sets the sites sites(offsets(c)+1:offsets(c+1)) (from 0) to the matching
  ! values; offsets(n_conn + 1) starts at 0, sites and values have offsets(n_conn + 1)
  ! entries. With the prefix reuse of local_energies: a host's own operator gets its local
  ! energies for step_on_samples cheaply. Outside the U(1) subspace the real part is -Inf.
  subroutine model_log_psi_connected(self, config, offsets, sites, values, out, stat, errmsg)
    class(rnnwf_model), intent(in) :: self
    integer(c_int8_t), intent(in), contiguous, target :: config(:)
    integer, intent(in) :: offsets(:), sites(:)
    integer(c_int8_t), intent(in), contiguous, target :: values(:)
    complex(c_double_complex), intent(inout), contiguous, target :: out(:)
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    character(len=*), parameter :: what = 'rnnwf_model%log_psi_connected'
    integer(c_size_t), allocatable, target :: o(:)
    integer(c_int32_t), allocatable, target :: s(:)
    type(c_ptr) :: ps, pv, po
    integer :: status
    if (.not. columns_match(self, reshape(config, [size(config), 1]), 'log_psi_connected', &
        status, stat, errmsg)) return
    if (size(offsets) == 0 .or. any(offsets < 0)) then
      call fail(RNNWF_ERR_INVALID_ARGUMENT, what // ': offsets needs n_conn + 1 entries >= 0', &
          stat, errmsg)
      return
    end if
    if (.not. c_sites(sites, s, what, stat, errmsg)) return
    if (size(out) /= size(offsets) - 1 .or. size(sites) /= offsets(size(offsets)) .or. &
        size(values) /= size(sites)) then
      call fail(RNNWF_ERR_BUFFER_SIZE, what // ': out needs size(offsets) - 1 entries, ' // &
          'sites and values offsets(size(offsets))', stat, errmsg)
      return
    end if
    allocate (o(size(offsets)))
    o = int(offsets, c_size_t)
    ps = c_null_ptr
    pv = c_null_ptr
    po = c_null_ptr
    if (size(s) > 0) then
      ps = c_loc(s)
      pv = c_loc(values)
    end if
    if (size(out) > 0) po = c_loc(out)
    call finish(rnnwf_log_psi_connected(self%ptr, c_loc(config), size(out, kind=c_size_t), &
        c_loc(o), ps, pv, po), stat, errmsg)
  end subroutine model_log_psi_connected

  ! <op> from n_samples exact samples drawn with seed (mean, error, variance, n in est).
  subroutine model_expectation_seed64(self, op, seed, n_samples, est, stat, errmsg)
    class(rnnwf_model), intent(in) :: self
    class(rnnwf_hamiltonian), intent(in) :: op
    integer(c_int64_t), intent(in) :: seed
    integer, intent(in) :: n_samples
    type(rnnwf_estimate), intent(inout) :: est
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    if (n_samples < 0) then
      call fail(RNNWF_ERR_INVALID_ARGUMENT, 'rnnwf_model%expectation: n_samples < 0', stat, errmsg)
      return
    end if
    call finish(rnnwf_expectation(self%ptr, op%ptr, seed, int(n_samples, c_size_t), est), &
        stat, errmsg)
  end subroutine model_expectation_seed64

  subroutine model_expectation_seed32(self, op, seed, n_samples, est, stat, errmsg)
    class(rnnwf_model), intent(in) :: self
    class(rnnwf_hamiltonian), intent(in) :: op
    integer(c_int32_t), intent(in) :: seed
    integer, intent(in) :: n_samples
    type(rnnwf_estimate), intent(inout) :: est
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    call model_expectation_seed64(self, op, int(seed, c_int64_t), n_samples, est, stat, errmsg)
  end subroutine model_expectation_seed32

  ! Second Renyi entropy of the sites region(:) (C indices, from 0) by the swap trick, from
  ! n_samples pairs of samples drawn with seed: est%mean_re = S2.
  subroutine model_renyi2_seed64(self, region, seed, n_samples, est, stat, errmsg)
    class(rnnwf_model), intent(in) :: self
    integer, intent(in) :: region(:)
    integer(c_int64_t), intent(in) :: seed
    integer, intent(in) :: n_samples
    type(rnnwf_estimate), intent(inout) :: est
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    integer(c_int32_t), allocatable, target :: r(:)
    type(c_ptr) :: p
    if (n_samples < 0) then
      call fail(RNNWF_ERR_INVALID_ARGUMENT, 'rnnwf_model%renyi2: n_samples < 0', stat, errmsg)
      return
    end if
    if (.not. c_sites(region, r, 'rnnwf_model%renyi2', stat, errmsg)) return
    p = c_null_ptr
    if (size(r) > 0) p = c_loc(r)
    call finish(rnnwf_renyi2(self%ptr, p, size(r, kind=c_size_t), seed, &
        int(n_samples, c_size_t), est), stat, errmsg)
  end subroutine model_renyi2_seed64

  subroutine model_renyi2_seed32(self, region, seed, n_samples, est, stat, errmsg)
    class(rnnwf_model), intent(in) :: self
    integer, intent(in) :: region(:)
    integer(c_int32_t), intent(in) :: seed
    integer, intent(in) :: n_samples
    type(rnnwf_estimate), intent(inout) :: est
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    call model_renyi2_seed64(self, region, int(seed, c_int64_t), n_samples, est, stat, errmsg)
  end subroutine model_renyi2_seed32

  ! <psi|op|psi> / <psi|psi> by the full sum over all 2^N configurations (N <= 24).
  subroutine model_exact_expectation(self, op, value, stat, errmsg)
    class(rnnwf_model), intent(in) :: self
    class(rnnwf_hamiltonian), intent(in) :: op
    complex(c_double_complex), intent(inout) :: value
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    complex(c_double_complex), target :: z
    integer(c_int32_t) :: status
    status = rnnwf_exact_expectation(self%ptr, op%ptr, c_loc(z))
    if (status == RNNWF_OK) value = z
    call finish(status, stat, errmsg)
  end subroutine model_exact_expectation

  ! free = .true. when every off-diagonal element of op, times the model's sign rule on both
  ! sides, is <= 0 (a positive amplitude can then be exact): rnnwf_sign_free.
  subroutine model_sign_free(self, op, free, stat, errmsg)
    class(rnnwf_model), intent(in) :: self
    class(rnnwf_hamiltonian), intent(in) :: op
    logical, intent(inout) :: free
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    integer(c_int32_t), target :: answer
    integer(c_int32_t) :: status
    answer = 0
    status = rnnwf_sign_free(self%ptr, op%ptr, c_loc(answer))
    if (status == RNNWF_OK) free = answer == 1
    call finish(status, stat, errmsg)
  end subroutine model_sign_free

  ! Makes `restricted` a model with this model's parameters and settings, averaged over the
  ! elements of its lattice group that leave op invariant, or conjugate an op that is not
  ! real (kept with the conjugation; rnnwf_model_restrict_symmetry). This model is unchanged.
  subroutine model_restrict_symmetry(self, op, restricted, stat, errmsg)
    class(rnnwf_model), intent(in) :: self
    class(rnnwf_hamiltonian), intent(in) :: op
    class(rnnwf_model), intent(inout) :: restricted
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(c_ptr) :: out
    integer(c_int32_t) :: status
    out = c_null_ptr
    status = rnnwf_model_restrict_symmetry(self%ptr, op%ptr, out)
    if (status == RNNWF_OK) then
      call restricted%destroy()
      restricted%ptr = out
    end if
    call finish(status, stat, errmsg)
  end subroutine model_restrict_symmetry

  ! The number of lattice-group elements the amplitude is averaged over (1 without one).
  integer function model_symmetry_size(self, stat, errmsg)
    class(rnnwf_model), intent(in) :: self
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    integer(c_size_t), target :: n
    n = 0
    call finish(rnnwf_model_symmetry_size(self%ptr, c_loc(n)), stat, errmsg)
    model_symmetry_size = default_int(n, 'symmetry_size', stat, errmsg)
  end function model_symmetry_size

  ! The group elements' codes (size symmetry_size()): RNNWF_MAP_*, plus RNNWF_WITH_FLIP for
  ! an element with the spin flip and RNNWF_WITH_CONJUGATE for one with the conjugation; the
  ! identity first.
  subroutine model_symmetry_maps(self, codes, stat, errmsg)
    class(rnnwf_model), intent(in) :: self
    integer(c_int32_t), intent(inout), contiguous, target :: codes(:)
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(c_ptr) :: p
    p = c_null_ptr
    if (size(codes) > 0) p = c_loc(codes)
    call finish(rnnwf_model_symmetry_maps(self%ptr, p, size(codes, kind=c_size_t)), stat, errmsg)
  end subroutine model_symmetry_maps

  ! invariant = .true. when every element of the model's lattice group leaves op invariant
  ! (rnnwf_symmetry_invariant; .true. without a symmetry).
  subroutine model_symmetry_invariant(self, op, invariant, stat, errmsg)
    class(rnnwf_model), intent(in) :: self
    class(rnnwf_hamiltonian), intent(in) :: op
    logical, intent(inout) :: invariant
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    integer(c_int32_t), target :: answer
    integer(c_int32_t) :: status
    answer = 0
    status = rnnwf_symmetry_invariant(self%ptr, op%ptr, c_loc(answer))
    if (status == RNNWF_OK) invariant = answer == 1
    call finish(status, stat, errmsg)
  end subroutine model_symmetry_invariant

  ! Site indices (from 0) as C uint32 values; a negative one is refused.
  logical function c_sites(sites, out, what, stat, errmsg)
    integer, intent(in) :: sites(:)
    integer(c_int32_t), allocatable, intent(out) :: out(:)
    character(len=*), intent(in) :: what
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    c_sites = .false.
    if (any(sites < 0)) then
      call fail(RNNWF_ERR_INVALID_ARGUMENT, what // ': a site index is negative', stat, errmsg)
      return
    end if
    allocate (out(size(sites)))
    out = int(sites, c_int32_t)
    c_sites = .true.
  end function c_sites

  ! ---- operators ----

  ! Takes ownership of a new handle (on success), freeing the one held before.
  subroutine ham_adopt(self, status, out, stat, errmsg)
    class(rnnwf_hamiltonian), intent(inout) :: self
    integer(c_int32_t), intent(in) :: status
    type(c_ptr), intent(in) :: out
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    if (status == RNNWF_OK) then
      call self%destroy()
      self%ptr = out
    end if
    call finish(status, stat, errmsg)
  end subroutine ham_adopt

  ! The zero operator on n_sites sites.
  subroutine ham_create(self, n_sites, stat, errmsg)
    class(rnnwf_hamiltonian), intent(inout) :: self
    integer, intent(in) :: n_sites
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(c_ptr) :: out
    if (n_sites < 0) then
      call fail(RNNWF_ERR_INVALID_ARGUMENT, 'rnnwf_hamiltonian%create: n_sites < 0', stat, errmsg)
      return
    end if
    out = c_null_ptr
    call ham_adopt(self, rnnwf_hamiltonian_new(int(n_sites, c_int32_t), out), out, stat, errmsg)
  end subroutine ham_create

  ! From text, one term a line ("-1.0 Z0 Z1", "-0.5 X3", a constant "2.0"; '#' comments).
  ! Separate the lines with new_line('a').
  subroutine ham_parse(self, n_sites, text, stat, errmsg)
    class(rnnwf_hamiltonian), intent(inout) :: self
    integer, intent(in) :: n_sites
    character(len=*), intent(in) :: text
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(c_ptr) :: out
    if (n_sites < 0) then
      call fail(RNNWF_ERR_INVALID_ARGUMENT, 'rnnwf_hamiltonian%parse: n_sites < 0', stat, errmsg)
      return
    end if
    out = c_null_ptr
    call ham_adopt(self, rnnwf_hamiltonian_parse(int(n_sites, c_int32_t), text // c_null_char, &
        out), out, stat, errmsg)
  end subroutine ham_parse

  integer(c_int32_t) function c_periodic(periodic)
    logical, intent(in) :: periodic
    c_periodic = merge(1_c_int32_t, 0_c_int32_t, periodic)
  end function c_periodic

  ! -J sum_<ij> Z_i Z_j - h sum_i X_i on the lx*ly chain (ly = 1) or grid.
  subroutine ham_tfim(self, lx, ly, periodic, J, h, stat, errmsg)
    class(rnnwf_hamiltonian), intent(inout) :: self
    integer, intent(in) :: lx, ly
    logical, intent(in) :: periodic
    real(c_double), intent(in) :: J, h
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(c_ptr) :: out
    if (lx < 0 .or. ly < 0) then
      call fail(RNNWF_ERR_INVALID_ARGUMENT, 'rnnwf_hamiltonian%tfim: lx or ly < 0', stat, errmsg)
      return
    end if
    out = c_null_ptr
    call ham_adopt(self, rnnwf_hamiltonian_tfim(int(lx, c_int32_t), int(ly, c_int32_t), &
        c_periodic(periodic), J, h, out), out, stat, errmsg)
  end subroutine ham_tfim

  ! J1 sum_<ij> (XX+YY+ZZ) + J2 sum_<<ij>> (XX+YY+ZZ), Pauli units.
  subroutine ham_heisenberg(self, lx, ly, periodic, J1, J2, stat, errmsg)
    class(rnnwf_hamiltonian), intent(inout) :: self
    integer, intent(in) :: lx, ly
    logical, intent(in) :: periodic
    real(c_double), intent(in) :: J1, J2
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(c_ptr) :: out
    if (lx < 0 .or. ly < 0) then
      call fail(RNNWF_ERR_INVALID_ARGUMENT, 'rnnwf_hamiltonian%heisenberg: lx or ly < 0', &
          stat, errmsg)
      return
    end if
    out = c_null_ptr
    call ham_adopt(self, rnnwf_hamiltonian_heisenberg(int(lx, c_int32_t), int(ly, c_int32_t), &
        c_periodic(periodic), J1, J2, out), out, stat, errmsg)
  end subroutine ham_heisenberg

  ! J sum (XX+YY+ZZ) over the triangular bonds (x,y)-(x+1,y), (x,y)-(x,y+1), (x,y)-(x+1,y+1).
  subroutine ham_triangular(self, lx, ly, periodic, J, stat, errmsg)
    class(rnnwf_hamiltonian), intent(inout) :: self
    integer, intent(in) :: lx, ly
    logical, intent(in) :: periodic
    real(c_double), intent(in) :: J
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(c_ptr) :: out
    if (lx < 0 .or. ly < 0) then
      call fail(RNNWF_ERR_INVALID_ARGUMENT, 'rnnwf_hamiltonian%triangular: lx or ly < 0', &
          stat, errmsg)
      return
    end if
    out = c_null_ptr
    call ham_adopt(self, rnnwf_hamiltonian_triangular(int(lx, c_int32_t), int(ly, c_int32_t), &
        c_periodic(periodic), J, out), out, stat, errmsg)
  end subroutine ham_triangular

  ! The zero operator on n_sites sites of local_dim values each, for add_local.
  subroutine ham_new_local(self, n_sites, local_dim, stat, errmsg)
    class(rnnwf_hamiltonian), intent(inout) :: self
    integer, intent(in) :: n_sites, local_dim
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(c_ptr) :: out
    if (n_sites < 0 .or. local_dim < 0) then
      call fail(RNNWF_ERR_INVALID_ARGUMENT, 'rnnwf_hamiltonian%new_local: n_sites or local_dim < 0', &
          stat, errmsg)
      return
    end if
    out = c_null_ptr
    call ham_adopt(self, rnnwf_hamiltonian_new_local(int(n_sites, c_int32_t), &
        int(local_dim, c_int32_t), out), out, stat, errmsg)
  end subroutine ham_new_local

  ! J sum_<ij> [S.S + beta (S.S)^2] + D sum (S^z)^2 on spin-1 sites (beta = 1/3: AKLT).
  subroutine ham_spin1(self, lx, ly, periodic, J, beta, D, stat, errmsg)
    class(rnnwf_hamiltonian), intent(inout) :: self
    integer, intent(in) :: lx, ly
    logical, intent(in) :: periodic
    real(c_double), intent(in) :: J, beta, D
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(c_ptr) :: out
    if (lx < 0 .or. ly < 0) then
      call fail(RNNWF_ERR_INVALID_ARGUMENT, 'rnnwf_hamiltonian%spin1: lx or ly < 0', stat, errmsg)
      return
    end if
    out = c_null_ptr
    call ham_adopt(self, rnnwf_hamiltonian_spin1(int(lx, c_int32_t), int(ly, c_int32_t), &
        c_periodic(periodic), J, beta, D, out), out, stat, errmsg)
  end subroutine ham_spin1

  ! -t sum_<ij> (b_i^dag b_j + h.c.) + U/2 sum n(n-1) - mu sum n, occupations 0..n_max.
  subroutine ham_bose_hubbard(self, lx, ly, periodic, n_max, t, U, mu, stat, errmsg)
    class(rnnwf_hamiltonian), intent(inout) :: self
    integer, intent(in) :: lx, ly, n_max
    logical, intent(in) :: periodic
    real(c_double), intent(in) :: t, U, mu
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(c_ptr) :: out
    if (lx < 0 .or. ly < 0 .or. n_max < 0) then
      call fail(RNNWF_ERR_INVALID_ARGUMENT, 'rnnwf_hamiltonian%bose_hubbard: lx, ly or n_max < 0', &
          stat, errmsg)
      return
    end if
    out = c_null_ptr
    call ham_adopt(self, rnnwf_hamiltonian_bose_hubbard(int(lx, c_int32_t), int(ly, c_int32_t), &
        c_periodic(periodic), int(n_max, c_int32_t), t, U, mu, out), out, stat, errmsg)
  end subroutine ham_bose_hubbard

  ! -Omega/2 sum sigma^x - delta sum n + sum_{r <= cutoff} Omega Rb^6 / r^6 n n on the lx*ly
  ! array, `group` atoms along x per site (local dimension 2**group).
  subroutine ham_rydberg(self, lx, ly, Omega, delta, Rb, cutoff, group, stat, errmsg)
    class(rnnwf_hamiltonian), intent(inout) :: self
    integer, intent(in) :: lx, ly, group
    real(c_double), intent(in) :: Omega, delta, Rb, cutoff
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(c_ptr) :: out
    if (lx < 0 .or. ly < 0 .or. group < 0) then
      call fail(RNNWF_ERR_INVALID_ARGUMENT, 'rnnwf_hamiltonian%rydberg: lx, ly or group < 0', &
          stat, errmsg)
      return
    end if
    out = c_null_ptr
    call ham_adopt(self, rnnwf_hamiltonian_rydberg(int(lx, c_int32_t), int(ly, c_int32_t), &
        Omega, delta, Rb, cutoff, int(group, c_int32_t), out), out, stat, errmsg)
  end subroutine ham_rydberg

  ! Adds the Hermitian operator matrix (d^k x d^k, matrix(a+1, b+1) = <a|O|b>, the first
  ! listed site most significant) on the k sites (from 0).
  subroutine ham_add_local(self, sites, matrix, stat, errmsg)
    class(rnnwf_hamiltonian), intent(inout) :: self
    integer, intent(in) :: sites(:)
    complex(c_double_complex), intent(in) :: matrix(:, :)
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    integer(c_int32_t), allocatable, target :: s(:)
    complex(c_double_complex), allocatable, target :: m(:, :)
    type(c_ptr) :: p
    integer :: d
    if (.not. c_sites(sites, s, 'rnnwf_hamiltonian%add_local', stat, errmsg)) return
    d = self%local_dim(stat, errmsg)
    if (present(stat)) then
      if (stat /= 0) return
    end if
    if (size(s) > 0 .and. (size(matrix, 1) /= d**size(s) .or. size(matrix, 2) /= d**size(s))) then
      call fail(RNNWF_ERR_BUFFER_SIZE, 'rnnwf_hamiltonian%add_local: matrix is not d^k x d^k', &
          stat, errmsg)
      return
    end if
    ! Row-major for C: the transpose, column-major.
    m = transpose(matrix)
    p = c_null_ptr
    if (size(s) > 0) p = c_loc(s)
    call finish(rnnwf_hamiltonian_add_local(self%ptr, int(size(s), c_int32_t), p, c_loc(m)), &
        stat, errmsg)
  end subroutine ham_add_local

  ! The number of values a site takes (2 for Pauli operators).
  integer function ham_local_dim(self, stat, errmsg)
    class(rnnwf_hamiltonian), intent(in) :: self
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    integer(c_size_t), target :: n
    n = 0
    call finish(rnnwf_hamiltonian_local_dim(self%ptr, c_loc(n)), stat, errmsg)
    ham_local_dim = default_int(n, 'local_dim', stat, errmsg)
  end function ham_local_dim

  ! Adds coeff * P, P with Pauli letter paulis(k:k) on site sites(k) (from 0); paulis = ''
  ! and sites = [integer ::] add a constant. A refused term leaves the operator unchanged.
  subroutine ham_add_term(self, coeff, paulis, sites, stat, errmsg)
    class(rnnwf_hamiltonian), intent(inout) :: self
    real(c_double), intent(in) :: coeff
    character(len=*), intent(in) :: paulis
    integer, intent(in) :: sites(:)
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    integer(c_int32_t), allocatable, target :: s(:)
    type(c_ptr) :: p
    if (.not. c_sites(sites, s, 'rnnwf_hamiltonian%add_term', stat, errmsg)) return
    p = c_null_ptr
    if (size(s) > 0) p = c_loc(s)
    call finish(rnnwf_hamiltonian_add_term(self%ptr, coeff, paulis // c_null_char, p, &
        size(s, kind=c_size_t)), stat, errmsg)
  end subroutine ham_add_term

  ! Replaces the operator by U H U^dagger, U = prod_j exp(-i angles(j+1) n_j) with n_j the
  ! value of site j (1 = down): a state psi becomes exp(-i sum_j angles(j+1) s_j) psi(s), at
  ! the same energy. One angle per site; on error the operator is unchanged.
  subroutine ham_rotate_z(self, angles, stat, errmsg)
    class(rnnwf_hamiltonian), intent(inout) :: self
    real(c_double), intent(in), contiguous, target :: angles(:)
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(c_ptr) :: p
    p = c_null_ptr
    if (size(angles) > 0) p = c_loc(angles)
    call finish(rnnwf_hamiltonian_rotate_z(self%ptr, p, size(angles, kind=c_size_t)), &
        stat, errmsg)
  end subroutine ham_rotate_z

  ! Writes into angles(1:lx*ly) the three-sublattice (120-degree) angles
  ! (2 pi / 3) mod(x + y, 3) of the lx*ly grid, site x + lx*y at angles(x + lx*y + 1), for
  ! rnnwf_hamiltonian%rotate_z; size(angles) must be lx*ly.
  subroutine rnnwf_get_three_sublattice_angles(lx, ly, angles, stat, errmsg)
    integer, intent(in) :: lx, ly
    real(c_double), intent(inout), contiguous, target :: angles(:)
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(c_ptr) :: p
    if (lx < 0 .or. ly < 0) then
      call fail(RNNWF_ERR_INVALID_ARGUMENT, 'rnnwf_get_three_sublattice_angles: lx or ly < 0', &
          stat, errmsg)
      return
    end if
    p = c_null_ptr
    if (size(angles) > 0) p = c_loc(angles)
    call finish(rnnwf_three_sublattice_angles(int(lx, c_int32_t), int(ly, c_int32_t), p, &
        size(angles, kind=c_size_t)), stat, errmsg)
  end subroutine rnnwf_get_three_sublattice_angles

  integer function ham_num_sites(self, stat, errmsg)
    class(rnnwf_hamiltonian), intent(in) :: self
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    integer(c_size_t), target :: n
    n = 0
    call finish(rnnwf_hamiltonian_num_sites(self%ptr, c_loc(n)), stat, errmsg)
    ham_num_sites = default_int(n, 'num_sites', stat, errmsg)
  end function ham_num_sites

  ! The number of distinct Pauli strings with a non-zero coefficient.
  integer function ham_num_terms(self, stat, errmsg)
    class(rnnwf_hamiltonian), intent(in) :: self
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    integer(c_size_t), target :: n
    n = 0
    call finish(rnnwf_hamiltonian_num_terms(self%ptr, c_loc(n)), stat, errmsg)
    ham_num_terms = default_int(n, 'num_terms', stat, errmsg)
  end function ham_num_terms

  ! The lowest eigenvalue by Lanczos over all 2^N states (N <= 24): rnnwf_exact_ground_energy.
  subroutine ham_ground_energy(self, e0, stat, errmsg)
    class(rnnwf_hamiltonian), intent(in) :: self
    real(c_double), intent(inout) :: e0
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    real(c_double), target :: e
    integer(c_int32_t) :: status
    status = rnnwf_exact_ground_energy(self%ptr, c_loc(e))
    if (status == RNNWF_OK) e0 = e
    call finish(status, stat, errmsg)
  end subroutine ham_ground_energy

  ! Frees the C handle; idempotent.
  subroutine ham_destroy(self)
    class(rnnwf_hamiltonian), intent(inout) :: self
    if (c_associated(self%ptr)) call rnnwf_hamiltonian_free(self%ptr)
    self%ptr = c_null_ptr
  end subroutine ham_destroy

  subroutine ham_final(self)
    type(rnnwf_hamiltonian), intent(inout) :: self
    call self%destroy()
  end subroutine ham_final

  ! Two variables must never own one handle, and the C API cannot copy an operator.
  subroutine ham_assign(lhs, rhs)
    class(rnnwf_hamiltonian), intent(inout) :: lhs
    class(rnnwf_hamiltonian), intent(in) :: rhs
    if (c_associated(lhs%ptr) .or. c_associated(rhs%ptr)) &
        error stop 'rnnwf: an rnnwf_hamiltonian cannot be copied; pass it by reference'
  end subroutine ham_assign

  logical function ham_is_created(self)
    class(rnnwf_hamiltonian), intent(in) :: self
    ham_is_created = c_associated(self%ptr)
  end function ham_is_created

  function ham_handle(self) result(ptr)
    class(rnnwf_hamiltonian), intent(in) :: self
    type(c_ptr) :: ptr
    ptr = self%ptr
  end function ham_handle

  ! ---- training ----

  subroutine vmc_config_defaults(cfg, stat, errmsg)
    type(rnnwf_vmc_config), intent(out) :: cfg
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    call finish(rnnwf_vmc_config_init(cfg), stat, errmsg)
  end subroutine vmc_config_defaults

  ! A training run at step 0 without hook (freeing any run this variable held before).
  subroutine vmc_create(self, cfg, stat, errmsg)
    class(rnnwf_vmc), intent(inout) :: self
    type(rnnwf_vmc_config), intent(in) :: cfg
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(c_ptr) :: out
    integer(c_int32_t) :: status
    out = c_null_ptr
    status = rnnwf_vmc_new(cfg, out)
    if (status == RNNWF_OK) then
      call self%destroy()
      self%ptr = out
    end if
    call finish(status, stat, errmsg)
  end subroutine vmc_create

  subroutine vmc_destroy(self)
    class(rnnwf_vmc), intent(inout) :: self
    if (c_associated(self%ptr)) call rnnwf_vmc_free(self%ptr)
    self%ptr = c_null_ptr
  end subroutine vmc_destroy

  subroutine vmc_final(self)
    type(rnnwf_vmc), intent(inout) :: self
    call self%destroy()
  end subroutine vmc_final

  subroutine vmc_assign(lhs, rhs)
    class(rnnwf_vmc), intent(inout) :: lhs
    class(rnnwf_vmc), intent(in) :: rhs
    if (c_associated(lhs%ptr) .or. c_associated(rhs%ptr)) &
        error stop 'rnnwf: an rnnwf_vmc cannot be copied; pass it by reference'
  end subroutine vmc_assign

  logical function vmc_is_created(self)
    class(rnnwf_vmc), intent(in) :: self
    vmc_is_created = c_associated(self%ptr)
  end function vmc_is_created

  function vmc_handle(self) result(ptr)
    class(rnnwf_vmc), intent(in) :: self
    type(c_ptr) :: ptr
    ptr = self%ptr
  end function vmc_handle

  ! The current settings (learning rate and temperature as last set).
  subroutine vmc_get_config(self, cfg, stat, errmsg)
    class(rnnwf_vmc), intent(in) :: self
    type(rnnwf_vmc_config), intent(inout) :: cfg
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    cfg%struct_size = int(c_sizeof(cfg), c_int32_t)
    call finish(rnnwf_vmc_get_config(self%ptr, cfg), stat, errmsg)
  end subroutine vmc_get_config

  subroutine vmc_set_learning_rate(self, lr, stat, errmsg)
    class(rnnwf_vmc), intent(inout) :: self
    real(c_double), intent(in) :: lr
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    call finish(rnnwf_vmc_set_learning_rate(self%ptr, lr), stat, errmsg)
  end subroutine vmc_set_learning_rate

  ! Each MPI rank its own seed, also again after load (the file brings rank 0's).
  subroutine vmc_set_seed(self, seed, stat, errmsg)
    class(rnnwf_vmc), intent(inout) :: self
    integer(c_int64_t), intent(in) :: seed
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    call finish(rnnwf_vmc_set_seed(self%ptr, seed), stat, errmsg)
  end subroutine vmc_set_seed

  ! Asks the running (or, if none runs, the next) step to stop at its next chunk boundary:
  ! that step fails with RNNWF_ERR_CANCELLED and changes nothing (rnnwf_vmc_cancel). Callable
  ! from another thread (e.g. an OpenMP section) during a step.
  subroutine vmc_cancel(self, stat, errmsg)
    class(rnnwf_vmc), intent(in) :: self
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    call finish(rnnwf_vmc_cancel(self%ptr), stat, errmsg)
  end subroutine vmc_cancel

  ! Drops a pending cancellation request (rnnwf_vmc_clear_cancel).
  subroutine vmc_clear_cancel(self, stat, errmsg)
    class(rnnwf_vmc), intent(in) :: self
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    call finish(rnnwf_vmc_clear_cancel(self%ptr), stat, errmsg)
  end subroutine vmc_clear_cancel

  ! The steps taken so far (step, step_on_samples and fit_step alike), the index the next
  ! step reports in stats%step: 0 for a new run, and after load the count the checkpoint
  ! holds (rnnwf_vmc_step_count).
  integer(c_int64_t) function vmc_step_count(self, stat, errmsg)
    class(rnnwf_vmc), intent(in) :: self
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    integer(c_int64_t), target :: n
    n = 0
    call finish(rnnwf_vmc_step_count(self%ptr, c_loc(n)), stat, errmsg)
    vmc_step_count = n
  end function vmc_step_count

  subroutine vmc_set_temperature(self, t, stat, errmsg)
    class(rnnwf_vmc), intent(inout) :: self
    real(c_double), intent(in) :: t
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    call finish(rnnwf_vmc_set_temperature(self%ptr, t), stat, errmsg)
  end subroutine vmc_set_temperature

  subroutine vmc_set_diag_shift(self, shift, stat, errmsg)
    class(rnnwf_vmc), intent(inout) :: self
    real(c_double), intent(in) :: shift
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    call finish(rnnwf_vmc_set_diag_shift(self%ptr, shift), stat, errmsg)
  end subroutine vmc_set_diag_shift

  ! The samples per step on this process of the following steps (>= 1).
  subroutine vmc_set_n_samples(self, n_samples, stat, errmsg)
    class(rnnwf_vmc), intent(inout) :: self
    integer(c_int64_t), intent(in) :: n_samples
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    call finish(rnnwf_vmc_set_n_samples(self%ptr, n_samples), stat, errmsg)
  end subroutine vmc_set_n_samples

  ! Installs the reduction hook f = c_funloc(proc), proc a bind(C) function with the interface
  ! rnnwf_allreduce_proc; user_data (default C NULL) is passed to each call and must stay
  ! valid (target, not deallocated) while the hook is set. f = c_null_funptr removes it.
  subroutine vmc_set_allreduce(self, f, user_data, stat, errmsg)
    class(rnnwf_vmc), intent(inout) :: self
    type(c_funptr), value :: f
    type(c_ptr), intent(in), optional :: user_data
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(c_ptr) :: data
    data = c_null_ptr
    if (present(user_data)) data = user_data
    call finish(rnnwf_vmc_set_allreduce(self%ptr, f, data), stat, errmsg)
  end subroutine vmc_set_allreduce

  ! One VMC step of model on h; stats of the samples drawn before the update (its struct_size
  ! is set here). On failure the model, the optimiser state and the step counter are
  ! unchanged.
  subroutine vmc_step(self, model, h, stats, stat, errmsg)
    class(rnnwf_vmc), intent(inout) :: self
    class(rnnwf_model), intent(inout) :: model
    class(rnnwf_hamiltonian), intent(in) :: h
    type(rnnwf_vmc_stats), intent(inout) :: stats
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    stats%struct_size = int(c_sizeof(stats), c_int32_t)
    call finish(rnnwf_vmc_step(self%ptr, model%ptr, h%ptr, stats), stat, errmsg)
  end subroutine vmc_step

  ! One SGD/Adam step on -<ln P(data)> of the columns of data(num_sites, n); nll gets the
  ! value before the step.
  subroutine vmc_fit_step(self, model, data, nll, stat, errmsg)
    class(rnnwf_vmc), intent(inout) :: self
    class(rnnwf_model), intent(inout) :: model
    integer(c_int8_t), intent(in), contiguous, target :: data(:, :)
    real(c_double), intent(inout) :: nll
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    real(c_double), target :: value
    type(c_ptr) :: d
    integer :: status
    integer(c_int32_t) :: s
    if (.not. columns_match(model, data, 'fit_step', status, stat, errmsg)) return
    d = c_null_ptr
    if (size(data, 2) > 0) d = c_loc(data)
    s = rnnwf_fit_step(self%ptr, model%ptr, d, size(data, 2, kind=c_size_t), c_loc(value))
    if (s == RNNWF_OK) nll = value
    call finish(s, stat, errmsg)
  end subroutine vmc_fit_step

  ! The samples the next step draws into configs(num_sites, n_samples), for a host that
  ! computes their local energies with its own operator (log_psi_connected).
  subroutine vmc_sample(self, model, configs, stat, errmsg)
    class(rnnwf_vmc), intent(in) :: self
    class(rnnwf_model), intent(in) :: model
    integer(c_int8_t), intent(inout), contiguous, target :: configs(:, :)
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(rnnwf_vmc_config) :: cfg
    integer :: status
    if (.not. columns_match(model, configs, 'sample', status, stat, errmsg)) return
    call self%get_config(cfg, status)
    if (status /= RNNWF_OK) then
      call finish(int(status, c_int32_t), stat, errmsg)
      return
    end if
    if (size(configs, 2, kind=c_int64_t) /= cfg%n_samples) then
      call fail(RNNWF_ERR_BUFFER_SIZE, 'rnnwf_vmc%sample: size(configs, 2) /= n_samples', &
          stat, errmsg)
      return
    end if
    call finish(rnnwf_vmc_sample(self%ptr, model%ptr, c_loc(configs), c_null_ptr), stat, errmsg)
  end subroutine vmc_sample

  ! One step (gradient, preconditioner, update of model) on the host's samples, the columns
  ! of configs(num_sites, n) drawn from |psi|^2, and their local energies(n); with the
  ! energies of local_energies it is step on the same samples. On failure nothing changes.
  subroutine vmc_step_on_samples(self, model, configs, local_energies, stats, stat, errmsg)
    class(rnnwf_vmc), intent(inout) :: self
    class(rnnwf_model), intent(inout) :: model
    integer(c_int8_t), intent(in), contiguous, target :: configs(:, :)
    complex(c_double_complex), intent(in), contiguous, target :: local_energies(:)
    type(rnnwf_vmc_stats), intent(inout) :: stats
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(c_ptr) :: c, e
    integer :: status
    if (.not. columns_match(model, configs, 'step_on_samples', status, stat, errmsg)) return
    if (size(local_energies) /= size(configs, 2)) then
      call fail(RNNWF_ERR_BUFFER_SIZE, &
          'rnnwf_vmc%step_on_samples: size(local_energies) /= size(configs, 2)', stat, errmsg)
      return
    end if
    c = c_null_ptr
    e = c_null_ptr
    if (size(configs, 2) > 0) then
      c = c_loc(configs)
      e = c_loc(local_energies)
    end if
    stats%struct_size = int(c_sizeof(stats), c_int32_t)
    call finish(rnnwf_vmc_step_on_samples(self%ptr, model%ptr, c, size(configs, 2, kind=c_size_t), &
        e, stats), stat, errmsg)
  end subroutine vmc_step_on_samples

  ! Settings, step counter and optimiser state; save the model beside it.
  subroutine vmc_save(self, path, stat, errmsg)
    class(rnnwf_vmc), intent(in) :: self
    character(len=*), intent(in) :: path
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    call finish(rnnwf_vmc_save(self%ptr, trim(path) // c_null_char), stat, errmsg)
  end subroutine vmc_save

  ! Replaces settings, step counter and optimiser state (the hook stays).
  subroutine vmc_load(self, path, stat, errmsg)
    class(rnnwf_vmc), intent(inout) :: self
    character(len=*), intent(in) :: path
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    call finish(rnnwf_vmc_load(self%ptr, trim(path) // c_null_char), stat, errmsg)
  end subroutine vmc_load

  ! Whether configs has one row per site; if not (or the model is missing) reports why.
  logical function columns_match(self, configs, what, status, stat, errmsg)
    class(rnnwf_model), intent(in) :: self
    integer(c_int8_t), intent(in) :: configs(:, :)
    character(len=*), intent(in) :: what
    integer, intent(out) :: status
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    integer :: sites
    character(len=32) :: rows, expected
    columns_match = .false.
    sites = self%num_sites(status)
    if (status /= RNNWF_OK) then
      call finish(int(status, c_int32_t), stat, errmsg)
      return
    end if
    if (size(configs, 1) /= sites) then
      write (rows, '(i0)') size(configs, 1)
      write (expected, '(i0)') sites
      call fail(RNNWF_ERR_BUFFER_SIZE, 'rnnwf_model%' // what // ': configs has ' // trim(rows) &
          // ' rows, the model has ' // trim(expected) // ' sites', stat, errmsg)
      return
    end if
    columns_match = .true.
  end function columns_match

end module rnnwf
