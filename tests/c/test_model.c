/* Exercises every model function of the C API from C, error paths included.
 * Usage: test_model SCRATCH_DIR. Prints "test_model: N checks passed" and exits 0. */
#include "check.h"

static char scratch[1024];

static const char *scratch_path(const char *name) {
  static char path[2048];
  snprintf(path, sizeof path, "%s/%s", scratch, name);
  return path;
}

static unsigned char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  CHECK(f != NULL);
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  CHECK(size > 0);
  fseek(f, 0, SEEK_SET);
  unsigned char *bytes = malloc((size_t)size);
  CHECK(bytes != NULL);
  CHECK(fread(bytes, 1, (size_t)size, f) == (size_t)size);
  fclose(f);
  *len = (size_t)size;
  return bytes;
}

static void write_file(const char *path, const void *bytes, size_t len) {
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  CHECK(fwrite(bytes, 1, len, f) == len);
  fclose(f);
}

static void test_version_and_status_names(void) {
  char expected[64];
  snprintf(expected, sizeof expected, "%d.%d.%d", RNNWF_VERSION_MAJOR, RNNWF_VERSION_MINOR,
           RNNWF_VERSION_PATCH);
  CHECK(strcmp(rnnwf_version(), expected) == 0);
  CHECK(rnnwf_abi_version() == RNNWF_ABI_VERSION);
  CHECK(RNNWF_ABI_VERSION == RNNWF_VERSION_MINOR);

  CHECK(strcmp(rnnwf_status_name(RNNWF_OK), "RNNWF_OK") == 0);
  CHECK(strcmp(rnnwf_status_name(RNNWF_ERR_NULL_POINTER), "RNNWF_ERR_NULL_POINTER") == 0);
  CHECK(strcmp(rnnwf_status_name(RNNWF_ERR_INVALID_ARGUMENT), "RNNWF_ERR_INVALID_ARGUMENT") == 0);
  CHECK(strcmp(rnnwf_status_name(RNNWF_ERR_BUFFER_SIZE), "RNNWF_ERR_BUFFER_SIZE") == 0);
  CHECK(strcmp(rnnwf_status_name(RNNWF_ERR_IO), "RNNWF_ERR_IO") == 0);
  CHECK(strcmp(rnnwf_status_name(RNNWF_ERR_FORMAT), "RNNWF_ERR_FORMAT") == 0);
  CHECK(strcmp(rnnwf_status_name(RNNWF_ERR_NUMERICAL), "RNNWF_ERR_NUMERICAL") == 0);
  CHECK(strcmp(rnnwf_status_name(RNNWF_ERR_UNSUPPORTED), "RNNWF_ERR_UNSUPPORTED") == 0);
  CHECK(strcmp(rnnwf_status_name(RNNWF_ERR_CALLBACK), "RNNWF_ERR_CALLBACK") == 0);
  CHECK(strcmp(rnnwf_status_name(RNNWF_ERR_OUT_OF_MEMORY), "RNNWF_ERR_OUT_OF_MEMORY") == 0);
  CHECK(strcmp(rnnwf_status_name(RNNWF_ERR_PANIC), "RNNWF_ERR_PANIC") == 0);
  CHECK(strcmp(rnnwf_status_name(12345), "RNNWF_UNKNOWN_STATUS") == 0);
  CHECK(strcmp(rnnwf_status_name(-1), "RNNWF_UNKNOWN_STATUS") == 0);
  /* The documented values never change. */
  CHECK(RNNWF_OK == 0 && RNNWF_ERR_NULL_POINTER == 1 && RNNWF_ERR_INVALID_ARGUMENT == 2);
  CHECK(RNNWF_ERR_BUFFER_SIZE == 3 && RNNWF_ERR_IO == 4 && RNNWF_ERR_FORMAT == 5);
  CHECK(RNNWF_ERR_NUMERICAL == 6 && RNNWF_ERR_UNSUPPORTED == 7 && RNNWF_ERR_CALLBACK == 8);
  CHECK(RNNWF_ERR_OUT_OF_MEMORY == 9 && RNNWF_ERR_PANIC == 99);
}

static void test_last_error(void) {
  /* Nothing has failed on this thread yet. */
  CHECK(rnnwf_last_error(NULL, 0) == 0);
  char buf[16] = "unchanged";
  CHECK(rnnwf_last_error(buf, sizeof buf) == 0);
  CHECK(buf[0] == '\0');

  EXPECT(rnnwf_model_config_init(NULL), RNNWF_ERR_NULL_POINTER);
  const char *expected = "rnnwf_model_config_init: argument `cfg` is NULL";
  size_t full = strlen(expected);
  CHECK(strcmp(last_error(), expected) == 0);
  CHECK(rnnwf_last_error(NULL, 0) == full);
  /* Truncation: at most len - 1 bytes, then NUL; the full length is still returned. */
  char small[6];
  memset(small, 'x', sizeof small);
  CHECK(rnnwf_last_error(small, sizeof small) == full);
  CHECK(memcmp(small, "rnnwf", 5) == 0 && small[5] == '\0');
  char one[1] = {'x'};
  CHECK(rnnwf_last_error(one, 1) == full);
  CHECK(one[0] == '\0');
  CHECK(rnnwf_last_error(NULL, 10) == full); /* NULL buffer: nothing written */

  /* A successful call leaves the message as it is. */
  OK(rnnwf_set_num_threads(1));
  CHECK(strcmp(last_error(), expected) == 0);
}

