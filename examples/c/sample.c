/* Sampling an RNN wave function from C.
 *
 * Build and run (from the repository root, after `cargo build --release`, which also makes
 * the link librnnwf.so.0.MINOR the program asks for at run time):
 *
 *   cc -std=c11 -I include examples/c/sample.c -L target/release -lrnnwf -lm \
 *      -Wl,-rpath,"$PWD/target/release" -o sample
 *   ./sample            # or ./sample N_SAMPLES STEPS; runs from any directory
 *   ./sample --help     # the usage
 *
 * Creates a GRU wave function on a 20-site chain with zero magnetisation, draws samples with
 * their log psi, prints a few and the throughput, then checks on a 10-site model that P sums
 * to one over all 1024 configurations. Finally trains a GRU with minSR for `steps` steps
 * (default 200) on the open transverse-field Ising chain (N = 10, J = h = 1) and prints its
 * energy against the exact ground energy (Lanczos and the free-fermion formula). */
#include "rnnwf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* Trains on the open Ising chain -sum Z_i Z_{i+1} - sum X_i of 10 sites and prints the
 * relative error of the trained model's exact <H> against the exact ground energy. */
static void train(int steps) {
  const uint32_t sites = 10;
  const double pi = 3.14159265358979323846;
  rnnwf_hamiltonian *h = NULL;
  TRY(rnnwf_hamiltonian_tfim(sites, 1, /*periodic=*/0, 1.0, 1.0, &h));
  size_t terms = 0;
  TRY(rnnwf_hamiltonian_num_terms(h, &terms));
  double e0 = 0.0;
  TRY(rnnwf_exact_ground_energy(h, &e0)); /* Lanczos */
  printf("Ising chain: %u sites, %zu terms, exact E0 = %.10f (free fermions %.10f)\n", sites,
         terms, e0, 1.0 - 1.0 / sin(pi / (2.0 * (2 * sites + 1))));

  rnnwf_model_config cfg;
  TRY(rnnwf_model_config_init(&cfg));
  cfg.lx = sites;
  cfg.hidden = 16;
  cfg.seed = 1;
  rnnwf_model *m = NULL;
  TRY(rnnwf_model_new(&cfg, &m));
  rnnwf_vmc_config vc;
  TRY(rnnwf_vmc_config_init(&vc)); /* defaults (Adam), then minSR */
  vc.optimizer = RNNWF_OPT_SR;
  vc.n_samples = 256;
  vc.learning_rate = 0.05;
  vc.sr_diag_shift = 1e-3;
  vc.seed = 3;
  rnnwf_vmc *v = NULL;
  TRY(rnnwf_vmc_new(&vc, &v));

  rnnwf_complex e;
  TRY(rnnwf_exact_expectation(m, h, &e));
  printf("relative error before training: %.3e\n", (e.re - e0) / fabs(e0));
  for (int k = 0; k < steps; k++) {
    rnnwf_vmc_stats stats = {.struct_size = sizeof stats};
    TRY(rnnwf_vmc_step(v, m, h, &stats));
    if (k % 50 == 0 || k == steps - 1)
      printf("step %4d: E = %.6f +- %.6f\n", k, stats.energy.mean_re, stats.energy.error);
  }
  TRY(rnnwf_exact_expectation(m, h, &e));
  printf("trained E = %.10f\n", e.re);
  printf("relative error after %d steps: %.3e\n", steps, (e.re - e0) / fabs(e0));
  rnnwf_vmc_free(v);
  rnnwf_model_free(m);
  rnnwf_hamiltonian_free(h);
}

/* A non-negative decimal integer, the whole argument; -1 for anything else. */
static long parse_count(const char *s) {
  char *end = NULL;
  if (s[0] < '0' || s[0] > '9') return -1;
  long v = strtol(s, &end, 10);
  return *end == '\0' ? v : -1;
}

static int usage(FILE *to, const char *program) {
  fprintf(to, "usage: %s [N_SAMPLES [STEPS]]   (defaults 10000 and 200)\n", program);
  return to == stdout ? 0 : 2;
}

int main(int argc, char **argv) {
  if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
    return usage(stdout, argv[0]);
  long n_arg = argc > 1 ? parse_count(argv[1]) : 10000;
  long steps_arg = argc > 2 ? parse_count(argv[2]) : 200;
  if (argc > 3 || n_arg < 0 || steps_arg < 0 || steps_arg > 1000000) {
    fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0], argv[argc > 3 ? 3 : (n_arg < 0 ? 1 : 2)]);
    return usage(stderr, argv[0]);
  }
  size_t n = (size_t)n_arg;
  int steps = (int)steps_arg;
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
  if (fabs(total - 1.0) >= 1e-9) return 1;

  train(steps);
  return 0;
}
