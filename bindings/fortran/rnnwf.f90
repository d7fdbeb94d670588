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
! - Everything in rnnwf_capi (the RNNWF_* constants, the config types, the raw C functions
!   under their C names) is re-exported. RNNWF_ABI_VERSION is RNNWF_HEADER_ABI_VERSION here
!   (Fortran names ignore case, and rnnwf_abi_version is the function).
module rnnwf
  use, intrinsic :: iso_c_binding, only: c_associated, c_char, c_double, c_double_complex, &
      c_f_pointer, c_int8_t, c_int32_t, c_int64_t, c_loc, c_null_char, c_null_ptr, c_ptr, &
      c_size_t
  use, intrinsic :: iso_fortran_env, only: error_unit
  use rnnwf_capi
  implicit none
  public
  private :: c_associated, c_char, c_double, c_double_complex, c_f_pointer, c_int8_t, &
      c_int32_t, c_int64_t, c_loc, c_null_char, c_null_ptr, c_ptr, c_size_t, error_unit
  private :: finish, fail, c_string, c_strlen, size_or_stop, columns_match
  private :: model_config_defaults, model_create, model_load, model_clone, model_destroy, &
      model_final, model_assign, model_is_created, model_handle, model_save, &
      model_get_config, model_num_sites, model_num_params, model_get_params, &
      model_set_params, model_sample_seed32, model_sample_seed64, model_log_psi

  ! An RNN wave function, owning its C handle.
  type :: rnnwf_model
    type(c_ptr), private :: ptr = c_null_ptr
  contains
    procedure :: create => model_create
    procedure :: load => model_load
    procedure :: clone => model_clone
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
    procedure, private :: assign => model_assign
    generic :: assignment(=) => assign
    final :: model_final
  end type rnnwf_model

  ! Fills a config struct with the library's defaults (its _init function).
  interface rnnwf_defaults
    module procedure model_config_defaults
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
    call finish(rnnwf_model_get_config(self%ptr, cfg), stat, errmsg)
  end subroutine model_get_config

  ! A size_t from the C API as a default integer (array extents); too large stops.
  integer function size_or_stop(n)
    integer(c_size_t), intent(in) :: n
    if (n > huge(size_or_stop)) error stop 'rnnwf: a size does not fit a default integer'
    size_or_stop = int(n)
  end function size_or_stop

  ! The number of sites: the length of one configuration (a column of configs).
  integer function model_num_sites(self, stat, errmsg)
    class(rnnwf_model), intent(in) :: self
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    integer(c_size_t), target :: n
    n = 0
    call finish(rnnwf_model_num_sites(self%ptr, c_loc(n)), stat, errmsg)
    model_num_sites = size_or_stop(n)
  end function model_num_sites

  integer function model_num_params(self, stat, errmsg)
    class(rnnwf_model), intent(in) :: self
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    integer(c_size_t), target :: n
    n = 0
    call finish(rnnwf_model_num_params(self%ptr, c_loc(n)), stat, errmsg)
    model_num_params = size_or_stop(n)
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
