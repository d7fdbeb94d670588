! Built by tests/cmake_consumer (WITH_FORTRAN) against an installed rnnwf.
program consumer_f90
  use, intrinsic :: iso_c_binding, only: c_int8_t, c_double_complex
  use rnnwf
  implicit none
  type(rnnwf_model_config) :: cfg
  type(rnnwf_model) :: model
  integer(c_int8_t) :: configs(8, 100)
  complex(c_double_complex) :: lp(100), again(100)
  call rnnwf_defaults(cfg)
  cfg%lx = 8
  cfg%hidden = 6
  call model%create(cfg)
  call model%sample(3, configs, lp)
  call model%log_psi(configs, again)
  print '(a, a, a, i0, a, a)', 'consumer_f90: rnnwf ', rnnwf_version_string(), ', ', &
      model%num_sites(), ' sites, agreement ', merge('ok ', 'BAD', maxval(abs(lp - again)) < 1e-12)
  call model%destroy()
end program consumer_f90
