/* Local energies computed by the host, from C: rnnwf_log_psi_connected against rnnwf_log_psi
 * of the connected configurations; the transverse-field Ising local energies the host
 * builds from them against rnnwf_local_energies; rnnwf_vmc_sample + the library's local
 * energies + rnnwf_vmc_step_on_samples against rnnwf_vmc_step, bit for bit; every bad input.
 * Prints "test_host_energies: N checks passed" and exits 0. */
#include "check.h"

#define SITES 8
#define N 64

/* Every single-site flip of `s`, in CSR form: connection i flips site i. */
static void single_flips(const uint8_t *s, size_t *offsets, uint32_t *sites, uint8_t *values) {
  offsets[0] = 0;
  for (uint32_t i = 0; i < SITES; i++) {
    sites[i] = i;
    values[i] = (uint8_t)(1 - s[i]);
    offsets[i + 1] = i + 1;
  }
}

/* H = -sum Z_i Z_{i+1} - h sum X_i (open chain), E_loc from the host's own matrix elements. */
static rnnwf_complex tfim_local_energy(const rnnwf_model *m, const uint8_t *s, double h) {
  size_t offsets[SITES + 1];
  uint32_t sites[SITES];
  uint8_t values[SITES];
  rnnwf_complex lp, conn[SITES];
  single_flips(s, offsets, sites, values);
  OK(rnnwf_log_psi(m, s, 1, &lp));
  OK(rnnwf_log_psi_connected(m, s, SITES, offsets, sites, values, conn));
  double re = 0.0, im = 0.0;
  for (int i = 0; i + 1 < SITES; i++) re -= (s[i] == s[i + 1]) ? 1.0 : -1.0;
  for (int i = 0; i < SITES; i++) {
    double a = exp(conn[i].re - lp.re), phi = conn[i].im - lp.im;
    re -= h * a * cos(phi);
    im -= h * a * sin(phi);
  }
  return (rnnwf_complex){re, im};
}

static void test_connected_against_log_psi(void) {
  rnnwf_model *m = chain_model(RNNWF_CELL_GRU, SITES, 8, RNNWF_PHASE_SOFTSIGN, 3);
  uint8_t s[SITES];
  OK(rnnwf_sample(m, 5, 1, s, NULL));
  /* Three connections: two sites, none, three sites (one set to its own value). */
  size_t offsets[4] = {0, 2, 2, 5};
  uint32_t sites[5] = {1, 6, 0, 3, 7};
  uint8_t values[5] = {(uint8_t)(1 - s[1]), (uint8_t)(1 - s[6]), (uint8_t)(1 - s[0]), s[3], 1};
  rnnwf_complex got[3], want[3];
  uint8_t full[3 * SITES];
  OK(rnnwf_log_psi_connected(m, s, 3, offsets, sites, values, got));
  for (int c = 0; c < 3; c++) {
    memcpy(full + c * SITES, s, SITES);
    for (size_t k = offsets[c]; k < offsets[c + 1]; k++) full[c * SITES + sites[k]] = values[k];
  }
  OK(rnnwf_log_psi(m, full, 3, want));
  for (int c = 0; c < 3; c++) {
    CLOSE(got[c].re, want[c].re, 1e-12);
    CLOSE(sin(got[c].im - want[c].im), 0.0, 1e-12);
  }
  /* The host's Ising local energies against the library's. */
  rnnwf_hamiltonian *h = NULL;
  OK(rnnwf_hamiltonian_tfim(SITES, 1, 0, 1.0, 0.7, &h));
  uint8_t configs[N * SITES];
  rnnwf_complex lib[N];
  OK(rnnwf_sample(m, 9, N, configs, NULL));
  OK(rnnwf_local_energies(m, h, configs, N, lib));
  for (int i = 0; i < N; i++) {
    rnnwf_complex e = tfim_local_energy(m, configs + i * SITES, 0.7);
    CLOSE(e.re, lib[i].re, 1e-11);
    CLOSE(e.im, lib[i].im, 1e-11);
  }
  rnnwf_hamiltonian_free(h);
  rnnwf_model_free(m);
}

static void test_u1_connections_get_minus_infinity(void) {
  rnnwf_model_config cfg;
  OK(rnnwf_model_config_init(&cfg));
  cfg.lx = SITES;
  cfg.hidden = 6;
  cfg.u1_total = SITES / 2;
  rnnwf_model *m = NULL;
  OK(rnnwf_model_new(&cfg, &m));
  uint8_t s[SITES];
  OK(rnnwf_sample(m, 1, 1, s, NULL));
  size_t offsets[SITES + 1];
  uint32_t sites[SITES];
  uint8_t values[SITES];
  rnnwf_complex out[SITES];
  single_flips(s, offsets, sites, values);
  OK(rnnwf_log_psi_connected(m, s, SITES, offsets, sites, values, out));
  for (int i = 0; i < SITES; i++) CHECK(isinf(out[i].re) && out[i].re < 0);
  rnnwf_model_free(m);
}

