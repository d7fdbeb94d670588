/* Sampling an RNN wave function from C.
 *
 *   cc -std=c11 -I include examples/c/sample.c -L target/release -lrnnwf -lm \
 *      -Wl,-rpath,target/release -o sample && ./sample [n_samples]
 *
 * Creates a GRU wave function on a 20-site chain with zero magnetisation, draws samples with
 * their log psi, prints a few and the throughput, then checks on a 10-site model that P sums
 * to one over all 1024 configurations.
 *
 * TODO(vmc): once rnnwf_hamiltonian_* and rnnwf_vmc_* land, train a few hundred steps on the
 * 12-site transverse-field Ising chain and print the energy against
 * rnnwf_exact_ground_energy (and the free-fermion formula), as the C++, Fortran and Julia
 * examples will. */
#include "rnnwf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Every call returns a status; on failure print the library's message and stop. */
#define TRY(call)                                                                      \
  do {                                                                                 \
    rnnwf_status status_ = (call);                                                     \
    if (status_ != RNNWF_OK) {                                                         \
      char message_[512];                                                              \
      rnnwf_last_error(message_, sizeof message_);                                     \
      fprintf(stderr, "%s failed: %s: %s\n", #call, rnnwf_status_name(status_),        \
              message_);                                                               \
      exit(1);                                                                         \
    }                                                                                  \
  } while (0)

static double seconds(void) {
  struct timespec t;
  timespec_get(&t, TIME_UTC);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv) {
  size_t n = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 10000;
  printf("rnnwf %s (ABI %u)\n", rnnwf_version(), rnnwf_abi_version());

  rnnwf_model_config cfg;
  TRY(rnnwf_model_config_init(&cfg));
  cfg.cell = RNNWF_CELL_GRU;
  cfg.lx = 20;
  cfg.hidden = 32;
  cfg.phase = RNNWF_PHASE_SOFTSIGN;
  cfg.sign_rule = RNNWF_SIGN_MARSHALL;
  cfg.u1_total = 10; /* half the spins down: zero magnetisation */
  cfg.seed = 1;
  rnnwf_model *model = NULL;
  TRY(rnnwf_model_new(&cfg, &model));

  size_t sites = 0, params = 0;
  TRY(rnnwf_model_num_sites(model, &sites));
  TRY(rnnwf_model_num_params(model, &params));
  printf("model: %zu sites, %zu parameters\n", sites, params);

  uint8_t *configs = malloc(n * sites);
  rnnwf_complex *log_psi = malloc(n * sizeof *log_psi);
  if (configs == NULL || log_psi == NULL) return 1;
  double start = seconds();
  TRY(rnnwf_sample(model, 2024, n, configs, log_psi));
  double elapsed = seconds() - start;

  for (size_t i = 0; i < n && i < 3; i++) {
    printf("sample %zu: ", i);
    for (size_t j = 0; j < sites; j++) putchar(configs[i * sites + j] ? 'v' : '^');
    printf("  ln psi = %+.6f %+.6fi\n", log_psi[i].re, log_psi[i].im);
  }
  printf("%zu samples in %.3f s: %.0f samples/s\n", n, elapsed, (double)n / elapsed);
  free(configs);
  free(log_psi);
  rnnwf_model_free(model);

  /* Normalisation: the autoregressive P is exactly normalised. */
  cfg.lx = 10;
  cfg.u1_total = -1;
  TRY(rnnwf_model_new(&cfg, &model));
  enum { SMALL = 10, COUNT = 1 << SMALL };
  static uint8_t all[COUNT * SMALL];
  static rnnwf_complex lp[COUNT];
  for (int k = 0; k < COUNT; k++)
    for (int j = 0; j < SMALL; j++) all[k * SMALL + j] = (uint8_t)((k >> j) & 1);
  TRY(rnnwf_log_psi(model, all, COUNT, lp));
  double total = 0.0;
  for (int k = 0; k < COUNT; k++) total += exp(2.0 * lp[k].re);
  printf("sum of P over all %d configurations = %.9f\n", COUNT, total);
  rnnwf_model_free(model);
  return fabs(total - 1.0) < 1e-9 ? 0 : 1;
}
