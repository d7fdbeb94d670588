/* Calls whose memory comes from their arguments, under an address-space limit: each must
 * return a status (RNNWF_ERR_OUT_OF_MEMORY naming what could not be allocated), never
 * abort the host. The caller's own arrays are large enough that a second, library-made copy
 * of them would not fit under the limit; the models are shaped so that the library's
 * workspaces or parameters cannot fit at all.
 * Usage: test_memory_limit. Prints "test_memory_limit: N checks passed" and exits 0. */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <math.h>
#include <sys/resource.h>
#include <unistd.h>

#include "check.h"

#define GIB ((size_t)1 << 30)
/* The address space the program may use: the 1.8 GiB of arrays below fit once, not twice. */
#define LIMIT (3 * GIB)

static rnnwf_model_config config(uint32_t lx, uint32_t ly, uint32_t hidden, uint32_t layers) {
  rnnwf_model_config cfg;
  OK(rnnwf_model_config_init(&cfg));
  cfg.cell = RNNWF_CELL_GRU;
  cfg.lx = lx;
  cfg.ly = ly;
  cfg.hidden = hidden;
  cfg.layers = layers;
  return cfg;
}

static rnnwf_hamiltonian *x0_plus_z1(uint32_t n_sites) {
  rnnwf_hamiltonian *h = NULL;
  OK(rnnwf_hamiltonian_new(n_sites, &h));
  const uint32_t s0[1] = {0}, s1[1] = {1};
  OK(rnnwf_hamiltonian_add_term(h, -1.0, "X", s0, 1));
  OK(rnnwf_hamiltonian_add_term(h, 0.5, "Z", s1, 1));
  return h;
}

/* Hidden 4096 and 64 layers: about 51 GB of parameters. */
static void test_parameters_beyond_memory(void) {
  rnnwf_model_config cfg = config(4, 1, 4096, 64);
  rnnwf_model *m = NULL;
  EXPECT(rnnwf_model_new(&cfg, &m), RNNWF_ERR_OUT_OF_MEMORY);
  MENTIONS("parameters");
  MENTIONS("bytes");
  CHECK(m == NULL);
}

/* A 524288 x 2 grid: a pass keeps every column's state for each of its rows (a terabyte for
 * 256 rows with 1024 hidden units) and the gradient tape every site's (8 GiB for one row). */
static void test_workspaces_beyond_memory(void) {
  rnnwf_model_config cfg = config(524288, 2, 1024, 1);
  rnnwf_model *m = NULL;
  OK(rnnwf_model_new(&cfg, &m));
  size_t sites = 0, params = 0;
  OK(rnnwf_model_num_sites(m, &sites));
  OK(rnnwf_model_num_params(m, &params));
  CHECK(sites == (size_t)1 << 20);
  const size_t n = 1600; /* 1.6 GiB of configurations */
  uint8_t *configs = calloc(n, sites);
  rnnwf_complex *out = malloc(n * sizeof *out);
  rnnwf_complex *grad = malloc(params * sizeof *grad);
  CHECK(configs != NULL && out != NULL && grad != NULL);
  out[0].re = 42.0;
  grad[0].re = 42.0;

  EXPECT(rnnwf_sample(m, 1, n, configs, out), RNNWF_ERR_OUT_OF_MEMORY);
  MENTIONS("pass workspace");
  MENTIONS("bytes");
  CHECK(configs[0] == 0 && out[0].re == 42.0); /* nothing written */
  EXPECT(rnnwf_sample(m, 1, n, configs, NULL), RNNWF_ERR_OUT_OF_MEMORY);
  MENTIONS("pass workspace");
  EXPECT(rnnwf_log_psi(m, configs, n, out), RNNWF_ERR_OUT_OF_MEMORY);
  MENTIONS("pass workspace");
  CHECK(out[0].re == 42.0);
  EXPECT(rnnwf_log_psi_grad(m, configs, 1, grad), RNNWF_ERR_OUT_OF_MEMORY);
  MENTIONS("gradient tape");
  MENTIONS("bytes");
  CHECK(grad[0].re == 42.0);

  rnnwf_hamiltonian *h = x0_plus_z1((uint32_t)sites);
  EXPECT(rnnwf_local_energies(m, h, configs, n, out), RNNWF_ERR_OUT_OF_MEMORY);
  MENTIONS("bytes");
  CHECK(out[0].re == 42.0);
  rnnwf_estimate e;
  EXPECT(rnnwf_expectation(m, h, 1, 256, &e), RNNWF_ERR_OUT_OF_MEMORY);
  MENTIONS("pass workspace");
  const uint32_t region[1] = {0};
  EXPECT(rnnwf_renyi2(m, region, 1, 1, 256, &e), RNNWF_ERR_OUT_OF_MEMORY);
  MENTIONS("pass workspace");
  rnnwf_hamiltonian_free(h);
  free(grad);
  free(out);
  free(configs);
  rnnwf_model_free(m);
}

