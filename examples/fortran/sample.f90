! Sampling an RNN wave function from Fortran (module rnnwf, bindings/fortran).
!
! Build and run (from the repository root, after `cargo build --release`; the module files
! rnnwf_capi.mod and rnnwf.mod land in the current directory):
!
!   gfortran -std=f2008 bindings/fortran/rnnwf_capi.f90 bindings/fortran/rnnwf.f90 \
!       examples/fortran/sample.f90 -L target/release -lrnnwf \
!       -Wl,-rpath,"$PWD/target/release" -o sample_f90
!   ./sample_f90        # or ./sample_f90 STEPS; runs from any directory
!   ./sample_f90 --help # the usage
!
! Creates a GRU wave function on a 12-site chain at zero magnetisation, samples it, checks
! that evaluating ln psi reproduces the sampled values, and prints the entropy estimate.
! Then trains a GRU with minSR for `steps` steps (default 200) on the open transverse-field
! Ising chain (N = 10, J = h = 1) and prints its energy against the exact ground energy.
program sample_f90
  use, intrinsic :: iso_c_binding, only: c_double, c_double_complex, c_int8_t
  use rnnwf
  implicit none

  integer, parameter :: n = 2000
  type(rnnwf_model_config) :: cfg
  type(rnnwf_model) :: model
  integer(c_int8_t), allocatable :: configs(:,:)     ! (sites, n): one sample per column
  complex(c_double_complex), allocatable :: lp(:), evaluated(:)
  integer :: stat, j
  character(len=200) :: errmsg
  character(len=12) :: first
  integer :: steps

  steps = read_arguments()
  print '(a, a, a, i0, a)', 'rnnwf ', rnnwf_version_string(), ' (ABI ', rnnwf_abi_version(), ')'
  call rnnwf_defaults(cfg)          ! the library's defaults, then our changes
  cfg%lx = 12
  cfg%hidden = 16
  cfg%u1_total = 6
  cfg%phase = RNNWF_PHASE_SOFTSIGN
  cfg%seed = 7
  call model%create(cfg)            ! no stat=: a failure stops with the message
  print '(a, i0, a, i0, a)', 'model: ', model%num_sites(), ' sites, ', model%num_params(), &
      ' parameters'

  allocate (configs(model%num_sites(), n), lp(n), evaluated(n))
  call model%sample(2024, configs, lp)
  call model%log_psi(configs, evaluated)
  do j = 1, 12
    first(j:j) = merge('v', '^', configs(j, 1) == 1)
  end do
  print '(a, a)', 'first sample: ', first
  print '(a, es9.2)', 'max |ln psi(evaluated) - ln psi(sampled)| = ', maxval(abs(evaluated - lp))
  print '(a, f0.4, a, f0.4, a)', 'entropy estimate -<ln P> = ', -2.0_c_double * sum(real(lp)) / n, &
      ' (at most ln C(12,6) = ', log(924.0_c_double), ')'

  configs(:, 1) = 2                 ! a site value of 2 on a spin-1/2 model
  call model%log_psi(configs(:, 1:1), evaluated(1:1), stat, errmsg)
  print '(a, a, a, a)', 'expected error: ', rnnwf_status_string(stat), ': ', trim(errmsg)
  call model%destroy()

  call train(steps)

contains

  ! STEPS from the command line (default 200); --help prints the usage, anything else that
  ! is not a count stops with the usage and exit status 2.
  integer function read_arguments() result(n_steps)
    character(len=64) :: arg, exe
    integer :: ios
    n_steps = 200
    call get_command_argument(0, exe)
    if (command_argument_count() == 0) return
    call get_command_argument(1, arg)
    if (arg == '--help' .or. arg == '-h') then
      print '(a, a, a)', 'usage: ', trim(exe), ' [STEPS]   (default 200)'
      stop
    end if
    read (arg, *, iostat=ios) n_steps
    if (ios /= 0 .or. n_steps < 0 .or. command_argument_count() > 1 .or. verify(trim(arg), '0123456789') /= 0) then
      if (command_argument_count() > 1) call get_command_argument(2, arg)
      write (0, '(a, a, a, a)') trim(exe), ": unexpected argument '", trim(arg), "'"
      write (0, '(a, a, a)') 'usage: ', trim(exe), ' [STEPS]   (default 200)'
      stop 2
    end if
  end function read_arguments

  ! Trains on the open Ising chain -sum Z_i Z_{i+1} - sum X_i of 10 sites and prints the
  ! relative error of the trained model's exact <H> against the exact ground energy.
  subroutine train(steps)
    integer, intent(in) :: steps
    integer, parameter :: sites = 10
    real(c_double), parameter :: pi = 3.14159265358979323846_c_double
    type(rnnwf_hamiltonian) :: h
    type(rnnwf_model) :: m
    type(rnnwf_vmc_config) :: vc
    type(rnnwf_vmc) :: vmc
    type(rnnwf_vmc_stats) :: stats
    real(c_double) :: e0
    complex(c_double_complex) :: before, after
    integer :: k

    call h%tfim(sites, 1, .false., 1.0_c_double, 1.0_c_double)
    call h%ground_energy(e0)                  ! Lanczos
    print '(a, i0, a, i0, a, f0.10, a, f0.10, a)', 'Ising chain: ', h%num_sites(), ' sites, ', &
        h%num_terms(), ' terms, exact E0 = ', e0, ' (free fermions ', &
        1 - 1 / sin(pi / (2 * (2 * sites + 1))), ')'

    call rnnwf_defaults(cfg)
    cfg%lx = sites
    cfg%hidden = 16
    cfg%seed = 1
    call m%create(cfg)
    call rnnwf_defaults(vc)                   ! library defaults (Adam), then minSR
    vc%optimizer = RNNWF_OPT_SR
    vc%n_samples = 256
    vc%learning_rate = 0.05_c_double
    vc%sr_diag_shift = 1e-3_c_double
    vc%seed = 3
    call vmc%create(vc)

    call m%exact_expectation(h, before)
    print '(a, es10.3)', 'relative error before training: ', (real(before) - e0) / abs(e0)
    do k = 0, steps - 1
      call vmc%step(m, h, stats)
      if (mod(k, 50) == 0 .or. k == steps - 1) print '(a, i4, a, f0.6, a, f8.6)', 'step ', k, &
          ': E = ', stats%energy%mean_re, ' +- ', stats%energy%error
    end do
    call m%exact_expectation(h, after)
    print '(a, f0.10)', 'trained E = ', real(after)
    print '(a, i0, a, es10.3)', 'relative error after ', steps, ' steps: ', &
        (real(after) - e0) / abs(e0)
    call vmc%destroy()
    call m%destroy()
    call h%destroy()
  end subroutine train
end program sample_f90
