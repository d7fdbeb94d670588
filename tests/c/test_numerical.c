/* No silent NaN from C: parameters or coefficients that are finite but so large that a
 * result overflows give RNNWF_ERR_NUMERICAL from every call that would return that result,
 * as does a reduction hook that zeroes every buffer; never RNNWF_OK with NaN or Inf, on
 * every path (symmetrised, linear cell, float32).
 * Usage: test_numerical. Prints "test_numerical: N checks passed" and exits 0. */
#include <stdint.h>
#include <string.h>

#include "check.h"

#define SITES 4

static rnnwf_model *model(void) {
  return chain_model(RNNWF_CELL_GRU, SITES, 6, RNNWF_PHASE_SOFTSIGN, 3);
}

static rnnwf_hamiltonian *tfim(void) {
  rnnwf_hamiltonian *h = NULL;
  OK(rnnwf_hamiltonian_tfim(SITES, 1, 0, 1.0, 1.0, &h));
  return h;
}

/* Parameters alternating +1e308 and -1e308: finite, so set_params takes them, but the
 * pre-activations sum them to inf - inf = NaN. */
static void test_huge_parameters(void) {
  rnnwf_model *m = model();
  size_t params = 0;
  OK(rnnwf_model_num_params(m, &params));
  double *huge = malloc(params * sizeof *huge);
  CHECK(huge != NULL);
  for (size_t i = 0; i < params; i++) huge[i] = i % 2 == 0 ? 1e308 : -1e308;
  OK(rnnwf_model_set_params(m, huge, params));
  enum { N = 8 };
  uint8_t configs[N * SITES];
  rnnwf_complex out[N];
  EXPECT(rnnwf_sample(m, 1, N, configs, out), RNNWF_ERR_NUMERICAL);
  EXPECT(rnnwf_sample(m, 1, N, configs, NULL), RNNWF_ERR_NUMERICAL);
  for (size_t i = 0; i < N * SITES; i++) configs[i] = i % 3 == 0;
  EXPECT(rnnwf_log_psi(m, configs, N, out), RNNWF_ERR_NUMERICAL);
  MENTIONS("ln psi");
  rnnwf_hamiltonian *h = tfim();
  EXPECT(rnnwf_local_energies(m, h, configs, N, out), RNNWF_ERR_NUMERICAL);
  rnnwf_estimate e;
  EXPECT(rnnwf_expectation(m, h, 1, 100, &e), RNNWF_ERR_NUMERICAL);
  const uint32_t region[2] = {0, 1};
  EXPECT(rnnwf_renyi2(m, region, 2, 1, 100, &e), RNNWF_ERR_NUMERICAL);
  rnnwf_complex exact;
  EXPECT(rnnwf_exact_expectation(m, h, &exact), RNNWF_ERR_NUMERICAL);
  rnnwf_hamiltonian_free(h);
  free(huge);
  rnnwf_model_free(m);
}

/* 1e308 (1 + Z_0): the local energy is 2e308 = inf wherever Z_0 = +1. */
static void test_huge_coefficients(void) {
  rnnwf_model *m = model();
  rnnwf_hamiltonian *h = NULL;
  OK(rnnwf_hamiltonian_new(SITES, &h));
  const uint32_t site0[1] = {0};
  OK(rnnwf_hamiltonian_add_term(h, 1e308, "", NULL, 0));
  OK(rnnwf_hamiltonian_add_term(h, 1e308, "Z", site0, 1));
  /* Z_0 = +1 on one of the two configurations, whichever value that is. */
  const uint8_t configs[2 * SITES] = {0, 0, 0, 0, 1, 1, 1, 1};
  rnnwf_complex out[2];
  EXPECT(rnnwf_local_energies(m, h, configs, 2, out), RNNWF_ERR_NUMERICAL);
  MENTIONS("local energy");
  rnnwf_estimate e;
  EXPECT(rnnwf_expectation(m, h, 1, 200, &e), RNNWF_ERR_NUMERICAL);
  rnnwf_complex exact;
  EXPECT(rnnwf_exact_expectation(m, h, &exact), RNNWF_ERR_NUMERICAL);
  double e0 = 0.0;
  EXPECT(rnnwf_exact_ground_energy(h, &e0), RNNWF_ERR_NUMERICAL);
  /* The TFIM with couplings of 1e308, as a caller would write it. */
  rnnwf_hamiltonian *big = NULL;
  OK(rnnwf_hamiltonian_tfim(SITES, 1, 0, 1e308, 1e308, &big));
  EXPECT(rnnwf_exact_ground_energy(big, &e0), RNNWF_ERR_NUMERICAL);
  rnnwf_hamiltonian_free(big);
  rnnwf_hamiltonian_free(h);
  rnnwf_model_free(m);
}

/* The paths that combine or propagate amplitudes their own way: a symmetrised model, the
 * linear cell, float32 passes (whose copy of 1e39 is inf). Each overflows, and each call
 * says so; arrays written part-way hold zeros, never NaN; a step's message names the
 * amplitude, not a U(1) subspace the model does not have. */