/* Outputs of 1.6 GB fit under the limit once: the calls write into them, making no copy, and
 * refuse the invalid first configuration. */
static void test_outputs_are_not_copied(void) {
  rnnwf_model_config cfg = config(2, 1, 2, 1);
  rnnwf_model *m = NULL;
  OK(rnnwf_model_new(&cfg, &m));
  size_t params = 0;
  OK(rnnwf_model_num_params(m, &params));
  const size_t n = 100000000;
  uint8_t *configs = calloc(n, 2);
  rnnwf_complex *out = malloc(n * sizeof *out);
  CHECK(configs != NULL && out != NULL);
  configs[0] = 2; /* not a spin-1/2 value */
  out[0].re = 42.0;
  rnnwf_hamiltonian *h = x0_plus_z1(2);
  EXPECT(rnnwf_local_energies(m, h, configs, n, out), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("configs[0][0]");
  EXPECT(rnnwf_log_psi(m, configs, n, out), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("configs[0][0]");
  const size_t n_grad = n / params;
  EXPECT(rnnwf_log_psi_grad(m, configs, n_grad, out), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("configs[0][0]");
  CHECK(out[0].re == 42.0);
  /* Valid configurations: the first rows computed in place, the same as alone. */
  configs[0] = 0;
  configs[1] = 1;
  rnnwf_complex alone;
  OK(rnnwf_log_psi(m, configs, 1, &alone));
  OK(rnnwf_log_psi(m, configs, 1000, out));
  CHECK(out[0].re == alone.re && out[0].im == alone.im);
  rnnwf_hamiltonian_free(h);
  free(out);
  free(configs);
  rnnwf_model_free(m);
}

/* A model of about 2 GB of parameters fits under the limit once, not twice: a clone, and the
 * bytes a save writes, are refused, and the model is still whole and usable. */
static void test_copies_of_the_parameters(void) {
  rnnwf_model_config cfg = config(4, 1, 4096, 3);
  rnnwf_model *m = NULL;
  OK(rnnwf_model_new(&cfg, &m));
  size_t params = 0;
  OK(rnnwf_model_num_params(m, &params));
  CHECK(params * sizeof(double) > LIMIT / 2 && params * sizeof(double) < LIMIT * 2 / 3);
  rnnwf_model *copy = NULL;
  EXPECT(rnnwf_model_clone(m, &copy), RNNWF_ERR_OUT_OF_MEMORY);
  MENTIONS("parameters");
  MENTIONS("bytes");
  CHECK(copy == NULL);
  char path[64];
  snprintf(path, sizeof path, "/tmp/rnnwf-memory-limit-%d.ckpt", (int)getpid());
  EXPECT(rnnwf_model_save(m, path), RNNWF_ERR_OUT_OF_MEMORY);
  MENTIONS("bytes");
  CHECK(access(path, F_OK) != 0);
  const uint8_t up[4] = {0, 0, 0, 0};
  rnnwf_complex lp;
  OK(rnnwf_log_psi(m, up, 1, &lp));
  CHECK(isfinite(lp.re));
  rnnwf_model_free(m);
}

/* Float32 passes read a rounded copy of the parameters: 2.8 GB of them fit under the limit,
 * their 1.4 GB copy beside them does not. */
static void test_float32_copy(void) {
  rnnwf_model_config cfg = config(4, 1, 4096, 4);
  cfg.precision = RNNWF_PRECISION_F32;
  rnnwf_model *m = NULL;
  EXPECT(rnnwf_model_new(&cfg, &m), RNNWF_ERR_OUT_OF_MEMORY);
  MENTIONS("float32");
  MENTIONS("bytes");
  CHECK(m == NULL);
}

/* Takes all the address space but `headroom` bytes (give or take the largest block that
 * could still be had): a call after it meets the limit sooner. Free with free(). */
static void *ballast(size_t headroom) {
  size_t lo = 0, hi = LIMIT;
  while (hi - lo > ((size_t)1 << 20)) {
    size_t mid = lo + (hi - lo) / 2;
    void *p = malloc(mid);
    if (p != NULL) {
      free(p);
      lo = mid;
    } else {
      hi = mid;
    }
  }
  void *p = malloc(lo - headroom);
  CHECK(p != NULL);
  return p;
}

/* The exact tools hold vectors over all 2^24 states (128 MiB each in doubles): with 96 MiB
 * of room left, a status naming the bytes. */
static void test_exact_vectors(void) {
  rnnwf_hamiltonian *h = NULL;
  OK(rnnwf_hamiltonian_tfim(24, 1, 0, 1.0, 1.0, &h));
  rnnwf_model_config cfg = config(24, 1, 2, 1);
  rnnwf_model *m = NULL;
  OK(rnnwf_model_new(&cfg, &m));
  void *held = ballast((size_t)96 << 20);
  double e0 = 42.0;
  EXPECT(rnnwf_exact_ground_energy(h, &e0), RNNWF_ERR_OUT_OF_MEMORY);
  MENTIONS("bytes");
  CHECK(e0 == 42.0);
  rnnwf_complex value = {42.0, 0.0};
  EXPECT(rnnwf_exact_expectation(m, h, &value), RNNWF_ERR_OUT_OF_MEMORY);
  MENTIONS("bytes");
  CHECK(value.re == 42.0);
  free(held);
  rnnwf_model_free(m);
  rnnwf_hamiltonian_free(h);
}

/* Operators of millions of terms with 32 MiB of room left: the builders, the parser and
 * term-by-term building refuse, naming the terms; none aborts. */
static void test_operator_builders(void) {
  const size_t lines = 1000000;
  char *text = malloc(lines * 16);
  CHECK(text != NULL);
  size_t len = 0;
  for (size_t k = 0; k < lines; k++) {
    len += (size_t)sprintf(text + len, "1 Z%zu Z%zu\n", k % 1000, 1000 + k / 1000);
  }
  rnnwf_hamiltonian *built = NULL;
  OK(rnnwf_hamiltonian_new(4096, &built));
  void *held = ballast((size_t)32 << 20);
  rnnwf_hamiltonian *h = NULL;
  EXPECT(rnnwf_hamiltonian_tfim(1024, 1024, 1, 1.0, 1.0, &h), RNNWF_ERR_OUT_OF_MEMORY);
  MENTIONS("terms");
  MENTIONS("bytes");
  CHECK(h == NULL);
  EXPECT(rnnwf_hamiltonian_heisenberg(1024, 1024, 1, 1.0, 0.5, &h), RNNWF_ERR_OUT_OF_MEMORY);
  MENTIONS("terms");
  CHECK(h == NULL);
  EXPECT(rnnwf_hamiltonian_parse(2000, text, &h), RNNWF_ERR_OUT_OF_MEMORY);
  MENTIONS("1000000");
  CHECK(h == NULL);
  rnnwf_status s = RNNWF_OK;
  size_t added = 0;
  for (uint32_t a = 0; a < 2048 && s == RNNWF_OK; a++) {
    for (uint32_t b = 2048; b < 4096 && s == RNNWF_OK; b++) {
      const uint32_t sites[2] = {a, b};
      s = rnnwf_hamiltonian_add_term(built, 1.0, "ZZ", sites, 2);
      added += s == RNNWF_OK;
    }
  }
  EXPECT(s, RNNWF_ERR_OUT_OF_MEMORY);
  MENTIONS("terms");
  size_t terms = 0;
  OK(rnnwf_hamiltonian_num_terms(built, &terms));
  CHECK(terms == added && added > 1000);
  free(held);
  rnnwf_hamiltonian_free(built);
  free(text);
}

/* Counts whose samples no array could hold are refused, naming the count. */
static void test_impossible_counts(void) {
  rnnwf_model_config cfg = config(2, 1, 2, 1);
  rnnwf_model *m = NULL;
  OK(rnnwf_model_new(&cfg, &m));
  rnnwf_hamiltonian *h = x0_plus_z1(2);
  rnnwf_estimate e;
  EXPECT(rnnwf_expectation(m, h, 1, (size_t)1 << 62, &e), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("4611686018427387904");
  const uint32_t region[1] = {0};
  EXPECT(rnnwf_renyi2(m, region, 1, 1, (size_t)1 << 62, &e), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("4611686018427387904");
  /* 2^40 samples could be drawn in blocks, but would take days: above the documented
   * maximum of 2^32, refused at once, naming the count and the limit. */
  EXPECT(rnnwf_expectation(m, h, 1, (size_t)1 << 40, &e), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("1099511627776");
  MENTIONS("4294967296");
  EXPECT(rnnwf_renyi2(m, region, 1, 1, (size_t)1 << 40, &e), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("1099511627776");
  MENTIONS("4294967296");
  EXPECT(rnnwf_expectation(m, h, 1, ((size_t)1 << 32) + 1, &e), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("4294967297");
  rnnwf_hamiltonian_free(h);
  rnnwf_model_free(m);
}

int main(void) {
  /* Two threads: each thread's malloc arena reserves address space too. */
  OK(rnnwf_set_num_threads(2));
  struct rlimit limit = {LIMIT, LIMIT};
  CHECK(setrlimit(RLIMIT_AS, &limit) == 0);
  /* The limit is in force: twice the arrays below cannot be had. */
  void *too_much = malloc(2 * 1800000000UL);
  CHECK(too_much == NULL);
  test_parameters_beyond_memory();
  test_workspaces_beyond_memory();
  test_outputs_are_not_copied();
  test_impossible_counts();
  test_copies_of_the_parameters();
  test_float32_copy();
  test_exact_vectors();
  test_operator_builders();
  printf("test_memory_limit: %d checks passed\n", checks);
  return 0;
}
