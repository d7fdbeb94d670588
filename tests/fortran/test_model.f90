! Exercises every procedure of the Fortran module rnnwf, error paths included.
! Usage: test_model_f90 SCRATCH_DIR   -> prints "test_model_f90: N checks passed"
!        test_model_f90 --fail        -> a failing call without stat=: must stop with the message
program test_model_f90
  use, intrinsic :: iso_c_binding, only: c_double, c_double_complex, c_int8_t, c_int64_t
  use, intrinsic :: ieee_arithmetic, only: ieee_value, ieee_quiet_nan, ieee_is_finite
  use rnnwf
  implicit none

  integer :: checks = 0
  character(len=1024) :: scratch

  call get_command_argument(1, scratch)
  if (trim(scratch) == '--fail') call fail_without_stat()
  if (len_trim(scratch) == 0) error stop 'usage: test_model_f90 SCRATCH_DIR'

  call test_library()  ! first: it needs a thread on which nothing has failed yet
  call test_config()
  call test_lifetime()
  call test_params()
  call test_sample_and_log_psi()
  call test_normalisation()
  call test_save_and_load()
  print '(a, i0, a)', 'test_model_f90: ', checks, ' checks passed'

contains

  subroutine check(cond, what)
    logical, intent(in) :: cond
    character(len=*), intent(in) :: what
    checks = checks + 1
    if (.not. cond) then
      write (*, '(a)') 'check failed: ' // what
      write (*, '(a)') '  last error: ' // rnnwf_last_error_message()
      error stop 1
    end if
  end subroutine check

  ! A call's stat is `expected` and its errmsg contains `needle`.
  subroutine check_error(stat, errmsg, expected, needle, what)
    integer, intent(in) :: stat, expected
    character(len=*), intent(in) :: errmsg, needle, what
    call check(stat == expected, what // ': stat is ' // rnnwf_status_string(stat) // &
        ', expected ' // rnnwf_status_string(expected) // ' (' // trim(errmsg) // ')')
    call check(index(errmsg, needle) > 0, what // ': errmsg "' // trim(errmsg) // &
        '" lacks "' // needle // '"')
  end subroutine check_error

  subroutine small_config(cfg)
    type(rnnwf_model_config), intent(out) :: cfg
    call rnnwf_defaults(cfg)
    cfg%lx = 6
    cfg%hidden = 8
    cfg%layers = 2
    cfg%phase = RNNWF_PHASE_SOFTSIGN
    cfg%sign_rule = RNNWF_SIGN_MARSHALL
    cfg%u1_total = 3
    cfg%seed = 1234
  end subroutine small_config

  subroutine fail_without_stat()
    type(rnnwf_model_config) :: cfg
    type(rnnwf_model) :: m
    call rnnwf_defaults(cfg)
    cfg%hidden = 0
    call m%create(cfg)  ! no stat: prints the message and stops
    print '(a)', 'not reached'
  end subroutine fail_without_stat

  subroutine test_library()
    character(len=32) :: expected
    call check(rnnwf_last_error_message() == '', 'no error yet')
    write (expected, '(i0, ".", i0, ".", i0)') RNNWF_VERSION_MAJOR, RNNWF_VERSION_MINOR, &
        RNNWF_VERSION_PATCH
    call check(rnnwf_version_string() == trim(expected), 'version ' // rnnwf_version_string())
    call check(rnnwf_abi_compatible(), 'ABI')
    call check(rnnwf_abi_version() == RNNWF_HEADER_ABI_VERSION, 'ABI version')
    call check(rnnwf_status_string(RNNWF_ERR_BUFFER_SIZE) == 'RNNWF_ERR_BUFFER_SIZE', 'name')
    call check(rnnwf_status_string(4242) == 'RNNWF_UNKNOWN_STATUS', 'unknown name')
    call check(RNNWF_OK == 0 .and. RNNWF_ERR_NULL_POINTER == 1 .and. RNNWF_ERR_PANIC == 99, &
        'codes')
    call rnnwf_set_threads(2)
    call rnnwf_set_threads(0)
  end subroutine test_library

  subroutine test_config()
    type(rnnwf_model_config) :: cfg, bad
    type(rnnwf_model) :: m
    integer :: stat
    character(len=256) :: errmsg
    character(len=10) :: short
    type(rnnwf_model_config) :: got
    integer(c_int8_t) :: f32_configs(6, 20)
    complex(c_double_complex) :: f32_lp(20), f32_eval(20)

    call rnnwf_defaults(cfg)
    call check(cfg%struct_size == 64, 'struct_size')
    call check(cfg%boundary == RNNWF_BOUNDARY_OPEN .and. cfg%dilation == 0, 'topology defaults')
    call check(cfg%cell == RNNWF_CELL_GRU .and. cfg%lx == 10 .and. cfg%ly == 1, 'defaults')
    call check(cfg%local_dim == 2 .and. cfg%hidden == 32 .and. cfg%layers == 1, 'defaults')
    call check(cfg%u1_total == -1 .and. cfg%seed == 0, 'defaults')
    call check(cfg%symmetry == RNNWF_SYMMETRY_NONE .and. cfg%precision == RNNWF_PRECISION_F64, &
        'defaults')

    bad = cfg
    bad%hidden = 0
    errmsg = 'untouched'
    call m%create(bad, stat, errmsg)
    call check_error(stat, errmsg, RNNWF_ERR_INVALID_ARGUMENT, 'hidden', 'hidden = 0')
    call check(index(errmsg, 'rnnwf_model_new') == 1, 'message names the function')
    call check(.not. m%is_created(), 'no model after a failure')
    bad = cfg
    bad%ly = 0
    call m%create(bad, stat, errmsg)
    call check_error(stat, errmsg, RNNWF_ERR_INVALID_ARGUMENT, 'ly', 'ly = 0')
    bad = cfg
    bad%boundary = RNNWF_BOUNDARY_PERIODIC
    call m%create(bad, stat, errmsg)
    call check_error(stat, errmsg, RNNWF_ERR_UNSUPPORTED, 'PERIODIC', 'periodic boundary')
    bad = cfg
    bad%ly = 3
    bad%dilation = 1
    call m%create(bad, stat, errmsg)
    call check_error(stat, errmsg, RNNWF_ERR_UNSUPPORTED, 'dilation', 'dilated grid')
    bad = cfg
    bad%lx = 3
    bad%ly = 3
    bad%boundary = RNNWF_BOUNDARY_PERIODIC
    call m%create(bad, stat, errmsg)
    call check(stat == RNNWF_OK, 'periodic grid')
    call m%get_config(got)
    call check(got%boundary == RNNWF_BOUNDARY_PERIODIC, 'periodic boundary round trip')
    call m%destroy()
    bad = cfg
    bad%layers = 3
    bad%dilation = 1
    call m%create(bad, stat, errmsg)
    call check(stat == RNNWF_OK, 'dilated chain')
    call m%get_config(got)
    call check(got%dilation == 1, 'dilation round trip')
    call m%destroy()
    bad = cfg
    bad%dilation = 2
    call m%create(bad, stat, errmsg)
    call check_error(stat, errmsg, RNNWF_ERR_INVALID_ARGUMENT, 'dilation', 'dilation = 2')
    ! Float32 passes: created, sampled, and its ln psi is what evaluation gives.
    call small_config(bad)
    bad%precision = RNNWF_PRECISION_F32
    call m%create(bad, stat, errmsg)
    call check(stat == RNNWF_OK, 'f32 model')
    call m%get_config(got)
    call check(got%precision == RNNWF_PRECISION_F32, 'f32 precision round trip')
    call m%sample(7, f32_configs, f32_lp)
    call m%log_psi(f32_configs, f32_eval)
    call check(maxval(abs(f32_eval - f32_lp)) < tiny(1.0_c_double), 'f32 evaluation agrees with sampling')
    call check(all(sum(int(f32_configs), dim=1) == 3), 'f32 u1_total per column')
    call m%destroy()
    bad = cfg
    bad%symmetry = RNNWF_SYMMETRY_LATTICE_SPIN_FLIP
    bad%u1_total = 3  ! the flip maps 3 down spins of 10 to 7
    call m%create(bad, stat, errmsg)
    call check_error(stat, errmsg, RNNWF_ERR_INVALID_ARGUMENT, 'LATTICE_SPIN_FLIP', 'flip')
    ! A short fixed-length errmsg gets the start of the message.
    call m%create(bad, stat, short)
    call check(stat == RNNWF_ERR_INVALID_ARGUMENT .and. short == 'rnnwf_mode', 'short errmsg: ' // short)
    ! errmsg is left alone on success; stat is RNNWF_OK.
    errmsg = 'untouched'
    call small_config(cfg)
    call m%create(cfg, stat, errmsg)
    call check(stat == RNNWF_OK .and. errmsg == 'untouched', 'success leaves errmsg')
    call m%destroy()
  end subroutine test_config

  subroutine test_lifetime()
    type(rnnwf_model_config) :: cfg, got
    type(rnnwf_model) :: a, b, c
    integer :: stat
    character(len=256) :: errmsg
    real(c_double), allocatable :: pa(:), pb(:)

    call small_config(cfg)
    call a%create(cfg)
    call check(a%is_created(), 'created')
    call a%get_config(got)
    call check(got%lx == 6 .and. got%hidden == 8 .and. got%layers == 2, 'get_config')
    call check(got%u1_total == 3 .and. got%seed == 1234, 'get_config')
    call check(got%symmetry == RNNWF_SYMMETRY_NONE, 'get_config symmetry')
    cfg%symmetry = RNNWF_SYMMETRY_LATTICE_SPIN_FLIP
    call b%create(cfg)
    call b%get_config(got)
    call check(got%symmetry == RNNWF_SYMMETRY_LATTICE_SPIN_FLIP, 'symmetry round trip')
    call check(got%precision == RNNWF_PRECISION_F64, 'precision round trip')
    call b%destroy()
    cfg%symmetry = RNNWF_SYMMETRY_NONE
    call check(a%num_sites() == 6, 'num_sites')
    call check(a%num_params() == (48 + 192 + 24 + 8) + (192 + 192 + 24 + 8) + 2 * (16 + 2), &
        'num_params')

    ! clone and assignment are deep copies.
    call a%clone(b)
    call check(b%is_created(), 'clone')
    c = a
    call check(c%is_created(), 'assigned')
    allocate (pa(a%num_params()), pb(a%num_params()))
    call a%get_params(pa)
    call b%set_params(0.5_c_double * pa)
    call c%set_params(0.25_c_double * pa)
    call a%get_params(pb)
    call check(maxval(abs(pb - pa)) <= 0.0_c_double, 'original unchanged by its copies')
    call b%get_params(pb)
    call check(maxval(abs(pb - 0.5_c_double * pa)) <= 0.0_c_double, 'clone is independent')

    ! resize carries the parameters to a longer chain; a grid is refused.
    call a%resize(8, 1, 4, b)
    call check(b%num_sites() == 8, 'resize: sites')
    call b%get_config(got)
    call check(got%u1_total == 4 .and. got%lx == 8, 'resize: config')
    call b%get_params(pb)
    call check(maxval(abs(pb - pa)) <= 0.0_c_double, 'resize: same parameters')
    call a%resize(3, 2, -1, b, stat, errmsg)
    call check_error(stat, errmsg, RNNWF_ERR_INVALID_ARGUMENT, 'grid', 'resize to a grid')
    call check(b%num_sites() == 8 .and. a%num_sites() == 6, 'resize: unchanged on refusal')
    c = c  ! self-assignment keeps the model
    call check(c%is_created() .and. c%num_sites() == 6, 'self-assignment')

    ! destroy is idempotent; afterwards calls fail cleanly.
    call b%destroy()
    call b%destroy()
    call check(.not. b%is_created(), 'destroyed')
    call check(b%num_sites(stat, errmsg) == 0, 'num_sites of a destroyed model')
    call check_error(stat, errmsg, RNNWF_ERR_NULL_POINTER, '`m`', 'destroyed model')
    ! Recreating replaces (and frees) the old model.
    call c%create(cfg)
    call c%create(cfg)
    call a%destroy()
    call c%destroy()
  end subroutine test_lifetime

  subroutine test_params()
    type(rnnwf_model_config) :: cfg
    type(rnnwf_model) :: m
    real(c_double), allocatable :: p(:), q(:), r(:)
    integer :: stat, n
    character(len=256) :: errmsg

    call small_config(cfg)
    call m%create(cfg)
    n = m%num_params()
    allocate (p(n), q(n), r(n))
    call m%get_params(p)
    call check(all(abs(p) < 10.0_c_double) .and. maxval(abs(p)) > 0.0_c_double, 'params')
    call m%get_params(q(1:n - 1), stat, errmsg)
    call check_error(stat, errmsg, RNNWF_ERR_BUFFER_SIZE, 'expected', 'get_params size')

    q = 0.5_c_double * p + 0.01_c_double
    q(4) = ieee_value(q(4), ieee_quiet_nan)
    call m%set_params(q, stat, errmsg)
    call check_error(stat, errmsg, RNNWF_ERR_NUMERICAL, 'params[3]', 'NaN parameter')
    call m%get_params(r)
    call check(maxval(abs(r - p)) <= 0.0_c_double, 'unchanged after a refusal')
    q(4) = 0.0_c_double
    call m%set_params(q(1:n - 1), stat, errmsg)
    call check_error(stat, errmsg, RNNWF_ERR_BUFFER_SIZE, 'rnnwf_model_set_params', 'set size')
    call m%set_params(q)
    call m%get_params(r)
    call check(maxval(abs(r - q)) <= 0.0_c_double, 'set_params')
    call m%destroy()
  end subroutine test_params

  subroutine test_sample_and_log_psi()
    integer, parameter :: n = 200, sites = 6
    type(rnnwf_model_config) :: cfg
    type(rnnwf_model) :: m, w
    integer(c_int8_t) :: configs(sites, n), again(sites, n), bad(sites, 2), wrong(5, 2)
    complex(c_double_complex) :: lp(n), lp_eval(n), half(n / 2), two(2), one(1)
    integer :: stat, i
    character(len=256) :: errmsg

    call small_config(cfg)
    call m%create(cfg)
    call m%sample(42, configs, lp)
    call check(all(configs == 0 .or. configs == 1), 'site values')
    call check(all(sum(int(configs), dim=1) == 3), 'u1_total per column')
    call check(all(real(lp) <= 0.0_c_double), 'ln|psi| <= 0')
    call m%log_psi(configs, lp_eval)
    call check(maxval(abs(lp_eval - lp)) < 1.0e-12_c_double, 'evaluation agrees with sampling')

    ! A strided section: the compiler copies it in, and the results match.
    call m%log_psi(configs(:, 1:n:2), half)
    call check(maxval(abs(half - lp(1:n:2))) < 1.0e-12_c_double, 'strided section')

    ! The same seed (of either integer kind) gives the same samples.
    call m%sample(42_c_int64_t, again)
    call check(all(again == configs), 'same seed, same samples')
    call m%sample(43, again, stat=stat)
    call check(stat == RNNWF_OK .and. any(again /= configs), 'another seed')

    bad = 0
    bad(2, :) = 1
    bad(4, :) = 1
    bad(6, :) = 1
    bad(5, 2) = 2
    two = (123.0_c_double, 456.0_c_double)
    call m%log_psi(bad, two, stat, errmsg)
    call check_error(stat, errmsg, RNNWF_ERR_INVALID_ARGUMENT, 'configs[1][4] = 2', 'bad value')
    call check(real(two(1)) > 122.0_c_double, 'nothing written on failure')
    wrong = 0
    call m%log_psi(wrong, two, stat, errmsg)
    call check_error(stat, errmsg, RNNWF_ERR_BUFFER_SIZE, 'configs has 5 rows, the model has 6', &
        'wrong rows')
    call m%log_psi(configs, two, stat, errmsg)
    call check_error(stat, errmsg, RNNWF_ERR_BUFFER_SIZE, 'size(out)', 'wrong out size')
    call m%sample(1, configs, two, stat=stat, errmsg=errmsg)
    call check_error(stat, errmsg, RNNWF_ERR_BUFFER_SIZE, 'size(log_psi)', 'wrong log_psi size')

    ! widen keeps psi with more units and refuses fewer.
    call m%widen(11, w)
    call w%log_psi(configs, lp_eval)
    call check(maxval(abs(lp_eval - lp)) < 1.0e-12_c_double, 'widen: same psi')
    call check(w%num_params() > m%num_params(), 'widen: more parameters')
    call m%widen(3, w, stat, errmsg)
    call check_error(stat, errmsg, RNNWF_ERR_INVALID_ARGUMENT, 'hidden units to 3', 'narrower')
    call w%destroy()

    ! Zero samples are fine.
    call m%sample(1, configs(:, 1:0), stat=stat)
    call check(stat == RNNWF_OK, 'n = 0')

    ! Outside the U(1) subspace psi = 0: the real part is -inf.
    bad(:, 1:1) = 0
    call m%log_psi(bad(:, 1:1), one)
    call check(.not. ieee_is_finite(real(one(1))) .and. real(one(1)) < 0.0_c_double, '-inf')
    do i = 1, 3
      call m%sample(int(i, c_int64_t), configs)
    end do
    call m%destroy()
  end subroutine test_sample_and_log_psi

  subroutine test_normalisation()
    integer, parameter :: sites = 8, count = 256
    type(rnnwf_model_config) :: cfg
    type(rnnwf_model) :: m
    integer(c_int8_t) :: all_configs(sites, count)
    complex(c_double_complex) :: lp(count)
    integer :: k, j

    call rnnwf_defaults(cfg)
    cfg%cell = RNNWF_CELL_VANILLA
    cfg%lx = sites
    cfg%hidden = 5
    cfg%seed = 9
    call m%create(cfg)
    do k = 1, count
      do j = 1, sites
        all_configs(j, k) = int(ibits(k - 1, j - 1, 1), c_int8_t)
      end do
    end do
    call m%log_psi(all_configs, lp)
    call check(abs(sum(exp(2.0_c_double * real(lp))) - 1.0_c_double) < 1.0e-10_c_double, &
        'sum of P is 1')
    call m%destroy()
  end subroutine test_normalisation

  subroutine test_save_and_load()
    type(rnnwf_model_config) :: cfg, a, b
    type(rnnwf_model) :: m, loaded
    real(c_double), allocatable :: p(:), q(:)
    integer :: stat, unit
    character(len=256) :: errmsg
    character(len=:), allocatable :: path, damaged

    call small_config(cfg)
    call m%create(cfg)
    path = trim(scratch) // '/model_f90.safetensors'
    call m%save(path)
    call loaded%load(path)
    call m%get_config(a)
    call loaded%get_config(b)
    call check(a%lx == b%lx .and. a%hidden == b%hidden .and. a%seed == b%seed, 'loaded config')
    allocate (p(m%num_params()), q(m%num_params()))
    call m%get_params(p)
    call loaded%get_params(q)
    call check(maxval(abs(p - q)) <= 0.0_c_double, 'loaded params')

    call m%save(trim(scratch) // '/no-such-dir/x.safetensors', stat, errmsg)
    call check_error(stat, errmsg, RNNWF_ERR_IO, 'no-such-dir', 'save into a missing dir')
    call loaded%load(trim(scratch) // '/missing.safetensors', stat, errmsg)
    call check_error(stat, errmsg, RNNWF_ERR_IO, 'missing.safetensors', 'load a missing file')
    call check(loaded%is_created(), 'a failed load keeps the old model')
    damaged = trim(scratch) // '/damaged_f90.safetensors'
    open (newunit=unit, file=damaged, status='replace', action='write')
    write (unit, '(a)') 'this is not a checkpoint'
    close (unit)
    call loaded%load(damaged, stat, errmsg)
    call check_error(stat, errmsg, RNNWF_ERR_FORMAT, 'not a safetensors file', 'load garbage')
    call m%destroy()
    call loaded%destroy()
  end subroutine test_save_and_load

end program test_model_f90