static void test_connected_refusals(void) {
  rnnwf_model *m = chain_model(RNNWF_CELL_GRU, SITES, 4, RNNWF_PHASE_NONE, 1);
  uint8_t s[SITES] = {0, 1, 0, 1, 0, 1, 0, 1};
  size_t offsets[3] = {0, 1, 2};
  uint32_t sites[2] = {0, 1};
  uint8_t values[2] = {1, 0};
  rnnwf_complex out[2] = {{7, 7}, {7, 7}};
  EXPECT(rnnwf_log_psi_connected(NULL, s, 2, offsets, sites, values, out),
         RNNWF_ERR_NULL_POINTER);
  EXPECT(rnnwf_log_psi_connected(m, NULL, 2, offsets, sites, values, out),
         RNNWF_ERR_NULL_POINTER);
  MENTIONS("config");
  EXPECT(rnnwf_log_psi_connected(m, s, 2, NULL, sites, values, out), RNNWF_ERR_NULL_POINTER);
  MENTIONS("offsets");
  EXPECT(rnnwf_log_psi_connected(m, s, 2, offsets, NULL, values, out), RNNWF_ERR_NULL_POINTER);
  MENTIONS("sites");
  EXPECT(rnnwf_log_psi_connected(m, s, 2, offsets, sites, values, NULL), RNNWF_ERR_NULL_POINTER);
  size_t bad_start[3] = {1, 1, 2};
  EXPECT(rnnwf_log_psi_connected(m, s, 2, bad_start, sites, values, out),
         RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("offsets[0] = 1");
  /* Decreasing offsets are refused before offsets[n_conn] sizes anything. */
  size_t decreasing[3] = {0, 1000000, 2};
  EXPECT(rnnwf_log_psi_connected(m, s, 2, decreasing, sites, values, out),
         RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("offsets decrease");
  uint32_t far[2] = {0, SITES};
  EXPECT(rnnwf_log_psi_connected(m, s, 2, offsets, far, values, out), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("sites[1] = 8");
  size_t one[2] = {0, 2};
  uint32_t twice[2] = {3, 3};
  EXPECT(rnnwf_log_psi_connected(m, s, 1, one, twice, values, out), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("changes site 3 twice");
  uint8_t two[2] = {1, 2};
  EXPECT(rnnwf_log_psi_connected(m, s, 2, offsets, sites, two, out), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("values[1] = 2");
  uint8_t bad_s[SITES] = {0, 1, 0, 1, 0, 1, 0, 2};
  EXPECT(rnnwf_log_psi_connected(m, bad_s, 2, offsets, sites, values, out),
         RNNWF_ERR_INVALID_ARGUMENT);
  CHECK(out[0].re == 7 && out[1].im == 7); /* nothing written */
  /* No connection: nothing to do, NULL arrays accepted. */
  size_t zero = 0;
  OK(rnnwf_log_psi_connected(m, s, 0, &zero, NULL, NULL, NULL));
  rnnwf_model_free(m);
}

static rnnwf_vmc *new_vmc(uint32_t optimizer, uint32_t preconditioner) {
  rnnwf_vmc_config cfg;
  OK(rnnwf_vmc_config_init(&cfg));
  cfg.optimizer = optimizer;
  cfg.preconditioner = preconditioner;
  cfg.n_samples = N;
  cfg.learning_rate = 0.02;
  cfg.seed = 4;
  rnnwf_vmc *v = NULL;
  OK(rnnwf_vmc_new(&cfg, &v));
  return v;
}

static void expect_same_params(const rnnwf_model *a, const rnnwf_model *b) {
  size_t na = 0, nb = 0;
  double *pa = get_params(a, &na), *pb = get_params(b, &nb);
  CHECK(na == nb && memcmp(pa, pb, na * sizeof *pa) == 0);
  free(pa);
  free(pb);
}

static void test_step_on_samples_equals_vmc_step(void) {
  rnnwf_hamiltonian *h = NULL;
  OK(rnnwf_hamiltonian_tfim(SITES, 1, 0, 1.0, 1.0, &h));
  uint32_t settings[2][2] = {{RNNWF_OPT_ADAM, RNNWF_PRECONDITIONER_NONE},
                             {RNNWF_OPT_SGD, RNNWF_PRECONDITIONER_SR}};
  for (int k = 0; k < 2; k++) {
    rnnwf_model *a = chain_model(RNNWF_CELL_GRU, SITES, 8, RNNWF_PHASE_SOFTSIGN, 2);
    rnnwf_model *b = chain_model(RNNWF_CELL_GRU, SITES, 8, RNNWF_PHASE_SOFTSIGN, 2);
    rnnwf_vmc *va = new_vmc(settings[k][0], settings[k][1]);
    rnnwf_vmc *vb = new_vmc(settings[k][0], settings[k][1]);
    for (int step = 0; step < 3; step++) {
      uint8_t configs[N * SITES];
      rnnwf_complex e[N];
      rnnwf_vmc_stats sa, sb;
      sa.struct_size = sb.struct_size = sizeof sa;
      OK(rnnwf_vmc_step(va, a, h, &sa));
      OK(rnnwf_vmc_sample(vb, b, configs, NULL));
      OK(rnnwf_local_energies(b, h, configs, N, e));
      OK(rnnwf_vmc_step_on_samples(vb, b, configs, N, e, &sb));
      CHECK(sa.step == sb.step);
      CHECK(memcmp(&sa.energy, &sb.energy, sizeof sa.energy) == 0);
      CHECK(sa.grad_norm == sb.grad_norm && sa.sr_solver == sb.sr_solver);
      expect_same_params(a, b);
    }
    rnnwf_vmc_free(va);
    rnnwf_vmc_free(vb);
    rnnwf_model_free(a);
    rnnwf_model_free(b);
  }
  rnnwf_hamiltonian_free(h);
}

static void test_step_on_samples_refusals(void) {
  rnnwf_model *m = chain_model(RNNWF_CELL_GRU, SITES, 4, RNNWF_PHASE_NONE, 1);
  rnnwf_vmc *v = new_vmc(RNNWF_OPT_ADAM, RNNWF_PRECONDITIONER_NONE);
  size_t np = 0;
  double *before = get_params(m, &np);
  uint8_t configs[2 * SITES] = {0};
  rnnwf_complex e[2] = {{-1, 0}, {-2, 0}};
  rnnwf_vmc_stats stats;
  stats.struct_size = sizeof stats;
  EXPECT(rnnwf_vmc_step_on_samples(NULL, m, configs, 2, e, &stats), RNNWF_ERR_NULL_POINTER);
  EXPECT(rnnwf_vmc_step_on_samples(v, m, NULL, 2, e, &stats), RNNWF_ERR_NULL_POINTER);
  MENTIONS("configs");
  EXPECT(rnnwf_vmc_step_on_samples(v, m, configs, 2, NULL, &stats), RNNWF_ERR_NULL_POINTER);
  MENTIONS("local_energies");
  EXPECT(rnnwf_vmc_step_on_samples(v, m, configs, 2, e, NULL), RNNWF_ERR_NULL_POINTER);
  EXPECT(rnnwf_vmc_step_on_samples(v, m, NULL, 0, NULL, &stats), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("at least one sample");
  configs[SITES + 3] = 2;
  EXPECT(rnnwf_vmc_step_on_samples(v, m, configs, 2, e, &stats), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("configs[1][3] = 2");
  configs[SITES + 3] = 1;
  e[1].im = NAN;
  EXPECT(rnnwf_vmc_step_on_samples(v, m, configs, 2, e, &stats), RNNWF_ERR_NUMERICAL);
  MENTIONS("local_energies[1]");
  e[1].im = 0;
  stats.struct_size = 0;
  EXPECT(rnnwf_vmc_step_on_samples(v, m, configs, 2, e, &stats), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("struct_size");
  size_t n_after = 0;
  double *after = get_params(m, &n_after);
  CHECK(memcmp(before, after, np * sizeof *before) == 0); /* unchanged by every refusal */
  free(after);
  /* Then a good step, on 2 samples whatever n_samples is. */
  stats.struct_size = sizeof stats;
  OK(rnnwf_vmc_step_on_samples(v, m, configs, 2, e, &stats));
  CHECK(stats.step == 0 && stats.energy.n == 2);
  CLOSE(stats.energy.mean_re, -1.5, 1e-15);
  /* rnnwf_vmc_sample's arguments. */
  EXPECT(rnnwf_vmc_sample(v, m, NULL, NULL), RNNWF_ERR_NULL_POINTER);
  MENTIONS("configs_out");
  EXPECT(rnnwf_vmc_sample(NULL, m, configs, NULL), RNNWF_ERR_NULL_POINTER);
  free(before);
  rnnwf_vmc_free(v);
  rnnwf_model_free(m);
}

int main(void) {
  test_connected_against_log_psi();
  test_u1_connections_get_minus_infinity();
  test_connected_refusals();
  test_step_on_samples_equals_vmc_step();
  test_step_on_samples_refusals();
  printf("test_host_energies: %d checks passed\n", checks);
  return 0;
}