static void test_every_path(void) {
  for (int path = 0; path < 3; path++) {
    rnnwf_model_config cfg;
    OK(rnnwf_model_config_init(&cfg));
    cfg.cell = path == 1 ? RNNWF_CELL_LINEAR_GATED : RNNWF_CELL_GRU;
    cfg.lx = SITES;
    cfg.hidden = 6;
    cfg.phase = RNNWF_PHASE_SOFTSIGN;
    cfg.seed = 3;
    if (path == 0) cfg.symmetry = RNNWF_SYMMETRY_LATTICE_SPIN_FLIP;
    if (path == 2) cfg.precision = RNNWF_PRECISION_F32;
    const double size = path == 2 ? 1e39 : 1e308;
    rnnwf_model *m = NULL;
    OK(rnnwf_model_new(&cfg, &m));
    size_t params = 0;
    OK(rnnwf_model_num_params(m, &params));
    double *huge = malloc(params * sizeof *huge);
    CHECK(huge != NULL);
    for (size_t i = 0; i < params; i++) huge[i] = i % 2 == 0 ? size : -size;
    OK(rnnwf_model_set_params(m, huge, params));
    enum { N = 8 };
    uint8_t configs[N * SITES];
    rnnwf_complex out[N];
    EXPECT(rnnwf_sample(m, 1, N, configs, out), RNNWF_ERR_NUMERICAL);
    for (size_t i = 0; i < N; i++) CHECK(out[i].re == 0.0 && out[i].im == 0.0);
    EXPECT(rnnwf_sample(m, 1, N, configs, NULL), RNNWF_ERR_NUMERICAL);
    for (size_t i = 0; i < N * SITES; i++) configs[i] = i % 3 == 0;
    EXPECT(rnnwf_log_psi(m, configs, N, out), RNNWF_ERR_NUMERICAL);
    rnnwf_hamiltonian *h = tfim();
    for (size_t i = 0; i < N; i++) out[i].re = out[i].im = 0.0 / 0.0;
    EXPECT(rnnwf_local_energies(m, h, configs, N, out), RNNWF_ERR_NUMERICAL);
    for (size_t i = 0; i < N; i++) CHECK(out[i].re == 0.0 && out[i].im == 0.0);
    rnnwf_estimate e;
    EXPECT(rnnwf_expectation(m, h, 1, 100, &e), RNNWF_ERR_NUMERICAL);
    rnnwf_complex *grad = malloc(N * params * sizeof *grad);
    CHECK(grad != NULL);
    EXPECT(rnnwf_log_psi_grad(m, configs, N, grad), RNNWF_ERR_NUMERICAL);
    CHECK(strstr(last_error(), "U(1)") == NULL);
    free(grad);
    rnnwf_vmc_config vcfg;
    OK(rnnwf_vmc_config_init(&vcfg));
    vcfg.n_samples = 16;
    rnnwf_vmc *v = NULL;
    OK(rnnwf_vmc_new(&vcfg, &v));
    rnnwf_vmc_stats stats;
    stats.struct_size = sizeof stats;
    EXPECT(rnnwf_vmc_step(v, m, h, &stats), RNNWF_ERR_NUMERICAL);
    CHECK(strstr(last_error(), "U(1)") == NULL);
    rnnwf_vmc_free(v);
    rnnwf_hamiltonian_free(h);
    free(huge);
    rnnwf_model_free(m);
  }
}

static int32_t zero_every_buffer(double *buf, size_t len, void *user_data) {
  (void)user_data;
  for (size_t i = 0; i < len; i++) buf[i] = 0.0;
  return 0;
}

/* A hook that zeroes every buffer (it does not sum): a sample count of 0, refused. */
static void test_reduction_that_does_not_sum(void) {
  rnnwf_model *m = model();
  rnnwf_hamiltonian *h = tfim();
  rnnwf_vmc_config cfg;
  OK(rnnwf_vmc_config_init(&cfg));
  cfg.optimizer = RNNWF_OPT_SR;
  cfg.n_samples = 16;
  rnnwf_vmc *v = NULL;
  OK(rnnwf_vmc_new(&cfg, &v));
  OK(rnnwf_vmc_set_allreduce(v, zero_every_buffer, NULL));
  rnnwf_vmc_stats stats;
  stats.struct_size = sizeof stats;
  EXPECT(rnnwf_vmc_step(v, m, h, &stats), RNNWF_ERR_NUMERICAL);
  MENTIONS("sample count");
  rnnwf_vmc_free(v);
  rnnwf_hamiltonian_free(h);
  rnnwf_model_free(m);
}

int main(void) {
  test_huge_parameters();
  test_huge_coefficients();
  test_every_path();
  test_reduction_that_does_not_sum();
  printf("test_numerical: %d checks passed\n", checks);
  return 0;
}
