! Sampling an RNN wave function from Fortran (module rnnwf, bindings/fortran).
!
!   gfortran -std=f2008 bindings/fortran/rnnwf_capi.f90 bindings/fortran/rnnwf.f90 \
!       examples/fortran/sample.f90 -L target/release -lrnnwf -Wl,-rpath,target/release \
!       -o sample_f90 && ./sample_f90
!
! Creates a GRU wave function on a 12-site chain at zero magnetisation, samples it, checks
! that evaluating ln psi reproduces the sampled values, and prints the entropy estimate.
!
! TODO(vmc): once rnnwf_hamiltonian_* and rnnwf_vmc_* land, train a few hundred steps on the
! 12-site transverse-field Ising chain and print the energy against rnnwf_exact_ground_energy.
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
end program sample_f90