static rnnwf_model_config default_config(void) {
  rnnwf_model_config cfg;
  memset(&cfg, 0xAB, sizeof cfg); /* garbage that init must overwrite */
  OK(rnnwf_model_config_init(&cfg));
  return cfg;
}

static void expect_new_fails(rnnwf_model_config cfg, rnnwf_status expected, const char *needle) {
  rnnwf_model *m = NULL;
  EXPECT(rnnwf_model_new(&cfg, &m), expected);
  CHECK(m == NULL); /* outputs are written only on success */
  MENTIONS(needle);
  MENTIONS("rnnwf_model_new");
}

static void test_config(void) {
  rnnwf_model_config cfg = default_config();
  CHECK(cfg.struct_size == sizeof(rnnwf_model_config));
  CHECK(cfg.cell == RNNWF_CELL_GRU);
  CHECK(cfg.lx == 10 && cfg.ly == 1 && cfg.local_dim == 2);
  CHECK(cfg.hidden == 32 && cfg.layers == 1);
  CHECK(cfg.phase == RNNWF_PHASE_NONE && cfg.sign_rule == RNNWF_SIGN_NONE);
  CHECK(cfg.u1_total == -1 && cfg.seed == 0);
  CHECK(cfg.symmetry == RNNWF_SYMMETRY_NONE && cfg.precision == RNNWF_PRECISION_F64);

  rnnwf_model *m = NULL;
  EXPECT(rnnwf_model_new(NULL, &m), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`cfg`");
  EXPECT(rnnwf_model_new(&cfg, NULL), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`out`");

  rnnwf_model_config bad;
  bad = cfg; bad.hidden = 0;
  expect_new_fails(bad, RNNWF_ERR_INVALID_ARGUMENT, "hidden");
  bad = cfg; bad.local_dim = 1;
  expect_new_fails(bad, RNNWF_ERR_INVALID_ARGUMENT, "local_dim");
  bad = cfg; bad.lx = 0;
  expect_new_fails(bad, RNNWF_ERR_INVALID_ARGUMENT, "lx");
  bad = cfg; bad.layers = 0;
  expect_new_fails(bad, RNNWF_ERR_INVALID_ARGUMENT, "layers");
  bad = cfg; bad.lx = 4; bad.u1_total = 5; /* 4 spin-1/2 sites hold at most 4 down spins */
  expect_new_fails(bad, RNNWF_ERR_INVALID_ARGUMENT, "u1_total");
  bad = cfg; bad.u1_total = -2;
  expect_new_fails(bad, RNNWF_ERR_INVALID_ARGUMENT, "u1_total");
  bad = cfg; bad.cell = 7;
  expect_new_fails(bad, RNNWF_ERR_INVALID_ARGUMENT, "cell");
  bad = cfg; bad.phase = 2;
  expect_new_fails(bad, RNNWF_ERR_INVALID_ARGUMENT, "phase");
  bad = cfg; bad.sign_rule = 5;
  expect_new_fails(bad, RNNWF_ERR_INVALID_ARGUMENT, "sign_rule");
  bad = cfg; bad.struct_size = 8;
  expect_new_fails(bad, RNNWF_ERR_INVALID_ARGUMENT, "struct_size");
  bad = cfg; bad.struct_size = 0;
  expect_new_fails(bad, RNNWF_ERR_INVALID_ARGUMENT, "struct_size");
  /* A struct larger than the library's (a host built against a newer header): refused,
     naming both sizes. */
  char sizes[64];
  bad = cfg; bad.struct_size = sizeof bad + 8;
  snprintf(sizes, sizeof sizes, "struct_size = %zu", sizeof bad + 8);
  expect_new_fails(bad, RNNWF_ERR_INVALID_ARGUMENT, sizes);
  snprintf(sizes, sizeof sizes, "to %zu bytes", sizeof bad);
  MENTIONS(sizes);
  /* The topologies of ABI 0.3: a periodic grid and a dilated chain are made and keep their
     fields; a periodic chain and a dilated grid are not defined; values out of range. */
  CHECK(cfg.boundary == RNNWF_BOUNDARY_OPEN && cfg.dilation == 0);
  CHECK(RNNWF_BOUNDARY_OPEN == 0 && RNNWF_BOUNDARY_PERIODIC == 1);
  {
    rnnwf_model *made = NULL;
    rnnwf_model_config got;
    bad = cfg; bad.lx = 3; bad.ly = 3; bad.boundary = RNNWF_BOUNDARY_PERIODIC;
    OK(rnnwf_model_new(&bad, &made));
    got.struct_size = sizeof got;
    OK(rnnwf_model_get_config(made, &got));
    CHECK(got.boundary == RNNWF_BOUNDARY_PERIODIC && got.dilation == 0);
    rnnwf_model_free(made);
    bad = cfg; bad.layers = 3; bad.dilation = 1;
    OK(rnnwf_model_new(&bad, &made));
    OK(rnnwf_model_get_config(made, &got));
    CHECK(got.boundary == RNNWF_BOUNDARY_OPEN && got.dilation == 1);
    rnnwf_model_free(made);
  }
  bad = cfg; bad.boundary = RNNWF_BOUNDARY_PERIODIC;
  expect_new_fails(bad, RNNWF_ERR_UNSUPPORTED, "PERIODIC");
  bad = cfg; bad.boundary = 2;
  expect_new_fails(bad, RNNWF_ERR_INVALID_ARGUMENT, "boundary");
  bad = cfg; bad.ly = 4; bad.dilation = 1;
  expect_new_fails(bad, RNNWF_ERR_UNSUPPORTED, "dilation");
  bad = cfg; bad.dilation = 2;
  expect_new_fails(bad, RNNWF_ERR_INVALID_ARGUMENT, "dilation");
  bad = cfg; bad.cell = 5; /* the next unused cell code */
  expect_new_fails(bad, RNNWF_ERR_INVALID_ARGUMENT, "cell");
  bad = cfg; bad.ly = 0;
  expect_new_fails(bad, RNNWF_ERR_INVALID_ARGUMENT, "ly");
  bad = cfg; bad.symmetry = 3;
  expect_new_fails(bad, RNNWF_ERR_INVALID_ARGUMENT, "symmetry");
  bad = cfg; bad.precision = 2;
  expect_new_fails(bad, RNNWF_ERR_INVALID_ARGUMENT, "precision");
  /* Float32 passes: accepted, the field round-trips, and sampling returns the ln psi that
   * evaluation gives. */
  {
    enum { N = 40 };
    static uint8_t configs[N * 10];
    static rnnwf_complex lp[N], lp_eval[N];
    rnnwf_model *single = NULL;
    rnnwf_model_config got;
    bad = cfg; bad.precision = RNNWF_PRECISION_F32;
    OK(rnnwf_model_new(&bad, &single));
    got.struct_size = sizeof got;
    OK(rnnwf_model_get_config(single, &got));
    CHECK(got.precision == RNNWF_PRECISION_F32);
    OK(rnnwf_sample(single, 7, N, configs, lp));
    OK(rnnwf_log_psi(single, configs, N, lp_eval));
    for (int i = 0; i < N; i++) {
      CHECK(lp_eval[i].re == lp[i].re && lp_eval[i].im == lp[i].im);
    }
    rnnwf_model_free(single);
  }
  /* The spin flip maps 3 down spins of 10 to 7: not a sector it keeps. */
  bad = cfg; bad.symmetry = RNNWF_SYMMETRY_LATTICE_SPIN_FLIP; bad.u1_total = 3;
  expect_new_fails(bad, RNNWF_ERR_INVALID_ARGUMENT, "LATTICE_SPIN_FLIP");
}

static rnnwf_model *make_model(void) {
  rnnwf_model_config cfg = default_config();
  cfg.lx = 6;
  cfg.hidden = 8;
  cfg.layers = 2;
  cfg.phase = RNNWF_PHASE_SOFTSIGN;
  cfg.sign_rule = RNNWF_SIGN_MARSHALL;
  cfg.u1_total = 3;
  cfg.seed = 1234;
  rnnwf_model *m = NULL;
  OK(rnnwf_model_new(&cfg, &m));
  CHECK(m != NULL);
  return m;
}

static void test_queries_and_params(void) {
  rnnwf_model *m = make_model();
  rnnwf_model_config got;
  memset(&got, 0, sizeof got);
  got.struct_size = sizeof got;
  OK(rnnwf_model_get_config(m, &got));
  CHECK(got.struct_size == sizeof got && got.cell == RNNWF_CELL_GRU && got.lx == 6);
  CHECK(got.ly == 1 && got.local_dim == 2 && got.hidden == 8 && got.layers == 2);
  CHECK(got.phase == RNNWF_PHASE_SOFTSIGN && got.sign_rule == RNNWF_SIGN_MARSHALL);
  CHECK(got.u1_total == 3 && got.seed == 1234);
  CHECK(got.symmetry == RNNWF_SYMMETRY_NONE && got.precision == RNNWF_PRECISION_F64);
  {
    /* The symmetry survives the round trip. */
    rnnwf_model_config sym = got;
    sym.symmetry = RNNWF_SYMMETRY_LATTICE_SPIN_FLIP;
    rnnwf_model *s = NULL;
    OK(rnnwf_model_new(&sym, &s));
    rnnwf_model_config back;
    memset(&back, 0, sizeof back);
    back.struct_size = sizeof back;
    OK(rnnwf_model_get_config(s, &back));
    CHECK(back.symmetry == RNNWF_SYMMETRY_LATTICE_SPIN_FLIP);
    CHECK(back.precision == RNNWF_PRECISION_F64 && back.u1_total == 3);
    rnnwf_model_free(s);
  }
  EXPECT(rnnwf_model_get_config(NULL, &got), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`m`");
  EXPECT(rnnwf_model_get_config(m, NULL), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`out`");
  /* The caller sets out->struct_size: 0 or too large is refused and nothing written. */
  rnnwf_model_config unset;
  memset(&unset, 0, sizeof unset);
  EXPECT(rnnwf_model_get_config(m, &unset), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("out->struct_size = 0");
  CHECK(unset.lx == 0 && unset.hidden == 0);
  unset.struct_size = sizeof unset + 4;
  EXPECT(rnnwf_model_get_config(m, &unset), RNNWF_ERR_INVALID_ARGUMENT);
  CHECK(unset.lx == 0);

  size_t sites = 0;
  OK(rnnwf_model_num_sites(m, &sites));
  CHECK(sites == 6);
  EXPECT(rnnwf_model_num_sites(NULL, &sites), RNNWF_ERR_NULL_POINTER);
  EXPECT(rnnwf_model_num_sites(m, NULL), RNNWF_ERR_NULL_POINTER);

  size_t n = 0;
  /* GRU, 2 layers, hidden 8, local_dim 2, phase head:
     layer 0: 2*24 + 8*24 + 24 + 8; layer 1: 8*24 + 8*24 + 24 + 8; heads: 2 * (8*2 + 2). */
  OK(rnnwf_model_num_params(m, &n));
  CHECK(n == (48 + 192 + 24 + 8) + (192 + 192 + 24 + 8) + 2 * (16 + 2));
  EXPECT(rnnwf_model_num_params(NULL, &n), RNNWF_ERR_NULL_POINTER);
  EXPECT(rnnwf_model_num_params(m, NULL), RNNWF_ERR_NULL_POINTER);

  double *p = get_params(m, &n);
  double *q = malloc(n * sizeof *q);
  CHECK(q != NULL);
  EXPECT(rnnwf_model_get_params(NULL, q, n), RNNWF_ERR_NULL_POINTER);
  EXPECT(rnnwf_model_get_params(m, q, n - 1), RNNWF_ERR_BUFFER_SIZE);
  MENTIONS("expected");
  EXPECT(rnnwf_model_get_params(m, q, n + 1), RNNWF_ERR_BUFFER_SIZE);
  EXPECT(rnnwf_model_get_params(m, NULL, 0), RNNWF_ERR_BUFFER_SIZE);
  EXPECT(rnnwf_model_get_params(m, NULL, n), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`out`");

  /* Refused parameters leave the model unchanged. */
  for (size_t i = 0; i < n; i++) q[i] = 0.5 * p[i] + 0.01;
  q[3] = NAN;
  EXPECT(rnnwf_model_set_params(m, q, n), RNNWF_ERR_NUMERICAL);
  MENTIONS("params[3]");
  q[3] = 0.0;
  q[n - 1] = INFINITY;
  EXPECT(rnnwf_model_set_params(m, q, n), RNNWF_ERR_NUMERICAL);
  q[n - 1] = -INFINITY;
  EXPECT(rnnwf_model_set_params(m, q, n), RNNWF_ERR_NUMERICAL);
  q[n - 1] = 0.0;
  EXPECT(rnnwf_model_set_params(m, q, n - 1), RNNWF_ERR_BUFFER_SIZE);
  EXPECT(rnnwf_model_set_params(m, NULL, n), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`params`");
  EXPECT(rnnwf_model_set_params(m, NULL, 0), RNNWF_ERR_BUFFER_SIZE);
  EXPECT(rnnwf_model_set_params(NULL, q, n), RNNWF_ERR_NULL_POINTER);
  size_t n2 = 0;
  double *unchanged = get_params(m, &n2);
  CHECK(n2 == n && memcmp(unchanged, p, n * sizeof *p) == 0);

  /* Accepted parameters come back exactly. */
  OK(rnnwf_model_set_params(m, q, n));
  double *now = get_params(m, &n2);
  CHECK(memcmp(now, q, n * sizeof *q) == 0);

  /* A clone is a deep copy. */
  rnnwf_model *c = NULL;
  EXPECT(rnnwf_model_clone(NULL, &c), RNNWF_ERR_NULL_POINTER);
  EXPECT(rnnwf_model_clone(m, NULL), RNNWF_ERR_NULL_POINTER);
  CHECK(c == NULL);
  OK(rnnwf_model_clone(m, &c));
  CHECK(c != NULL && c != m);
  OK(rnnwf_model_set_params(c, p, n));
  double *of_clone = get_params(c, &n2);
  double *of_original = get_params(m, &n2);
  CHECK(memcmp(of_clone, p, n * sizeof *p) == 0);
  CHECK(memcmp(of_original, q, n * sizeof *q) == 0);

  free(p); free(q); free(unchanged); free(now); free(of_clone); free(of_original);
  rnnwf_model_free(c);
  rnnwf_model_free(m);
}

static void test_sample_and_log_psi(void) {
  rnnwf_model *m = make_model();
  enum { N = 300, SITES = 6 };
  static uint8_t configs[N * SITES], again[N * SITES];
  static rnnwf_complex lp[N], lp_eval[N], lp_again[N];

  OK(rnnwf_sample(m, 42, N, configs, lp));
  for (int i = 0; i < N; i++) {
    int downs = 0;
    for (int j = 0; j < SITES; j++) {
      CHECK(configs[i * SITES + j] < 2);
      downs += configs[i * SITES + j];
    }
    CHECK(downs == 3); /* u1_total */
    CHECK(isfinite(lp[i].re) && lp[i].re <= 0.0);
  }
  /* Evaluation agrees with the log psi sampling returned. */
  OK(rnnwf_log_psi(m, configs, N, lp_eval));
  for (int i = 0; i < N; i++) {
    CHECK(fabs(lp_eval[i].re - lp[i].re) < 1e-12);
    CHECK(fabs(lp_eval[i].im - lp[i].im) < 1e-12);
  }
  /* Same seed, same samples, whatever the thread count and with log_psi_out NULL. */
  OK(rnnwf_set_num_threads(2));
  OK(rnnwf_sample(m, 42, N, again, NULL));
  CHECK(memcmp(configs, again, sizeof configs) == 0);
  OK(rnnwf_set_num_threads(0));
  OK(rnnwf_sample(m, 42, N, again, lp_again));
  CHECK(memcmp(configs, again, sizeof configs) == 0);
  CHECK(memcmp(lp, lp_again, sizeof lp) == 0);
  OK(rnnwf_sample(m, 43, N, again, NULL));
  CHECK(memcmp(configs, again, sizeof configs) != 0);

  /* n = 0 accepts NULL arrays. */
  OK(rnnwf_sample(m, 1, 0, NULL, NULL));
  OK(rnnwf_log_psi(m, NULL, 0, NULL));

  /* Bad arguments are refused and nothing is written. */
  memset(again, 7, sizeof again);
  EXPECT(rnnwf_sample(NULL, 1, N, again, NULL), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`m`");
  EXPECT(rnnwf_sample(m, 1, N, NULL, lp_again), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`configs_out`");
  CHECK(again[0] == 7 && again[N * SITES - 1] == 7);
  EXPECT(rnnwf_sample(m, 1, SIZE_MAX / 2, again, NULL), RNNWF_ERR_BUFFER_SIZE);
  MENTIONS("configs_out");

  rnnwf_complex sentinel = {123.0, 456.0};
  for (int i = 0; i < N; i++) lp_again[i] = sentinel;
  uint8_t bad[2 * SITES] = {0, 1, 0, 1, 0, 1, /* sample 1: */ 0, 1, 0, 1, 2, 1};
  EXPECT(rnnwf_log_psi(m, bad, 2, lp_again), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("configs[1][4] = 2");
  CHECK(lp_again[0].re == 123.0 && lp_again[1].im == 456.0);
  bad[10] = 255;
  EXPECT(rnnwf_log_psi(m, bad, 2, lp_again), RNNWF_ERR_INVALID_ARGUMENT);
  EXPECT(rnnwf_log_psi(NULL, configs, N, lp_eval), RNNWF_ERR_NULL_POINTER);
  EXPECT(rnnwf_log_psi(m, NULL, N, lp_eval), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`configs`");
  EXPECT(rnnwf_log_psi(m, configs, N, NULL), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`out`");

  /* Outside the U(1) subspace psi = 0: re = -inf. */
  uint8_t all_up[SITES] = {0, 0, 0, 0, 0, 0};
  rnnwf_complex outside;
  OK(rnnwf_log_psi(m, all_up, 1, &outside));
  CHECK(isinf(outside.re) && outside.re < 0);
  rnnwf_model_free(m);
}

static void test_normalisation(void) {
  /* Sum of P = |psi|^2 over all 2^8 configurations is 1 (vanilla cell this time). */
  rnnwf_model_config cfg = default_config();
  cfg.cell = RNNWF_CELL_VANILLA;
  cfg.lx = 8;
  cfg.hidden = 5;
  cfg.seed = 9;
  rnnwf_model *m = NULL;
  OK(rnnwf_model_new(&cfg, &m));
  enum { SITES = 8, COUNT = 256 };
  static uint8_t all[COUNT * SITES];
  static rnnwf_complex lp[COUNT];
  for (int k = 0; k < COUNT; k++)
    for (int j = 0; j < SITES; j++) all[k * SITES + j] = (uint8_t)((k >> j) & 1);
  OK(rnnwf_log_psi(m, all, COUNT, lp));
  double total = 0.0;
  for (int k = 0; k < COUNT; k++) {
    CHECK(lp[k].im == 0.0); /* no phase head, no sign rule */
    total += exp(2.0 * lp[k].re);
  }
  CHECK(fabs(total - 1.0) < 1e-10);
  rnnwf_model_free(m);
}

static void test_grid(void) {
  /* ly > 1 is the 2D RNN: normalised over all 2^6 configurations of a 3x2 grid, for each
     cell; configurations stay in site order x + lx*y. */
  CHECK(RNNWF_CELL_VANILLA == 0 && RNNWF_CELL_GRU == 1 && RNNWF_CELL_VANILLA_ELU == 2);
  CHECK(RNNWF_CELL_TENSOR_GRU == 3 && RNNWF_CELL_LINEAR_GATED == 4);
  const uint32_t cells[5] = {RNNWF_CELL_VANILLA, RNNWF_CELL_GRU, RNNWF_CELL_VANILLA_ELU,
                             RNNWF_CELL_TENSOR_GRU, RNNWF_CELL_LINEAR_GATED};
  enum { SITES = 6, COUNT = 64 };
  static uint8_t all[COUNT * SITES];
  static rnnwf_complex lp[COUNT];
  for (int k = 0; k < COUNT; k++)
    for (int j = 0; j < SITES; j++) all[k * SITES + j] = (uint8_t)((k >> j) & 1);
  for (int c = 0; c < 5; c++) {
    rnnwf_model_config cfg = default_config();
    cfg.cell = cells[c];
    cfg.lx = 3;
    cfg.ly = 2;
    cfg.hidden = 4;
    cfg.layers = 2;
    cfg.phase = RNNWF_PHASE_SOFTSIGN;
    cfg.seed = 3;
    rnnwf_model *m = NULL;
    OK(rnnwf_model_new(&cfg, &m));
    size_t sites = 0;
    OK(rnnwf_model_num_sites(m, &sites));
    CHECK(sites == SITES);
    rnnwf_model_config got;
    got.struct_size = sizeof got;
    OK(rnnwf_model_get_config(m, &got));
    CHECK(memcmp(&got, &cfg, sizeof got) == 0);
    OK(rnnwf_log_psi(m, all, COUNT, lp));
    double total = 0.0;
    for (int k = 0; k < COUNT; k++) total += exp(2.0 * lp[k].re);
    CHECK(fabs(total - 1.0) < 1e-10);
    /* A saved grid loads back with its geometry and the same amplitudes. */
    const char *path = scratch_path("grid.safetensors");
    char grid_path[2048];
    snprintf(grid_path, sizeof grid_path, "%s", path);
    OK(rnnwf_model_save(m, grid_path));
    rnnwf_model *loaded = NULL;
    OK(rnnwf_model_load(grid_path, &loaded));
    got.struct_size = sizeof got;
    OK(rnnwf_model_get_config(loaded, &got));
    CHECK(got.lx == 3 && got.ly == 2 && got.cell == cells[c]);
    static rnnwf_complex again[COUNT];
    OK(rnnwf_log_psi(loaded, all, COUNT, again));
    CHECK(memcmp(lp, again, sizeof lp) == 0);
    rnnwf_model_free(loaded);
    rnnwf_model_free(m);
  }
}

static void test_resize(void) {
  /* A 3x2 tensorized-cell grid carried to 3x3 keeps its parameters and is normalised over
     all 2^9 configurations; what cannot transfer is refused and leaves m as it was. */
  enum { SITES = 9, COUNT = 512 };
  static uint8_t all[COUNT * SITES];
  static rnnwf_complex lp[COUNT];
  for (int k = 0; k < COUNT; k++)
    for (int j = 0; j < SITES; j++) all[k * SITES + j] = (uint8_t)((k >> j) & 1);
  rnnwf_model_config cfg = default_config();
  cfg.cell = RNNWF_CELL_TENSOR_GRU;
  cfg.lx = 3;
  cfg.ly = 2;
  cfg.hidden = 4;
  cfg.seed = 5;
  rnnwf_model *m = NULL, *big = NULL;
  OK(rnnwf_model_new(&cfg, &m));
  OK(rnnwf_model_resize(m, 3, 3, -1, &big));
  rnnwf_model_config got;
  got.struct_size = sizeof got;
  OK(rnnwf_model_get_config(big, &got));
  CHECK(got.lx == 3 && got.ly == 3 && got.u1_total == -1 && got.cell == RNNWF_CELL_TENSOR_GRU);
  size_t n_small = 0, n_big = 0;
  OK(rnnwf_model_num_params(m, &n_small));
  OK(rnnwf_model_num_params(big, &n_big));
  CHECK(n_small == n_big);
  double small_params[4096], big_params[4096];
  CHECK(n_small <= 4096);
  OK(rnnwf_model_get_params(m, small_params, n_small));
  OK(rnnwf_model_get_params(big, big_params, n_big));
  CHECK(memcmp(small_params, big_params, n_small * sizeof(double)) == 0);
  OK(rnnwf_log_psi(big, all, COUNT, lp));
  double total = 0.0;
  for (int k = 0; k < COUNT; k++) total += exp(2.0 * lp[k].re);
  CHECK(fabs(total - 1.0) < 1e-10);
  rnnwf_model *none = NULL;
  EXPECT(rnnwf_model_resize(m, 6, 1, -1, &none), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("chain");
  MENTIONS("rnnwf_model_resize");
  EXPECT(rnnwf_model_resize(m, 3, 3, -2, &none), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("u1_total");
  EXPECT(rnnwf_model_resize(m, 3, 3, 10, &none), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("u1_total");
  EXPECT(rnnwf_model_resize(m, 0, 3, -1, &none), RNNWF_ERR_INVALID_ARGUMENT);
  CHECK(none == NULL);
  EXPECT(rnnwf_model_resize(NULL, 3, 3, -1, &none), RNNWF_ERR_NULL_POINTER);
  got.struct_size = sizeof got;
  OK(rnnwf_model_get_config(m, &got));
  CHECK(got.lx == 3 && got.ly == 2);
  rnnwf_model_free(big);
  rnnwf_model_free(m);
}

static void test_widen(void) {
  /* A 3x2 GRU grid with 6 more units has the same ln psi on all 2^6 configurations; fewer
     units, an absurd width and NULL are refused and leave m as it was. */
  enum { SITES = 6, COUNT = 64 };
  static uint8_t all[COUNT * SITES];
  static rnnwf_complex narrow[COUNT], wide_lp[COUNT];
  for (int k = 0; k < COUNT; k++)
    for (int j = 0; j < SITES; j++) all[k * SITES + j] = (uint8_t)((k >> j) & 1);
  rnnwf_model_config cfg = default_config();
  cfg.lx = 3;
  cfg.ly = 2;
  cfg.hidden = 4;
  cfg.phase = RNNWF_PHASE_SOFTSIGN;
  cfg.seed = 9;
  rnnwf_model *m = NULL, *wide = NULL, *none = NULL;
  OK(rnnwf_model_new(&cfg, &m));
  OK(rnnwf_model_widen(m, 10, &wide));
  rnnwf_model_config got;
  got.struct_size = sizeof got;
  OK(rnnwf_model_get_config(wide, &got));
  CHECK(got.hidden == 10 && got.lx == 3 && got.ly == 2 && got.phase == RNNWF_PHASE_SOFTSIGN);
  OK(rnnwf_log_psi(m, all, COUNT, narrow));
  OK(rnnwf_log_psi(wide, all, COUNT, wide_lp));
  for (int k = 0; k < COUNT; k++)
    CHECK(fabs(narrow[k].re - wide_lp[k].re) < 1e-12 && fabs(narrow[k].im - wide_lp[k].im) < 1e-12);
  EXPECT(rnnwf_model_widen(m, 3, &none), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("4 hidden units to 3");
  EXPECT(rnnwf_model_widen(m, 4000000000u, &none), RNNWF_ERR_INVALID_ARGUMENT);
  EXPECT(rnnwf_model_widen(NULL, 8, &none), RNNWF_ERR_NULL_POINTER);
  EXPECT(rnnwf_model_widen(m, 8, NULL), RNNWF_ERR_NULL_POINTER);
  CHECK(none == NULL);
  OK(rnnwf_model_get_config(m, &got));
  CHECK(got.hidden == 4);
  rnnwf_model_free(wide);
  rnnwf_model_free(m);
}

static void expect_load_fails(const char *path, rnnwf_status expected, const char *needle) {
  rnnwf_model *m = NULL;
  EXPECT(rnnwf_model_load(path, &m), expected);
  CHECK(m == NULL);
  MENTIONS(needle);
}

static void test_save_and_load(void) {
  rnnwf_model *m = make_model();
  const char *good = scratch_path("model.safetensors");
  char good_path[2048];
  snprintf(good_path, sizeof good_path, "%s", good);
  OK(rnnwf_model_save(m, good_path));

  rnnwf_model *loaded = NULL;
  OK(rnnwf_model_load(good_path, &loaded));
  rnnwf_model_config a, b;
  a.struct_size = sizeof a;
  OK(rnnwf_model_get_config(m, &a));
  b.struct_size = sizeof b;
  OK(rnnwf_model_get_config(loaded, &b));
  CHECK(memcmp(&a, &b, sizeof a) == 0);
  size_t n = 0, n2 = 0;
  double *p = get_params(m, &n);
  double *q = get_params(loaded, &n2);
  CHECK(n == n2 && memcmp(p, q, n * sizeof *p) == 0);
  uint8_t configs[4 * 6];
  rnnwf_complex x[4], y[4];
  OK(rnnwf_sample(m, 5, 4, configs, x));
  OK(rnnwf_log_psi(loaded, configs, 4, y));
  CHECK(memcmp(x, y, sizeof x) == 0);
  free(p);
  free(q);
  rnnwf_model_free(loaded);

  /* Argument and I/O errors. */
  EXPECT(rnnwf_model_save(NULL, good_path), RNNWF_ERR_NULL_POINTER);
  EXPECT(rnnwf_model_save(m, NULL), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`path`");
  EXPECT(rnnwf_model_save(m, scratch_path("no-such-dir/model.safetensors")), RNNWF_ERR_IO);
  MENTIONS("no-such-dir");
  EXPECT(rnnwf_model_load(NULL, &loaded), RNNWF_ERR_NULL_POINTER);
  EXPECT(rnnwf_model_load(good_path, NULL), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`out`");
  expect_load_fails(scratch_path("missing.safetensors"), RNNWF_ERR_IO, "missing.safetensors");

  /* Damaged and foreign files. */
  size_t len = 0;
  unsigned char *bytes = read_file(good_path, &len);
  const char *path = scratch_path("damaged.safetensors");
  char damaged[2048];
  snprintf(damaged, sizeof damaged, "%s", path);
  write_file(damaged, bytes, len / 2);
  expect_load_fails(damaged, RNNWF_ERR_FORMAT, "damaged.safetensors");
  write_file(damaged, bytes, len - 1);
  expect_load_fails(damaged, RNNWF_ERR_FORMAT, "not a safetensors file");
  write_file(damaged, bytes, 0);
  expect_load_fails(damaged, RNNWF_ERR_FORMAT, "not a safetensors file");
  bytes[len - 3] ^= 0x10; /* a bit in the last parameter */
  write_file(damaged, bytes, len);
  expect_load_fails(damaged, RNNWF_ERR_FORMAT, "checksum mismatch");
  bytes[len - 3] ^= 0x10;
  for (size_t i = 0; i < len; i += 97) { /* a spread of single-bit flips, header included */
    bytes[i] ^= (unsigned char)(1u << (i % 8));
    write_file(damaged, bytes, len);
    expect_load_fails(damaged, RNNWF_ERR_FORMAT, "damaged.safetensors");
    bytes[i] ^= (unsigned char)(1u << (i % 8));
  }
  const char text[] = "this is not a checkpoint\n";
  write_file(damaged, text, sizeof text - 1);
  expect_load_fails(damaged, RNNWF_ERR_FORMAT, "not a safetensors file");
  /* A valid safetensors file from another tool: one F32 tensor, no metadata. */
  const char header[] = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
  unsigned char foreign[8 + 64 + 8];
  size_t hlen = sizeof header - 1;
  size_t padded = (hlen + 7) / 8 * 8;
  memset(foreign, ' ', sizeof foreign);
  for (int i = 0; i < 8; i++) foreign[i] = (unsigned char)(padded >> (8 * i));
  memcpy(foreign + 8, header, hlen);
  memset(foreign + 8 + padded, 0, 8);
  write_file(damaged, foreign, 8 + padded + 8);
  expect_load_fails(damaged, RNNWF_ERR_FORMAT, "format");
  /* The good file is still good: a failed load changes nothing. */
  OK(rnnwf_model_load(good_path, &loaded));
  rnnwf_model_free(loaded);
  free(bytes);
  rnnwf_model_free(m);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
    return 2;
  }
  snprintf(scratch, sizeof scratch, "%s", argv[1]);

  test_last_error(); /* first: it needs a thread on which nothing has failed yet */
  test_version_and_status_names();
  test_config();
  test_queries_and_params();
  test_sample_and_log_psi();
  test_normalisation();
  test_grid();
  test_resize();
  test_widen();
  test_save_and_load();
  rnnwf_model_free(NULL); /* a no-op */

  printf("test_model: %d checks passed\n", checks);
  return 0;
}
