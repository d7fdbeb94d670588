/* Operators from C: built term by term, parsed, built in; local energies against an
 * independent computation in C; sampled expectation values against exact ones; exact ground
 * energies; the Renyi-2 entropy against an exact reduced density matrix; every refusal.
 * Usage: test_operators. Prints "test_operators: N checks passed" and exits 0. */
#include "check.h"

#define PI 3.14159265358979323846

static rnnwf_hamiltonian *new_op(uint32_t n_sites) {
  rnnwf_hamiltonian *h = NULL;
  OK(rnnwf_hamiltonian_new(n_sites, &h));
  CHECK(h != NULL);
  return h;
}

static void test_add_term(void) {
  rnnwf_hamiltonian *h = NULL;
  EXPECT(rnnwf_hamiltonian_new(0, &h), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("n_sites");
  CHECK(h == NULL);
  EXPECT(rnnwf_hamiltonian_new(4, NULL), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`out`");

  h = new_op(4);
  size_t n = 99;
  OK(rnnwf_hamiltonian_num_sites(h, &n));
  CHECK(n == 4);
  CHECK(num_terms(h) == 0);
  const uint32_t s01[2] = {0, 1}, s10[2] = {1, 0}, s2[1] = {2};
  OK(rnnwf_hamiltonian_add_term(h, -1.0, "ZZ", s01, 2));
  CHECK(num_terms(h) == 1);
  OK(rnnwf_hamiltonian_add_term(h, -0.5, "X", s2, 1));
  CHECK(num_terms(h) == 2);
  OK(rnnwf_hamiltonian_add_term(h, 0.25, "", NULL, 0)); /* a constant */
  CHECK(num_terms(h) == 3);
  /* The same string in another site order merges; a sum of 0 drops the term. */
  OK(rnnwf_hamiltonian_add_term(h, -1.0, "ZZ", s10, 2));
  CHECK(num_terms(h) == 3);
  OK(rnnwf_hamiltonian_add_term(h, 2.0, "ZZ", s01, 2));
  CHECK(num_terms(h) == 2);
  OK(rnnwf_hamiltonian_add_term(h, -1.0, "ZZ", s01, 2));
  CHECK(num_terms(h) == 3);

  /* Every refusal leaves the operator as it was. */
  const uint32_t repeated[2] = {1, 1}, outside[2] = {0, 4}, three[3] = {0, 1, 2};
  EXPECT(rnnwf_hamiltonian_add_term(h, 1.0, "ZX", repeated, 2), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("site 1 appears twice");
  MENTIONS("rnnwf_hamiltonian_add_term");
  CHECK(num_terms(h) == 3);
  EXPECT(rnnwf_hamiltonian_add_term(h, 1.0, "ZX", outside, 2), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("site 4 is out of range");
  CHECK(num_terms(h) == 3);
  EXPECT(rnnwf_hamiltonian_add_term(h, 1.0, "XQ", s01, 2), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("paulis[1] = 'Q'");
  EXPECT(rnnwf_hamiltonian_add_term(h, 1.0, "xz", s01, 2), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("paulis[0] = 'x'");
  MENTIONS("upper-case");
  EXPECT(rnnwf_hamiltonian_add_term(h, 1.0, "X\t", s01, 2), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("byte 0x09");
  CHECK(num_terms(h) == 3);
  EXPECT(rnnwf_hamiltonian_add_term(h, 1.0, "XZ", three, 3), RNNWF_ERR_BUFFER_SIZE);
  MENTIONS("2 letters but 3 sites");
  EXPECT(rnnwf_hamiltonian_add_term(h, 1.0, "XZ", s01, 1), RNNWF_ERR_BUFFER_SIZE);
  EXPECT(rnnwf_hamiltonian_add_term(h, 1.0, "", s01, 1), RNNWF_ERR_BUFFER_SIZE);
  CHECK(num_terms(h) == 3);
  EXPECT(rnnwf_hamiltonian_add_term(h, NAN, "XZ", s01, 2), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("coefficient");
  EXPECT(rnnwf_hamiltonian_add_term(h, INFINITY, "XZ", s01, 2), RNNWF_ERR_INVALID_ARGUMENT);
  EXPECT(rnnwf_hamiltonian_add_term(h, -INFINITY, "", NULL, 0), RNNWF_ERR_INVALID_ARGUMENT);
  CHECK(num_terms(h) == 3);
  /* A merge that overflows is refused too. */
  OK(rnnwf_hamiltonian_add_term(h, 1e308, "Y", s2, 1));
  CHECK(num_terms(h) == 4);
  EXPECT(rnnwf_hamiltonian_add_term(h, 1e308, "Y", s2, 1), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("overflows");
  CHECK(num_terms(h) == 4);
  EXPECT(rnnwf_hamiltonian_add_term(NULL, 1.0, "X", s2, 1), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`h`");
  EXPECT(rnnwf_hamiltonian_add_term(h, 1.0, NULL, NULL, 0), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`paulis`");
  EXPECT(rnnwf_hamiltonian_add_term(h, 1.0, "XZ", NULL, 2), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`sites`");
  CHECK(num_terms(h) == 4);

  EXPECT(rnnwf_hamiltonian_num_sites(NULL, &n), RNNWF_ERR_NULL_POINTER);
  EXPECT(rnnwf_hamiltonian_num_sites(h, NULL), RNNWF_ERR_NULL_POINTER);
  EXPECT(rnnwf_hamiltonian_num_terms(NULL, &n), RNNWF_ERR_NULL_POINTER);
  EXPECT(rnnwf_hamiltonian_num_terms(h, NULL), RNNWF_ERR_NULL_POINTER);
  rnnwf_hamiltonian_free(h);
  rnnwf_hamiltonian_free(NULL); /* a no-op */
}

static void expect_parse_fails(uint32_t n_sites, const char *text, const char *line,
                               const char *token) {
  rnnwf_hamiltonian *h = NULL;
  EXPECT(rnnwf_hamiltonian_parse(n_sites, text, &h), RNNWF_ERR_INVALID_ARGUMENT);
  CHECK(h == NULL); /* nothing made */
  MENTIONS("rnnwf_hamiltonian_parse");
  MENTIONS(line);
  if (token != NULL) MENTIONS(token);
}

/* All 2^sites configurations, site i of configuration k = bit i of k. */
static uint8_t *all_configs(size_t sites) {
  size_t count = (size_t)1 << sites;
  uint8_t *c = malloc(count * sites);
  CHECK(c != NULL);
  for (size_t k = 0; k < count; k++)
    for (size_t i = 0; i < sites; i++) c[k * sites + i] = (uint8_t)((k >> i) & 1);
  return c;
}

/* Two operators agree when their local energies agree on every configuration of a model
 * with a phase (so that Y terms and complex ratios matter). */
static void expect_same_operator(const rnnwf_hamiltonian *a, const rnnwf_hamiltonian *b,
                                 uint32_t sites) {
  rnnwf_model *m = chain_model(RNNWF_CELL_GRU, sites, 6, RNNWF_PHASE_SOFTSIGN, 17);
  size_t count = (size_t)1 << sites;
  uint8_t *configs = all_configs(sites);
  rnnwf_complex *ea = malloc(count * sizeof *ea), *eb = malloc(count * sizeof *eb);
  CHECK(ea != NULL && eb != NULL);
  OK(rnnwf_local_energies(m, a, configs, count, ea));
  OK(rnnwf_local_energies(m, b, configs, count, eb));
  for (size_t k = 0; k < count; k++) {
    CLOSE(ea[k].re, eb[k].re, 1e-12);
    CLOSE(ea[k].im, eb[k].im, 1e-12);
  }
  free(configs);
  free(ea);
  free(eb);
  rnnwf_model_free(m);
}

static void test_parse(void) {
  const char *text =
      "# a 4-site operator\n"
      "-1.0 Z0 Z1\n"
      "-1.0 Z1 Z2   # a bond\n"
      "\n"
      "   -0.5 X0\n"
      "0.3 Y1 Y3\n"
      "2e-1 X2 Y3 Z0\n"
      "0.25\n";
  rnnwf_hamiltonian *parsed = NULL;
  OK(rnnwf_hamiltonian_parse(4, text, &parsed));
  CHECK(parsed != NULL);
  CHECK(num_terms(parsed) == 6);
  size_t n = 0;
  OK(rnnwf_hamiltonian_num_sites(parsed, &n));
  CHECK(n == 4);

  rnnwf_hamiltonian *built = new_op(4);
  const uint32_t z01[2] = {0, 1}, z12[2] = {1, 2}, x0[1] = {0}, y13[2] = {1, 3};
  const uint32_t xyz[3] = {2, 3, 0};
  OK(rnnwf_hamiltonian_add_term(built, -1.0, "ZZ", z01, 2));
  OK(rnnwf_hamiltonian_add_term(built, -1.0, "ZZ", z12, 2));
  OK(rnnwf_hamiltonian_add_term(built, -0.5, "X", x0, 1));
  OK(rnnwf_hamiltonian_add_term(built, 0.3, "YY", y13, 2));
  OK(rnnwf_hamiltonian_add_term(built, 0.2, "XYZ", xyz, 3));
  OK(rnnwf_hamiltonian_add_term(built, 0.25, "", NULL, 0));
  expect_same_operator(parsed, built, 4);

  /* An empty text is the zero operator. */
  rnnwf_hamiltonian *zero = NULL;
  OK(rnnwf_hamiltonian_parse(3, "# nothing\n\n", &zero));
  CHECK(num_terms(zero) == 0);
  rnnwf_hamiltonian_free(zero);

  /* Errors name the line and the token; nothing is made. */
  expect_parse_fails(4, "-1.0 Z0 Z1\n-0.5 Q1\n", "line 2", "\"Q1\"");
  MENTIONS("unknown Pauli letter 'Q'");
  expect_parse_fails(4, "abc Z0\n", "line 1", "\"abc\"");
  MENTIONS("coefficient");
  expect_parse_fails(4, "\n\n-1.0 Z0 Z9\n", "line 3", "\"Z9\"");
  MENTIONS("out of range");
  expect_parse_fails(4, "-1.0 Z0 X0\n", "line 1", "\"X0\"");
  MENTIONS("twice");
  expect_parse_fails(4, "0.5 X1\nnan Z0\n", "line 2", "\"nan\"");
  MENTIONS("not finite");
  expect_parse_fails(4, "1.0 X\n", "line 1", "\"X\"");
  MENTIONS("site index");
  expect_parse_fails(4, "1.0 X-1\n", "line 1", "\"X-1\"");
  expect_parse_fails(4, "1.0 x1\n", "line 1", "\"x1\"");
  expect_parse_fails(4, "1.0 X1\n2.0 Z0 \xff\n", "line 2", NULL);
  MENTIONS("UTF-8");
  expect_parse_fails(0, "1.0\n", "n_sites", NULL);

  rnnwf_hamiltonian *h = NULL;
  EXPECT(rnnwf_hamiltonian_parse(4, NULL, &h), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`text`");
  EXPECT(rnnwf_hamiltonian_parse(4, "1.0 X0", NULL), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`out`");
  CHECK(h == NULL);
  rnnwf_hamiltonian_free(parsed);
  rnnwf_hamiltonian_free(built);
}

static void test_builtins(void) {
  rnnwf_hamiltonian *h = NULL;
  OK(rnnwf_hamiltonian_tfim(4, 1, 0, 1.0, 1.0, &h));
  CHECK(num_terms(h) == 3 + 4); /* 3 bonds, 4 fields */
  rnnwf_hamiltonian_free(h);
  OK(rnnwf_hamiltonian_tfim(4, 1, 1, 1.0, 1.0, &h));
  CHECK(num_terms(h) == 4 + 4);
  rnnwf_hamiltonian_free(h);
  OK(rnnwf_hamiltonian_tfim(3, 2, 0, 1.0, 0.5, &h));
  size_t n = 0;
  OK(rnnwf_hamiltonian_num_sites(h, &n));
  CHECK(n == 6);
  CHECK(num_terms(h) == 4 + 3 + 6); /* horizontal, vertical bonds, fields */
  rnnwf_hamiltonian_free(h);
  /* J = 0 or h = 0 drops those terms. */
  OK(rnnwf_hamiltonian_tfim(5, 1, 0, 1.0, 0.0, &h));
  CHECK(num_terms(h) == 4);
  rnnwf_hamiltonian_free(h);

  OK(rnnwf_hamiltonian_heisenberg(4, 1, 0, 1.0, 0.0, &h));
  CHECK(num_terms(h) == 3 * 3);
  rnnwf_hamiltonian_free(h);
  OK(rnnwf_hamiltonian_heisenberg(4, 1, 0, 1.0, 0.5, &h));
  CHECK(num_terms(h) == 3 * 3 + 2 * 3);
  rnnwf_hamiltonian_free(h);
  OK(rnnwf_hamiltonian_heisenberg(4, 1, 1, 1.0, 0.5, &h));
  CHECK(num_terms(h) == 4 * 3 + 2 * 3);
  rnnwf_hamiltonian_free(h);

  /* Two spins: XX + YY + ZZ has the singlet at -3. */
  OK(rnnwf_hamiltonian_heisenberg(2, 1, 0, 1.0, 0.0, &h));
  double e = 0.0;
  OK(rnnwf_exact_ground_energy(h, &e));
  CLOSE(e, -3.0, 1e-10);
  rnnwf_hamiltonian_free(h);

  /* Refusals: nothing is made. */
  h = NULL;
  EXPECT(rnnwf_hamiltonian_tfim(4, 1, 2, 1.0, 1.0, &h), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("periodic = 2");
  EXPECT(rnnwf_hamiltonian_tfim(4, 1, 0xFFFFFFFFu, 1.0, 1.0, &h), RNNWF_ERR_INVALID_ARGUMENT);
  EXPECT(rnnwf_hamiltonian_heisenberg(4, 1, 7, 1.0, 0.0, &h), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("periodic = 7");
  EXPECT(rnnwf_hamiltonian_tfim(4, 1, 0, NAN, 1.0, &h), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("J = NaN");
  EXPECT(rnnwf_hamiltonian_tfim(4, 1, 0, 1.0, INFINITY, &h), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("h = inf");
  EXPECT(rnnwf_hamiltonian_heisenberg(4, 1, 0, 1.0, NAN, &h), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("J2");
  EXPECT(rnnwf_hamiltonian_tfim(0, 1, 0, 1.0, 1.0, &h), RNNWF_ERR_INVALID_ARGUMENT);
  EXPECT(rnnwf_hamiltonian_heisenberg(4, 0, 0, 1.0, 0.0, &h), RNNWF_ERR_INVALID_ARGUMENT);
  EXPECT(rnnwf_hamiltonian_tfim(4, 1, 0, 1.0, 1.0, NULL), RNNWF_ERR_NULL_POINTER);
  EXPECT(rnnwf_hamiltonian_heisenberg(4, 1, 0, 1.0, 0.0, NULL), RNNWF_ERR_NULL_POINTER);
  EXPECT(rnnwf_hamiltonian_triangular(3, 3, 2, 1.0, &h), RNNWF_ERR_INVALID_ARGUMENT);
  EXPECT(rnnwf_hamiltonian_triangular(3, 3, 0, NAN, &h), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("rnnwf_hamiltonian_triangular");
  EXPECT(rnnwf_hamiltonian_triangular(3, 3, 0, 1.0, NULL), RNNWF_ERR_NULL_POINTER);
  CHECK(h == NULL);
}

/* The triangular lattice and the sign-free test: 3 x 3 open has 6 + 6 + 4 bonds, periodic
   27; neither is sign-free, with or without the Marshall rule, while the Heisenberg chain is
   with it. */
static void test_triangular_and_sign_free(void) {
  rnnwf_hamiltonian *tri = NULL, *chain = NULL;
  OK(rnnwf_hamiltonian_triangular(3, 3, 0, 1.0, &tri));
  CHECK(num_terms(tri) == 3 * 16);
  rnnwf_hamiltonian_free(tri);
  OK(rnnwf_hamiltonian_triangular(3, 3, 1, 1.0, &tri));
  CHECK(num_terms(tri) == 3 * 27);
  OK(rnnwf_hamiltonian_heisenberg(9, 1, 0, 1.0, 0.0, &chain));

  rnnwf_model_config cfg;
  rnnwf_model *m = NULL, *grid = NULL;
  OK(rnnwf_model_config_init(&cfg));
  cfg.lx = 9;
  cfg.hidden = 4;
  cfg.sign_rule = RNNWF_SIGN_MARSHALL;
  OK(rnnwf_model_new(&cfg, &m));
  cfg.lx = 3;
  cfg.ly = 3;
  OK(rnnwf_model_new(&cfg, &grid));
  uint32_t free_ = 7;
  OK(rnnwf_sign_free(m, chain, &free_));
  CHECK(free_ == 1);
  OK(rnnwf_sign_free(grid, tri, &free_));
  CHECK(free_ == 0);
  EXPECT(rnnwf_sign_free(NULL, chain, &free_), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`m`");
  EXPECT(rnnwf_sign_free(m, NULL, &free_), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`h`");
  EXPECT(rnnwf_sign_free(m, chain, NULL), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`out`");
  rnnwf_hamiltonian *small = NULL;
  OK(rnnwf_hamiltonian_heisenberg(4, 1, 0, 1.0, 0.0, &small));
  free_ = 7;
  EXPECT(rnnwf_sign_free(m, small, &free_), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("4 sites");
  CHECK(free_ == 7); /* outputs written only on success */
  rnnwf_hamiltonian_free(small);
  rnnwf_model_free(grid);
  rnnwf_model_free(m);
  rnnwf_hamiltonian_free(chain);
  rnnwf_hamiltonian_free(tri);
}

/* The lattice symmetry that follows the operator: on the 4 x 4 triangular lattice D4 keeps
   the identity, the half turn and the two diagonal reflections; the Heisenberg model keeps
   all 8; a resize to a rectangle keeps the half turn. */
static void test_restrict_symmetry(void) {
  rnnwf_hamiltonian *tri = NULL, *heis = NULL, *small = NULL;
  OK(rnnwf_hamiltonian_triangular(4, 4, 0, 1.0, &tri));
  OK(rnnwf_hamiltonian_heisenberg(4, 4, 0, 1.0, 0.0, &heis));
  OK(rnnwf_hamiltonian_heisenberg(3, 3, 0, 1.0, 0.0, &small));
  rnnwf_model_config cfg;
  rnnwf_model *m = NULL, *kept = NULL, *same = NULL, *bare = NULL, *back = NULL;
  OK(rnnwf_model_config_init(&cfg));
  cfg.lx = 4;
  cfg.ly = 4;
  cfg.hidden = 4;
  OK(rnnwf_model_new(&cfg, &bare));
  cfg.symmetry = RNNWF_SYMMETRY_LATTICE;
  OK(rnnwf_model_new(&cfg, &m));
  size_t n = 0;
  OK(rnnwf_model_symmetry_size(bare, &n));
  CHECK(n == 1);
  OK(rnnwf_model_symmetry_size(m, &n));
  CHECK(n == 8);
  uint32_t invariant = 7;
  OK(rnnwf_symmetry_invariant(m, tri, &invariant));
  CHECK(invariant == 0);
  OK(rnnwf_symmetry_invariant(m, heis, &invariant));
  CHECK(invariant == 1);

  OK(rnnwf_model_restrict_symmetry(m, tri, &kept));
  OK(rnnwf_model_symmetry_size(kept, &n));
  CHECK(n == 4);
  uint32_t codes[4] = {99, 99, 99, 99};
  OK(rnnwf_model_symmetry_maps(kept, codes, 4));
  CHECK(codes[0] == RNNWF_MAP_IDENTITY && codes[1] == RNNWF_MAP_HALF_TURN &&
        codes[2] == RNNWF_MAP_DIAGONAL && codes[3] == RNNWF_MAP_ANTIDIAGONAL);
  EXPECT(rnnwf_model_symmetry_maps(kept, codes, 8), RNNWF_ERR_BUFFER_SIZE);
  OK(rnnwf_symmetry_invariant(kept, tri, &invariant));
  CHECK(invariant == 1);
  OK(rnnwf_model_restrict_symmetry(m, heis, &same));
  OK(rnnwf_model_symmetry_size(same, &n));
  CHECK(n == 8);
  /* Resized to a rectangle, the diagonals go and the half turn stays. */
  OK(rnnwf_model_resize(kept, 5, 3, -1, &back));
  OK(rnnwf_model_symmetry_size(back, &n));
  CHECK(n == 2);

  /* After the 120-degree rotation the half turn and the antidiagonal conjugate the
     operator: they are kept as anti-unitary elements. */
  rnnwf_hamiltonian *rotated = NULL;
  rnnwf_model *conj = NULL;
  double angles[16];
  OK(rnnwf_hamiltonian_triangular(4, 4, 0, 1.0, &rotated));
  OK(rnnwf_three_sublattice_angles(4, 4, angles, 16));
  OK(rnnwf_hamiltonian_rotate_z(rotated, angles, 16));
  OK(rnnwf_symmetry_invariant(kept, rotated, &invariant));
  CHECK(invariant == 0);
  OK(rnnwf_model_restrict_symmetry(m, rotated, &conj));
  OK(rnnwf_model_symmetry_size(conj, &n));
  CHECK(n == 4);
  OK(rnnwf_model_symmetry_maps(conj, codes, 4));
  CHECK(codes[0] == RNNWF_MAP_IDENTITY &&
        codes[1] == RNNWF_MAP_HALF_TURN + RNNWF_WITH_CONJUGATE &&
        codes[2] == RNNWF_MAP_DIAGONAL &&
        codes[3] == RNNWF_MAP_ANTIDIAGONAL + RNNWF_WITH_CONJUGATE);
  OK(rnnwf_symmetry_invariant(conj, rotated, &invariant));
  CHECK(invariant == 1);
  rnnwf_model_free(conj);
  rnnwf_hamiltonian_free(rotated);

  rnnwf_model *never = NULL;
  EXPECT(rnnwf_model_restrict_symmetry(bare, tri, &never), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("no lattice symmetry");
  EXPECT(rnnwf_model_restrict_symmetry(m, small, &never), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("9 sites");
  CHECK(never == NULL);
  EXPECT(rnnwf_model_restrict_symmetry(m, tri, NULL), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`out`");
  EXPECT(rnnwf_symmetry_invariant(NULL, tri, &invariant), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`m`");
  EXPECT(rnnwf_model_symmetry_size(m, NULL), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`out`");

  rnnwf_model_free(back);
  rnnwf_model_free(same);
  rnnwf_model_free(kept);
  rnnwf_model_free(bare);
  rnnwf_model_free(m);
  rnnwf_hamiltonian_free(small);
  rnnwf_hamiltonian_free(heis);
  rnnwf_hamiltonian_free(tri);
}

static void complex_exp(double re, double im, double *out_re, double *out_im) {
  double r = exp(re);
  *out_re = r * cos(im);
  *out_im = r * sin(im);
}

/* One Pauli string: coeff, letters, sites. */
typedef struct term {
  double coeff;
  const char *paulis;
  uint32_t sites[3];
} term;

/* E_loc(s) = sum_k c_k <s|P_k|s'> psi(s') / psi(s), computed here from rnnwf_log_psi of
 * each connected configuration s': X flips a site with element 1, Y flips it with element
 * -i (-1)^s, Z keeps it with element (-1)^s. */
static void c_local_energy(const rnnwf_model *m, const term *terms, size_t n_terms,
                           const uint8_t *s, size_t sites, double *e_re, double *e_im) {
  rnnwf_complex lp, lq;
  OK(rnnwf_log_psi(m, s, 1, &lp));
  *e_re = 0.0;
  *e_im = 0.0;
  for (size_t k = 0; k < n_terms; k++) {
    uint8_t t[16];
    memcpy(t, s, sites);
    double fr = terms[k].coeff, fi = 0.0;
    for (size_t j = 0; j < strlen(terms[k].paulis); j++) {
      uint32_t site = terms[k].sites[j];
      int down = s[site];
      switch (terms[k].paulis[j]) {
        case 'X':
          t[site] ^= 1;
          break;
        case 'Y': { /* multiply by -i (-1)^s */
          double y = down ? 1.0 : -1.0, r = fr;
          t[site] ^= 1;
          fr = -fi * y;
          fi = r * y;
          break;
        }
        case 'Z':
          if (down) {
            fr = -fr;
            fi = -fi;
          }
          break;
      }
    }
    OK(rnnwf_log_psi(m, t, 1, &lq));
    double rr, ri;
    complex_exp(lq.re - lp.re, lq.im - lp.im, &rr, &ri);
    *e_re += fr * rr - fi * ri;
    *e_im += fr * ri + fi * rr;
  }
}

static rnnwf_hamiltonian *from_terms(uint32_t sites, const term *terms, size_t n_terms) {
  rnnwf_hamiltonian *h = new_op(sites);
  for (size_t k = 0; k < n_terms; k++)
    OK(rnnwf_hamiltonian_add_term(h, terms[k].coeff, terms[k].paulis, terms[k].sites,
                                  strlen(terms[k].paulis)));
  return h;
}

static void expect_local_energies(const rnnwf_model *m, const rnnwf_hamiltonian *h,
                                  const term *terms, size_t n_terms, size_t sites) {
  size_t count = (size_t)1 << sites;
  uint8_t *configs = all_configs(sites);
  rnnwf_complex *e = malloc(count * sizeof *e);
  CHECK(e != NULL);
  OK(rnnwf_local_energies(m, h, configs, count, e));
  for (size_t k = 0; k < count; k++) {
    double re, im;
    c_local_energy(m, terms, n_terms, configs + k * sites, sites, &re, &im);
    CLOSE(e[k].re, re, 1e-11 * (1.0 + fabs(re)));
    CLOSE(e[k].im, im, 1e-11 * (1.0 + fabs(im)));
  }
  free(configs);
  free(e);
}

static void test_local_energies(void) {
  /* The 2-site Ising chain H = -J Z0 Z1 - h (X0 + X1), J = 0.7, h = 0.3, against the
     built-in model and against E_loc computed here. */
  const term tfim2[3] = {{-0.7, "ZZ", {0, 1, 0}}, {-0.3, "X", {0, 0, 0}}, {-0.3, "X", {1, 0, 0}}};
  rnnwf_hamiltonian *built_in = NULL;
  OK(rnnwf_hamiltonian_tfim(2, 1, 0, 0.7, 0.3, &built_in));
  rnnwf_hamiltonian *by_terms = from_terms(2, tfim2, 3);
  rnnwf_model *m2 = chain_model(RNNWF_CELL_VANILLA, 2, 4, RNNWF_PHASE_NONE, 3);
  expect_local_energies(m2, built_in, tfim2, 3, 2);
  expect_local_energies(m2, by_terms, tfim2, 3, 2);
  /* By hand for s = (0, 0): -J - h (psi(1,0) + psi(0,1)) / psi(0,0), psi real. */
  uint8_t c[6] = {0, 0, 1, 0, 0, 1};
  rnnwf_complex lp[3], e;
  OK(rnnwf_log_psi(m2, c, 3, lp));
  OK(rnnwf_local_energies(m2, built_in, c, 1, &e));
  CLOSE(e.re, -0.7 - 0.3 * (exp(lp[1].re - lp[0].re) + exp(lp[2].re - lp[0].re)), 1e-12);
  CHECK(e.im == 0.0);

  /* Complex amplitudes and every Pauli letter on 3 sites (GRU, phase head). */
  const term mixed[4] = {{-0.3, "YZ", {0, 2, 0}},
                         {0.5, "XX", {1, 2, 0}},
                         {0.2, "YXZ", {2, 0, 1}},
                         {-1.1, "Y", {1, 0, 0}}};
  rnnwf_hamiltonian *h3 = from_terms(3, mixed, 4);
  rnnwf_model *m3 = chain_model(RNNWF_CELL_GRU, 3, 5, RNNWF_PHASE_SOFTSIGN, 8);
  expect_local_energies(m3, h3, mixed, 4, 3);

  /* Refusals; nothing written. */
  rnnwf_complex out[2] = {{123.0, 456.0}, {123.0, 456.0}};
  uint8_t bad[6] = {0, 1, 0, 1, 2, 0};
  EXPECT(rnnwf_local_energies(m3, h3, bad, 2, out), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("configs[1][1] = 2");
  CHECK(out[0].re == 123.0 && out[1].im == 456.0);
  EXPECT(rnnwf_local_energies(m2, h3, c, 1, out), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("3 sites but the model has 2");
  CHECK(out[0].re == 123.0);
  EXPECT(rnnwf_local_energies(NULL, h3, bad, 1, out), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`m`");
  EXPECT(rnnwf_local_energies(m3, NULL, bad, 1, out), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`h`");
  EXPECT(rnnwf_local_energies(m3, h3, NULL, 1, out), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`configs`");
  EXPECT(rnnwf_local_energies(m3, h3, bad, 1, NULL), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`out`");
  OK(rnnwf_local_energies(m3, h3, NULL, 0, NULL));

  /* Pauli operators need spin-1/2 sites. */
  rnnwf_model_config cfg;
  OK(rnnwf_model_config_init(&cfg));
  cfg.lx = 3;
  cfg.local_dim = 3;
  cfg.hidden = 4;
  rnnwf_model *qutrits = NULL;
  OK(rnnwf_model_new(&cfg, &qutrits));
  uint8_t zeros[3] = {0, 0, 0};
  EXPECT(rnnwf_local_energies(qutrits, h3, zeros, 1, out), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("local_dim");
  rnnwf_estimate est;
  EXPECT(rnnwf_expectation(qutrits, h3, 1, 10, &est), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("spin-1/2");

  /* Outside the U(1) subspace psi = 0: no local energy. */
  OK(rnnwf_model_config_init(&cfg));
  cfg.lx = 3;
  cfg.hidden = 4;
  cfg.u1_total = 1;
  rnnwf_model *u1 = NULL;
  OK(rnnwf_model_new(&cfg, &u1));
  uint8_t two_down[3] = {1, 1, 0};
  EXPECT(rnnwf_local_energies(u1, h3, two_down, 1, out), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("U(1)");

  rnnwf_model_free(u1);
  rnnwf_model_free(qutrits);
  rnnwf_model_free(m3);
  rnnwf_model_free(m2);
  rnnwf_hamiltonian_free(h3);
  rnnwf_hamiltonian_free(by_terms);
  rnnwf_hamiltonian_free(built_in);
}

static void expect_estimate_matches_exact(const rnnwf_model *m, const rnnwf_hamiltonian *op) {
  rnnwf_complex exact;
  OK(rnnwf_exact_expectation(m, op, &exact));
  CLOSE(exact.im, 0.0, 1e-12); /* Hermitian */
  enum { N = 20000 };
  rnnwf_estimate est, again;
  memset(&est, 0, sizeof est);
  OK(rnnwf_expectation(m, op, 2024, N, &est));
  CHECK(est.n == N);
  CHECK(est.error > 0.0);
  CLOSE(est.error, sqrt(est.variance / N), 1e-12 * est.error);
  CLOSE(est.mean_re, exact.re, 5.0 * est.error);
  CLOSE(est.mean_im, 0.0, 5.0 * est.error);
  /* The same seed gives the same estimate; another seed another one. */
  OK(rnnwf_expectation(m, op, 2024, N, &again));
  CHECK(memcmp(&est, &again, sizeof est) == 0);
  OK(rnnwf_expectation(m, op, 2025, N, &again));
  CHECK(again.mean_re != est.mean_re);
}

static void test_expectation(void) {
  rnnwf_model *m = chain_model(RNNWF_CELL_GRU, 6, 8, RNNWF_PHASE_SOFTSIGN, 31);
  rnnwf_hamiltonian *tfim = NULL;
  OK(rnnwf_hamiltonian_tfim(6, 1, 0, 1.0, 0.8, &tfim));
  expect_estimate_matches_exact(m, tfim);
  rnnwf_hamiltonian *mixed = NULL;
  OK(rnnwf_hamiltonian_parse(6, "0.5 Y0 Y1\n0.3 X2 Y3 Z4\n-0.2 Z5\n1.5 X1 X4\n", &mixed));
  expect_estimate_matches_exact(m, mixed);
  /* A constant is exact with zero variance. */
  rnnwf_hamiltonian *constant = NULL;
  OK(rnnwf_hamiltonian_parse(6, "-2.5\n", &constant));
  rnnwf_estimate est;
  OK(rnnwf_expectation(m, constant, 1, 100, &est));
  CHECK(est.mean_re == -2.5 && est.mean_im == 0.0 && est.variance == 0.0 && est.error == 0.0);

  /* Refusals; nothing written. */
  rnnwf_hamiltonian *other_size = NULL;
  OK(rnnwf_hamiltonian_tfim(4, 1, 0, 1.0, 1.0, &other_size));
  memset(&est, 0x5A, sizeof est);
  rnnwf_estimate untouched = est;
  EXPECT(rnnwf_expectation(m, other_size, 1, 100, &est), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("4 sites but the model has 6");
  EXPECT(rnnwf_expectation(m, tfim, 1, 0, &est), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("n_samples");
  EXPECT(rnnwf_expectation(NULL, tfim, 1, 10, &est), RNNWF_ERR_NULL_POINTER);
  EXPECT(rnnwf_expectation(m, NULL, 1, 10, &est), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`op`");
  EXPECT(rnnwf_expectation(m, tfim, 1, 10, NULL), RNNWF_ERR_NULL_POINTER);
  CHECK(memcmp(&est, &untouched, sizeof est) == 0);
  rnnwf_complex z = {7.0, 7.0};
  EXPECT(rnnwf_exact_expectation(m, other_size, &z), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("4 sites but the model has 6");
  CHECK(z.re == 7.0 && z.im == 7.0);
  EXPECT(rnnwf_exact_expectation(NULL, tfim, &z), RNNWF_ERR_NULL_POINTER);
  EXPECT(rnnwf_exact_expectation(m, NULL, &z), RNNWF_ERR_NULL_POINTER);
  EXPECT(rnnwf_exact_expectation(m, tfim, NULL), RNNWF_ERR_NULL_POINTER);

  /* Beyond 24 sites the exact tools refuse instead of enumerating. */
  rnnwf_model *big = chain_model(RNNWF_CELL_VANILLA, 25, 2, RNNWF_PHASE_NONE, 1);
  rnnwf_hamiltonian *big_op = NULL;
  OK(rnnwf_hamiltonian_tfim(25, 1, 0, 1.0, 1.0, &big_op));
  EXPECT(rnnwf_exact_expectation(big, big_op, &z), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("24");
  double e = 42.0;
  EXPECT(rnnwf_exact_ground_energy(big_op, &e), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("24");
  CHECK(e == 42.0);
  EXPECT(rnnwf_exact_ground_energy(NULL, &e), RNNWF_ERR_NULL_POINTER);
  EXPECT(rnnwf_exact_ground_energy(tfim, NULL), RNNWF_ERR_NULL_POINTER);

  rnnwf_hamiltonian_free(big_op);
  rnnwf_model_free(big);
  rnnwf_hamiltonian_free(other_size);
  rnnwf_hamiltonian_free(constant);
  rnnwf_hamiltonian_free(mixed);
  rnnwf_hamiltonian_free(tfim);
  rnnwf_model_free(m);
}

static void test_ground_energy(void) {
  /* Open Ising chain, J = h = 1: E0 = 1 - 1/sin(pi / (2 (2N + 1))). */
  rnnwf_hamiltonian *h = NULL;
  OK(rnnwf_hamiltonian_tfim(10, 1, 0, 1.0, 1.0, &h));
  double e = 0.0;
  OK(rnnwf_exact_ground_energy(h, &e));
  CLOSE(e, -12.3814899997, 1e-9);
  CLOSE(e, 1.0 - 1.0 / sin(PI / (2.0 * (2.0 * 10 + 1))), 1e-9);
  rnnwf_hamiltonian_free(h);
  /* And an operator with complex matrix elements: Y Y has the same spectrum as X X. */
  rnnwf_hamiltonian *xx = NULL, *yy = NULL;
  OK(rnnwf_hamiltonian_parse(4, "-1 X0 X1\n-1 X1 X2\n-1 X2 X3\n-0.6 Z0\n-0.6 Z1\n-0.6 Z2\n"
                                "-0.6 Z3\n", &xx));
  OK(rnnwf_hamiltonian_parse(4, "-1 Y0 Y1\n-1 Y1 Y2\n-1 Y2 Y3\n-0.6 Z0\n-0.6 Z1\n-0.6 Z2\n"
                                "-0.6 Z3\n", &yy));
  double exx = 0.0, eyy = 1.0;
  OK(rnnwf_exact_ground_energy(xx, &exx));
  OK(rnnwf_exact_ground_energy(yy, &eyy));
  CLOSE(exx, eyy, 1e-9);
  CHECK(exx < -3.0);
  rnnwf_hamiltonian_free(xx);
  rnnwf_hamiltonian_free(yy);
}

/* S2 = -ln Tr rho_A^2 of the region (a bit mask over `sites` sites), from every amplitude. */
static double exact_renyi2(const rnnwf_model *m, size_t sites, unsigned region) {
  size_t count = (size_t)1 << sites;
  uint8_t *configs = all_configs(sites);
  rnnwf_complex *lp = malloc(count * sizeof *lp);
  double *re = malloc(count * sizeof *re), *im = malloc(count * sizeof *im);
  CHECK(lp != NULL && re != NULL && im != NULL);
  OK(rnnwf_log_psi(m, configs, count, lp));
  for (size_t k = 0; k < count; k++) complex_exp(lp[k].re, lp[k].im, &re[k], &im[k]);
  /* rho_A[a][a'] = sum_b psi(a b) conj(psi(a' b)); k = a | b with a inside the mask. */
  double purity = 0.0;
  for (size_t a = 0; a < count; a++) {
    if ((a & ~region) != 0) continue;
    for (size_t a2 = 0; a2 < count; a2++) {
      if ((a2 & ~region) != 0) continue;
      double rr = 0.0, ri = 0.0;
      for (size_t b = 0; b < count; b++) {
        if ((b & region) != 0) continue;
        size_t k = a | b, k2 = a2 | b;
        rr += re[k] * re[k2] + im[k] * im[k2];
        ri += im[k] * re[k2] - re[k] * im[k2];
      }
      purity += rr * rr + ri * ri;
    }
  }
  free(configs);
  free(lp);
  free(re);
  free(im);
  return -log(purity);
}

static void test_renyi2(void) {
  enum { SITES = 6, N = 20000 };
  rnnwf_model *m = chain_model(RNNWF_CELL_GRU, SITES, 8, RNNWF_PHASE_SOFTSIGN, 5);
  /* Larger weights entangle more than the initial ones (S2 ~ 0.01). */
  size_t np = 0;
  double *p = get_params(m, &np);
  for (size_t i = 0; i < np; i++) p[i] *= 3.0;
  OK(rnnwf_model_set_params(m, p, np));
  free(p);
  rnnwf_estimate est;
  /* The whole system of a pure state: every swap value is 1, S2 = 0. */
  const uint32_t all[SITES] = {0, 1, 2, 3, 4, 5};
  OK(rnnwf_renyi2(m, all, SITES, 9, 500, &est));
  CLOSE(est.mean_re, 0.0, 1e-12);
  CLOSE(est.error, 0.0, 1e-12);
  CHECK(est.n == 500);
  /* The empty region: S2 = 0 exactly. */
  OK(rnnwf_renyi2(m, NULL, 0, 9, 500, &est));
  CHECK(est.mean_re == 0.0 && est.error == 0.0);
  /* Half the chain, and a region in two pieces, against the exact reduced density matrix. */
  const uint32_t half[3] = {0, 1, 2}, pieces[3] = {1, 4, 5};
  double exact_half = exact_renyi2(m, SITES, 0x7u);
  double exact_pieces = exact_renyi2(m, SITES, (1u << 1) | (1u << 4) | (1u << 5));
  CHECK(exact_half > 0.3 && exact_pieces > 0.3);
  OK(rnnwf_renyi2(m, half, 3, 11, N, &est));
  CHECK(est.n == N && est.error > 0.0 && est.mean_im == 0.0);
  CLOSE(est.mean_re, exact_half, 5.0 * est.error);
  OK(rnnwf_renyi2(m, pieces, 3, 12, N, &est));
  CLOSE(est.mean_re, exact_pieces, 5.0 * est.error);
  /* A region and its complement have the same S2 for a pure state. */
  const uint32_t rest[3] = {3, 4, 5};
  rnnwf_estimate est_rest;
  OK(rnnwf_renyi2(m, rest, 3, 13, N, &est_rest));
  CLOSE(est_rest.mean_re, exact_half, 5.0 * est_rest.error);

  /* Refusals; nothing written. */
  memset(&est, 0x5A, sizeof est);
  rnnwf_estimate untouched = est;
  const uint32_t outside[2] = {0, 6}, twice[2] = {2, 2};
  EXPECT(rnnwf_renyi2(m, outside, 2, 1, 100, &est), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("region[1] = 6");
  EXPECT(rnnwf_renyi2(m, twice, 2, 1, 100, &est), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("twice");
  EXPECT(rnnwf_renyi2(m, half, 3, 1, 0, &est), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("n_samples");
  EXPECT(rnnwf_renyi2(m, NULL, 2, 1, 100, &est), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`region`");
  EXPECT(rnnwf_renyi2(NULL, half, 3, 1, 100, &est), RNNWF_ERR_NULL_POINTER);
  EXPECT(rnnwf_renyi2(m, half, 3, 1, 100, NULL), RNNWF_ERR_NULL_POINTER);
  CHECK(memcmp(&est, &untouched, sizeof est) == 0);
  rnnwf_model_free(m);
}

/* Operators on any local dimension: the AKLT chain's -(2/3)(N-1), a qutrit term, a model
   of another local dimension, and malformed terms refused with a message, the operator
   unchanged. */
static void test_local_operators(void) {
  rnnwf_hamiltonian *h = NULL;
  double e0 = 0.0;
  size_t n = 0;
  OK(rnnwf_hamiltonian_spin1(5, 1, 0, 1.0, 1.0 / 3.0, 0.0, &h));
  OK(rnnwf_hamiltonian_local_dim(h, &n));
  CHECK(n == 3);
  OK(rnnwf_exact_ground_energy(h, &e0));
  CHECK(fabs(e0 - -8.0 / 3.0) < 1e-9);
  rnnwf_hamiltonian_free(h);
  h = NULL;

  OK(rnnwf_hamiltonian_new_local(3, 3, &h));
  rnnwf_complex sz[9] = {{0, 0}};
  sz[0].re = 1.0;
  sz[8].re = -1.0;
  uint32_t one[1] = {2};
  OK(rnnwf_hamiltonian_add_local(h, 1, one, sz));
  OK(rnnwf_exact_ground_energy(h, &e0));
  CHECK(fabs(e0 - -1.0) < 1e-12);
  uint32_t pair[2] = {0, 0};
  rnnwf_complex eye[81] = {{0, 0}};
  for (int a = 0; a < 9; a++) eye[a * 10].re = 1.0;
  EXPECT(rnnwf_hamiltonian_add_local(h, 2, pair, eye), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("twice");
  pair[1] = 3;
  EXPECT(rnnwf_hamiltonian_add_local(h, 2, pair, eye), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("out of range");
  EXPECT(rnnwf_hamiltonian_add_local(h, 0, pair, eye), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("k >= 1");
  EXPECT(rnnwf_hamiltonian_add_local(h, 1, one, NULL), RNNWF_ERR_NULL_POINTER);
  sz[1].re = 1.0; /* not Hermitian */
  EXPECT(rnnwf_hamiltonian_add_local(h, 1, one, sz), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("not Hermitian");
  sz[1].re = 0.0;
  sz[4].re = NAN;
  EXPECT(rnnwf_hamiltonian_add_local(h, 1, one, sz), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("not finite");
  EXPECT(rnnwf_hamiltonian_add_term(h, 1.0, "Z", one, 1), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("local_dim = 3");
  OK(rnnwf_hamiltonian_num_terms(h, &n));
  CHECK(n == 1);

  rnnwf_model_config cfg;
  OK(rnnwf_model_config_init(&cfg));
  cfg.lx = 3;
  cfg.hidden = 4;
  rnnwf_model *m = NULL;
  OK(rnnwf_model_new(&cfg, &m));
  uint8_t config[3] = {0, 0, 0};
  rnnwf_complex e;
  EXPECT(rnnwf_local_energies(m, h, config, 1, &e), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("local_dim = 3");
  rnnwf_model_free(m);
  rnnwf_hamiltonian_free(h);

  rnnwf_hamiltonian *big = NULL;
  OK(rnnwf_hamiltonian_new_local(64, 256, &big));
  uint32_t many[9] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT(rnnwf_hamiltonian_add_local(big, 9, many, sz), RNNWF_ERR_OUT_OF_MEMORY);
  MENTIONS("256^9");
  rnnwf_hamiltonian_free(big);
  h = NULL;
  EXPECT(rnnwf_hamiltonian_new_local(3, 1, &h), RNNWF_ERR_INVALID_ARGUMENT);
  EXPECT(rnnwf_hamiltonian_bose_hubbard(3, 1, 0, 0, 1.0, 1.0, 0.0, &h), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("n_max");
  EXPECT(rnnwf_hamiltonian_rydberg(3, 1, 1.0, 1.0, 1.0, 2.0, 2, &h), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("group");
  CHECK(h == NULL);
}

int main(void) {
  test_add_term();
  test_parse();
  test_builtins();
  test_triangular_and_sign_free();
  test_restrict_symmetry();
  test_local_energies();
  test_expectation();
  test_ground_energy();
  test_renyi2();
  test_local_operators();
  printf("test_operators: %d checks passed\n", checks);
  return 0;
}
