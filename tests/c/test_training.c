/* Training from C: Adam and SR to the exact ground energy of an Ising chain; the reduction
 * callback (failing, summing, cleared); save and load of model + optimiser resuming bit for
 * bit; reconstruction from data with rnnwf_fit_step; a step cancelled from another thread;
 * every bad input.
 * Usage: test_training SCRATCH_DIR [quick] (quick: short training runs whose accuracy is not
 * checked, for unoptimised builds). Prints "test_training: N checks passed" and exits 0. */
#define _DEFAULT_SOURCE
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define PI 3.14159265358979323846
#define SITES 6

static char scratch[1024];

static const char *scratch_path(const char *name) {
  static char path[2][2048];
  static int which = 0;
  which ^= 1;
  snprintf(path[which], sizeof path[which], "%s/%s", scratch, name);
  return path[which];
}

static rnnwf_vmc_config vmc_config(uint32_t optimizer, uint64_t n_samples, double lr) {
  rnnwf_vmc_config cfg;
  memset(&cfg, 0xAB, sizeof cfg); /* garbage that init must overwrite */
  OK(rnnwf_vmc_config_init(&cfg));
  cfg.optimizer = optimizer;
  cfg.n_samples = n_samples;
  cfg.learning_rate = lr;
  cfg.sr_diag_shift = 1e-3;
  cfg.seed = 12;
  return cfg;
}

static rnnwf_vmc *new_vmc(rnnwf_vmc_config cfg) {
  rnnwf_vmc *v = NULL;
  OK(rnnwf_vmc_new(&cfg, &v));
  CHECK(v != NULL);
  return v;
}

static rnnwf_hamiltonian *ising_chain(void) {
  rnnwf_hamiltonian *h = NULL;
  OK(rnnwf_hamiltonian_tfim(SITES, 1, 0, 1.0, 1.0, &h));
  return h;
}

static void test_config(void) {
  rnnwf_vmc_config cfg;
  memset(&cfg, 0xAB, sizeof cfg);
  OK(rnnwf_vmc_config_init(&cfg));
  CHECK(cfg.struct_size == sizeof(rnnwf_vmc_config));
  CHECK(cfg.optimizer == RNNWF_OPT_ADAM && cfg.n_samples == 1024);
  CHECK(cfg.learning_rate == 1e-3 && cfg.adam_beta1 == 0.9 && cfg.adam_beta2 == 0.999);
  CHECK(cfg.adam_eps == 1e-8 && cfg.sr_diag_shift == 1e-4);
  CHECK(cfg.grad_clip == 0.0 && cfg.temperature == 0.0 && cfg.seed == 0);
  CHECK(RNNWF_OPT_SGD == 0 && RNNWF_OPT_ADAM == 1 && RNNWF_OPT_SR == 2);
  CHECK(cfg.preconditioner == RNNWF_PRECONDITIONER_NONE);
  CHECK(RNNWF_PRECONDITIONER_NONE == 0 && RNNWF_PRECONDITIONER_SR == 1);
  EXPECT(rnnwf_vmc_config_init(NULL), RNNWF_ERR_NULL_POINTER);

  rnnwf_vmc *v = new_vmc(cfg);
  rnnwf_vmc_config got;
  got.struct_size = sizeof got;
  OK(rnnwf_vmc_get_config(v, &got));
  CHECK(memcmp(&got, &cfg, sizeof cfg) == 0);
  EXPECT(rnnwf_vmc_get_config(NULL, &got), RNNWF_ERR_NULL_POINTER);
  EXPECT(rnnwf_vmc_get_config(v, NULL), RNNWF_ERR_NULL_POINTER);
  /* Output structs: the caller's struct_size must be in range, else nothing is written. */
  rnnwf_vmc_config unset;
  memset(&unset, 0, sizeof unset);
  EXPECT(rnnwf_vmc_get_config(v, &unset), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("out->struct_size = 0");
  CHECK(unset.optimizer == 0 && unset.n_samples == 0);
  unset.struct_size = sizeof unset + 8;
  EXPECT(rnnwf_vmc_get_config(v, &unset), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("rnnwf_vmc_config");
  CHECK(unset.n_samples == 0);
  rnnwf_vmc_free(v);
  rnnwf_vmc_free(NULL); /* a no-op */
}

static void expect_new_fails(rnnwf_vmc_config cfg, const char *field) {
  rnnwf_vmc *v = NULL;
  EXPECT(rnnwf_vmc_new(&cfg, &v), RNNWF_ERR_INVALID_ARGUMENT);
  CHECK(v == NULL);
  MENTIONS("rnnwf_vmc_new");
  MENTIONS(field);
}

static void test_bad_config(void) {
  rnnwf_vmc_config good = vmc_config(RNNWF_OPT_ADAM, 100, 0.01), bad;
  rnnwf_vmc *v = NULL;
  EXPECT(rnnwf_vmc_new(NULL, &v), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`cfg`");
  EXPECT(rnnwf_vmc_new(&good, NULL), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`out`");
  bad = good; bad.struct_size = 8; expect_new_fails(bad, "struct_size");
  bad = good; bad.struct_size = 0; expect_new_fails(bad, "struct_size");
  /* A struct larger than the library's: a host built against a newer header. */
  bad = good; bad.struct_size = sizeof bad + 8; expect_new_fails(bad, "struct_size");
  bad = good; bad.optimizer = 3; expect_new_fails(bad, "optimizer");
  bad = good; bad.optimizer = 0xFFFFFFFFu; expect_new_fails(bad, "optimizer");
  bad = good; bad.preconditioner = 3; expect_new_fails(bad, "preconditioner");
  MENTIONS("RNNWF_PRECONDITIONER_SPRING (2)");
  bad = good; bad.preconditioner = RNNWF_PRECONDITIONER_SPRING; bad.sr_momentum = 1.0;
  expect_new_fails(bad, "sr_momentum");
  bad = good; bad.sr_momentum = -0.5; expect_new_fails(bad, "sr_momentum");
  bad = good; bad.sr_momentum = NAN; expect_new_fails(bad, "sr_momentum");
  bad = good; bad.preconditioner = 0xFFFFFFFFu; expect_new_fails(bad, "preconditioner");
  bad = good; bad.n_samples = 0; expect_new_fails(bad, "n_samples");
  bad = good; bad.n_samples = UINT64_MAX; expect_new_fails(bad, "n_samples");
  bad = good; bad.learning_rate = -0.1; expect_new_fails(bad, "learning_rate");
  bad = good; bad.learning_rate = NAN; expect_new_fails(bad, "learning_rate");
  bad = good; bad.learning_rate = INFINITY; expect_new_fails(bad, "learning_rate");
  bad = good; bad.adam_beta1 = 1.0; expect_new_fails(bad, "adam_beta1");
  bad = good; bad.adam_beta2 = -0.5; expect_new_fails(bad, "adam_beta2");
  bad = good; bad.adam_beta2 = NAN; expect_new_fails(bad, "adam_beta2");
  bad = good; bad.adam_eps = 0.0; expect_new_fails(bad, "adam_eps");
  bad = good; bad.adam_eps = NAN; expect_new_fails(bad, "adam_eps");
  bad = good; bad.sr_diag_shift = -1e-3; expect_new_fails(bad, "sr_diag_shift");
  bad = good; bad.sr_diag_shift = NAN; expect_new_fails(bad, "sr_diag_shift");
  bad = good; bad.grad_clip = -1.0; expect_new_fails(bad, "grad_clip");
  bad = good; bad.grad_clip = NAN; expect_new_fails(bad, "grad_clip");
  bad = good; bad.temperature = -0.1; expect_new_fails(bad, "temperature");
  bad = good; bad.temperature = INFINITY; expect_new_fails(bad, "temperature");

  /* Setters refuse the same values and keep the old ones. */
  v = new_vmc(good);
  EXPECT(rnnwf_vmc_set_learning_rate(v, -0.01), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("learning_rate");
  EXPECT(rnnwf_vmc_set_learning_rate(v, NAN), RNNWF_ERR_INVALID_ARGUMENT);
  EXPECT(rnnwf_vmc_set_learning_rate(v, INFINITY), RNNWF_ERR_INVALID_ARGUMENT);
  EXPECT(rnnwf_vmc_set_temperature(v, -1.0), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("temperature");
  EXPECT(rnnwf_vmc_set_temperature(v, NAN), RNNWF_ERR_INVALID_ARGUMENT);
  EXPECT(rnnwf_vmc_set_learning_rate(NULL, 0.1), RNNWF_ERR_NULL_POINTER);
  EXPECT(rnnwf_vmc_set_temperature(NULL, 0.1), RNNWF_ERR_NULL_POINTER);
  rnnwf_vmc_config got;
  got.struct_size = sizeof got;
  OK(rnnwf_vmc_get_config(v, &got));
  CHECK(memcmp(&got, &good, sizeof got) == 0);
  OK(rnnwf_vmc_set_learning_rate(v, 0.5));
  OK(rnnwf_vmc_set_temperature(v, 0.25));
  OK(rnnwf_vmc_set_learning_rate(v, 0.0)); /* 0 is allowed: a frozen step */
  got.struct_size = sizeof got;
  OK(rnnwf_vmc_get_config(v, &got));
  CHECK(got.learning_rate == 0.0 && got.temperature == 0.25);
  rnnwf_vmc_free(v);
}

/* Trains a GRU on the open Ising chain (N = 6, J = h = 1) and returns the relative error of
 * its exact energy <psi|H|psi> against the exact ground energy. */
static double train_ising(uint32_t optimizer, uint64_t n_samples, double lr0, double lr1,
                          int steps, double *e_exact_out) {
  rnnwf_hamiltonian *h = ising_chain();
  double e0 = 0.0;
  OK(rnnwf_exact_ground_energy(h, &e0));
  CLOSE(e0, 1.0 - 1.0 / sin(PI / (2.0 * (2.0 * SITES + 1))), 1e-9);
  rnnwf_model *m = chain_model(RNNWF_CELL_GRU, SITES, 16, RNNWF_PHASE_NONE, 7);
  rnnwf_vmc *v = new_vmc(vmc_config(optimizer, n_samples, lr0));
  rnnwf_vmc_stats stats;
  double first = 0.0;
  for (int k = 0; k < steps; k++) {
    /* A geometric learning-rate schedule, set from the host. */
    OK(rnnwf_vmc_set_learning_rate(v, lr0 * pow(lr1 / lr0, (double)k / steps)));
    memset(&stats, 0, sizeof stats);
    stats.struct_size = sizeof stats;
    OK(rnnwf_vmc_step(v, m, h, &stats));
    CHECK(stats.step == (uint64_t)k);
    CHECK(stats.energy.n == n_samples);
    CHECK(isfinite(stats.energy.mean_re) && stats.energy.mean_im == 0.0);
    CHECK(isfinite(stats.grad_norm) && stats.seconds >= 0.0);
    if (k == 0) first = stats.energy.mean_re;
  }
  rnnwf_complex exact;
  OK(rnnwf_exact_expectation(m, h, &exact));
  CHECK(exact.re >= e0 - 1e-9); /* the variational principle */
  CHECK(exact.re < first);      /* training lowered the energy */
  *e_exact_out = e0;
  rnnwf_vmc_free(v);
  rnnwf_model_free(m);
  rnnwf_hamiltonian_free(h);
  return (exact.re - e0) / fabs(e0);
}

static void test_training_reaches_the_ground_energy(int quick) {
  /* The exact energy of the trained model (no sampling noise in the check) against the
     Lanczos ground energy. Over 8 model and sampling seeds these schedules end at relative
     errors of 2e-4 to 4e-4 (Adam) and 2e-4 to 5e-4 (SR), from about 0.17 before training.
     The tolerance, 2e-3, is 4x the worst of those, so that a machine whose kernels round
     differently (and so trains along another path) passes too, while a run that does not
     train, or stalls at 1%, fails. A quick run (unoptimised builds, where the full runs take
     minutes) trains 10x shorter and checks only that the energy fell, variationally. */
  int div = quick ? 10 : 1;
  double e0 = 0.0;
  double adam = train_ising(RNNWF_OPT_ADAM, 512, 1e-2, 1e-3, 400 / div, &e0);
  double sr = train_ising(RNNWF_OPT_SR, 256, 5e-2, 5e-3, 150 / div, &e0);
  printf("Adam: relative error %.2e%s\n", adam, quick ? " (quick run)" : "");
  printf("SR:   relative error %.2e%s\n", sr, quick ? " (quick run)" : "");
  if (!quick) {
    CHECK(adam < 2e-3);
    CHECK(sr < 2e-3);
  }
}

/* ---- the reduction callback ---- */

typedef struct hook_state {
  int calls;
  int fail_on;     /* the call that returns non-zero (1-based); 0 = never */
  int poison_on;   /* the call that writes a NaN into the buffer; 0 = never */
  size_t lens[64]; /* buffer lengths, in call order */
} hook_state;

static int32_t identity_sum(double *buf, size_t len, void *user_data) {
  hook_state *s = user_data;
  s->calls++;
  if (s->calls <= 64) s->lens[s->calls - 1] = len;
  if (s->calls == s->fail_on) return -7;
  if (s->calls == s->poison_on) buf[0] = NAN;
  return 0; /* one process: the sum over processes is the buffer itself */
}

static void expect_same_stats(const rnnwf_vmc_stats *a, const rnnwf_vmc_stats *b) {
  CHECK(a->step == b->step);
  CHECK(memcmp(&a->energy, &b->energy, sizeof a->energy) == 0);
  CHECK(a->grad_norm == b->grad_norm);
}

static void expect_same_params(const rnnwf_model *a, const rnnwf_model *b) {
  size_t na = 0, nb = 0;
  double *pa = get_params(a, &na), *pb = get_params(b, &nb);
  CHECK(na == nb && memcmp(pa, pb, na * sizeof *pa) == 0);
  free(pa);
  free(pb);
}

static void test_callback(void) {
  rnnwf_hamiltonian *h = ising_chain();
  rnnwf_vmc_config cfg = vmc_config(RNNWF_OPT_ADAM, 200, 0.01);
  enum { STEPS = 3 };

  /* Reference run without a hook. */
  rnnwf_model *ref = chain_model(RNNWF_CELL_GRU, SITES, 8, RNNWF_PHASE_NONE, 2);
  rnnwf_vmc *v_ref = new_vmc(cfg);
  rnnwf_vmc_stats ref_stats[STEPS];
  for (int k = 0; k < STEPS; k++) {
    ref_stats[k].struct_size = sizeof ref_stats[k];
    OK(rnnwf_vmc_step(v_ref, ref, h, &ref_stats[k]));
  }
  size_t np = 0;
  OK(rnnwf_model_num_params(ref, &np));

  /* Summing over one process changes nothing: the same energies and parameters, bit for
     bit; the buffers are [sum Re E, sum Im E, n], [sum |E - mean|^2], the gradient. */
  rnnwf_model *m = chain_model(RNNWF_CELL_GRU, SITES, 8, RNNWF_PHASE_NONE, 2);
  rnnwf_vmc *v = new_vmc(cfg);
  hook_state hs;
  memset(&hs, 0, sizeof hs);
  OK(rnnwf_vmc_set_allreduce(v, identity_sum, &hs));
  rnnwf_vmc_stats stats;
  for (int k = 0; k < STEPS; k++) {
    stats.struct_size = sizeof stats;
    OK(rnnwf_vmc_step(v, m, h, &stats));
    expect_same_stats(&stats, &ref_stats[k]);
  }
  expect_same_params(m, ref);
  CHECK(hs.calls == 3 * STEPS);
  for (int k = 0; k < STEPS; k++) {
    CHECK(hs.lens[3 * k] == 10); /* the settings' fingerprint (7), then the energy sums */
    CHECK(hs.lens[3 * k + 1] == 1);
    CHECK(hs.lens[3 * k + 2] == np);
  }
  rnnwf_vmc_free(v);
  rnnwf_model_free(m);

  /* A hook that fails on its k-th call fails that step with RNNWF_ERR_CALLBACK and changes
     nothing: parameters, Adam's moments and the step counter are those before the step,
     as the same step retried with a working hook shows. */
  for (int fail_on = 4; fail_on <= 6; fail_on++) { /* each reduction of the second step */
    m = chain_model(RNNWF_CELL_GRU, SITES, 8, RNNWF_PHASE_NONE, 2);
    v = new_vmc(cfg);
    memset(&hs, 0, sizeof hs);
    hs.fail_on = fail_on;
    OK(rnnwf_vmc_set_allreduce(v, identity_sum, &hs));
    stats.struct_size = sizeof stats;
    OK(rnnwf_vmc_step(v, m, h, &stats));
    size_t n0 = 0, n1 = 0;
    double *before = get_params(m, &n0);
    rnnwf_vmc_stats untouched;
    memset(&untouched, 0x5A, sizeof untouched);
    untouched.struct_size = sizeof untouched;
    stats = untouched;
    EXPECT(rnnwf_vmc_step(v, m, h, &stats), RNNWF_ERR_CALLBACK);
    MENTIONS("rnnwf_vmc_step");
    MENTIONS("returned -7");
    CHECK(memcmp(&stats, &untouched, sizeof stats) == 0);
    CHECK(hs.calls == fail_on);
    double *after = get_params(m, &n1);
    CHECK(n0 == n1 && memcmp(before, after, n0 * sizeof *before) == 0);
    /* Retried, the step is the reference's second and third. */
    stats.struct_size = sizeof stats;
    OK(rnnwf_vmc_step(v, m, h, &stats));
    expect_same_stats(&stats, &ref_stats[1]);
    stats.struct_size = sizeof stats;
    OK(rnnwf_vmc_step(v, m, h, &stats));
    expect_same_stats(&stats, &ref_stats[2]);
    expect_same_params(m, ref);
    free(before);
    free(after);
    rnnwf_vmc_free(v);
    rnnwf_model_free(m);
  }

  /* A hook that returns NaN: RNNWF_ERR_NUMERICAL, nothing changed. */
  m = chain_model(RNNWF_CELL_GRU, SITES, 8, RNNWF_PHASE_NONE, 2);
  v = new_vmc(cfg);
  memset(&hs, 0, sizeof hs);
  hs.poison_on = 3;
  OK(rnnwf_vmc_set_allreduce(v, identity_sum, &hs));
  size_t n0 = 0;
  double *initial = get_params(m, &n0);
  stats.struct_size = sizeof stats;
  EXPECT(rnnwf_vmc_step(v, m, h, &stats), RNNWF_ERR_NUMERICAL);
  MENTIONS("allreduce");
  double *now = get_params(m, &n0);
  CHECK(memcmp(initial, now, n0 * sizeof *now) == 0);
  free(now);
  /* Cleared with NULL: the hook is not called any more; the step is the reference's first. */
  OK(rnnwf_vmc_set_allreduce(v, NULL, NULL));
  int calls = hs.calls;
  stats.struct_size = sizeof stats;
  OK(rnnwf_vmc_step(v, m, h, &stats));
  CHECK(hs.calls == calls);
  expect_same_stats(&stats, &ref_stats[0]);
  EXPECT(rnnwf_vmc_set_allreduce(NULL, identity_sum, &hs), RNNWF_ERR_NULL_POINTER);
  rnnwf_vmc_free(v);

  /* With a temperature the free energy's sums are reduced too: 3, 1, 3, 1, gradient. */
  cfg.temperature = 0.5;
  v = new_vmc(cfg);
  memset(&hs, 0, sizeof hs);
  OK(rnnwf_vmc_set_allreduce(v, identity_sum, &hs));
  stats.struct_size = sizeof stats;
  OK(rnnwf_vmc_step(v, m, h, &stats));
  CHECK(hs.calls == 5);
  CHECK(hs.lens[0] == 10 && hs.lens[1] == 1 && hs.lens[2] == 3 && hs.lens[3] == 1);
  CHECK(hs.lens[4] == np);
  rnnwf_vmc_free(v);

  /* SR with a hook: conjugate gradient over the processes' samples. On one process it
     solves the same system as the sample-space solve, so the update agrees to round-off. */
  double *p0 = get_params(m, &n0);
  rnnwf_model *m_cg = NULL, *m_direct = NULL;
  OK(rnnwf_model_clone(m, &m_cg));
  OK(rnnwf_model_clone(m, &m_direct));
  v = new_vmc(vmc_config(RNNWF_OPT_SR, 100, 0.05));
  memset(&hs, 0, sizeof hs);
  OK(rnnwf_vmc_set_allreduce(v, identity_sum, &hs));
  stats.struct_size = sizeof stats;
  OK(rnnwf_vmc_step(v, m_cg, h, &stats));
  CHECK(hs.calls > 5); /* 3, 1, 2 np, np, then one per CG iteration */
  CHECK(hs.lens[0] == 10 && hs.lens[1] == 1 && hs.lens[2] == 2 * np && hs.lens[3] == np);
  /* a CG product, three votes and the fingerprint of the search direction (7) */
  CHECK(hs.lens[4] == np + 10);
  rnnwf_vmc_free(v);
  v = new_vmc(vmc_config(RNNWF_OPT_SR, 100, 0.05));
  stats.struct_size = sizeof stats;
  OK(rnnwf_vmc_step(v, m_direct, h, &stats));
  rnnwf_vmc_free(v);
  double *p1 = get_params(m_cg, &n0);
  double *p2 = get_params(m_direct, &n0);
  double worst = 0.0, moved = 0.0;
  for (size_t k = 0; k < n0; k++) {
    worst = fmax(worst, fabs(p1[k] - p2[k]));
    moved = fmax(moved, fabs(p2[k] - p0[k]));
  }
  CHECK(moved > 1e-4);        /* the step did something */
  CHECK(worst < 1e-8 * moved); /* and both solves agree */
  free(p2);
  rnnwf_model_free(m_cg);
  rnnwf_model_free(m_direct);

  free(initial);
  free(p0);
  free(p1);
  rnnwf_model_free(m);
  rnnwf_vmc_free(v_ref);
  rnnwf_model_free(ref);
  rnnwf_hamiltonian_free(h);
}

/* ---- checkpoints ---- */

static void resume(uint32_t optimizer) {
  rnnwf_hamiltonian *h = ising_chain();
  enum { K = 3, M = 3 };
  rnnwf_model *m = chain_model(RNNWF_CELL_GRU, SITES, 8, RNNWF_PHASE_NONE, 4);
  rnnwf_vmc_config cfg = vmc_config(optimizer, 128, optimizer == RNNWF_OPT_ADAM ? 0.01 : 0.05);
  rnnwf_vmc *v = new_vmc(cfg);
  rnnwf_vmc_stats stats, later[M];
  uint64_t count = 99;
  OK(rnnwf_vmc_step_count(v, &count));
  CHECK(count == 0);
  for (int k = 0; k < K; k++) {
    stats.struct_size = sizeof stats;
    OK(rnnwf_vmc_step(v, m, h, &stats));
    OK(rnnwf_vmc_step_count(v, &count));
    CHECK(count == (uint64_t)k + 1); /* the index the next step reports */
  }
  OK(rnnwf_vmc_set_learning_rate(v, cfg.learning_rate / 2)); /* a schedule */
  char model_path[2048], vmc_path[2048];
  snprintf(model_path, sizeof model_path, "%s", scratch_path("model.safetensors"));
  snprintf(vmc_path, sizeof vmc_path, "%s", scratch_path("vmc.safetensors"));
  OK(rnnwf_model_save(m, model_path));
  OK(rnnwf_vmc_save(v, vmc_path));
  rnnwf_vmc_config saved;
  saved.struct_size = sizeof saved;
  OK(rnnwf_vmc_get_config(v, &saved));
  for (int k = 0; k < M; k++) {
    later[k].struct_size = sizeof later[k];
    OK(rnnwf_vmc_step(v, m, h, &later[k]));
  }

  /* A fresh model and a run with other settings, loaded from the two files. */
  rnnwf_model *m2 = NULL;
  OK(rnnwf_model_load(model_path, &m2));
  rnnwf_vmc *v2 = new_vmc(vmc_config(RNNWF_OPT_SGD, 10, 0.3));
  OK(rnnwf_vmc_step_count(v2, &count));
  CHECK(count == 0);
  OK(rnnwf_vmc_load(v2, vmc_path));
  /* The count comes back with the checkpoint, not from the run that loads it. */
  OK(rnnwf_vmc_step_count(v2, &count));
  CHECK(count == (uint64_t)K);
  EXPECT(rnnwf_vmc_step_count(NULL, &count), RNNWF_ERR_NULL_POINTER);
  EXPECT(rnnwf_vmc_step_count(v2, NULL), RNNWF_ERR_NULL_POINTER);
  rnnwf_vmc_config got;
  got.struct_size = sizeof got;
  OK(rnnwf_vmc_get_config(v2, &got));
  CHECK(memcmp(&got, &saved, sizeof got) == 0);
  for (int k = 0; k < M; k++) {
    stats.struct_size = sizeof stats;
    OK(rnnwf_vmc_step(v2, m2, h, &stats));
    CHECK(stats.step == (uint64_t)(K + k));
    expect_same_stats(&stats, &later[k]);
  }
  OK(rnnwf_vmc_step_count(v2, &count));
  CHECK(count == (uint64_t)(K + M));
  expect_same_params(m2, m);
  CHECK(later[0].energy.mean_re != later[M - 1].energy.mean_re);
  rnnwf_vmc_free(v2);
  rnnwf_model_free(m2);
  rnnwf_vmc_free(v);
  rnnwf_model_free(m);
  rnnwf_hamiltonian_free(h);
}

static void write_bytes(const char *path, const unsigned char *bytes, size_t len) {
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  CHECK(fwrite(bytes, 1, len, f) == len);
  fclose(f);
}

static unsigned char *read_bytes(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  CHECK(f != NULL);
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  CHECK(size > 0);
  fseek(f, 0, SEEK_SET);
  unsigned char *bytes = malloc((size_t)size);
  CHECK(bytes != NULL && fread(bytes, 1, (size_t)size, f) == (size_t)size);
  fclose(f);
  *len = (size_t)size;
  return bytes;
}

static void test_checkpoints(void) {
  resume(RNNWF_OPT_ADAM);
  resume(RNNWF_OPT_SGD);
  resume(RNNWF_OPT_SR);

  /* Failed loads leave the run as it was; errors name the file. */
  rnnwf_vmc_config cfg = vmc_config(RNNWF_OPT_ADAM, 64, 0.02);
  rnnwf_vmc *v = new_vmc(cfg);
  char good[2048], damaged[2048];
  snprintf(good, sizeof good, "%s", scratch_path("good.safetensors"));
  snprintf(damaged, sizeof damaged, "%s", scratch_path("damaged.safetensors"));
  rnnwf_model *m = chain_model(RNNWF_CELL_GRU, SITES, 8, RNNWF_PHASE_NONE, 4);
  rnnwf_hamiltonian *h = ising_chain();
  rnnwf_vmc_stats stats;
  stats.struct_size = sizeof stats;
  OK(rnnwf_vmc_step(v, m, h, &stats));
  OK(rnnwf_vmc_save(v, good));
  rnnwf_vmc *other = new_vmc(vmc_config(RNNWF_OPT_SGD, 10, 0.3));
  rnnwf_vmc_config before, after;
  before.struct_size = sizeof before;
  OK(rnnwf_vmc_get_config(other, &before));

  EXPECT(rnnwf_vmc_load(other, scratch_path("missing.safetensors")), RNNWF_ERR_IO);
  MENTIONS("missing.safetensors");
  size_t len = 0;
  unsigned char *bytes = read_bytes(good, &len);
  write_bytes(damaged, bytes, len / 2);
  EXPECT(rnnwf_vmc_load(other, damaged), RNNWF_ERR_FORMAT);
  MENTIONS("damaged.safetensors");
  for (size_t i = 0; i < len; i += 61) { /* a spread of single-bit flips */
    bytes[i] ^= (unsigned char)(1u << (i % 8));
    write_bytes(damaged, bytes, len);
    EXPECT(rnnwf_vmc_load(other, damaged), RNNWF_ERR_FORMAT);
    bytes[i] ^= (unsigned char)(1u << (i % 8));
  }
  char model_file[2048];
  snprintf(model_file, sizeof model_file, "%s", scratch_path("model-only.safetensors"));
  OK(rnnwf_model_save(m, model_file));
  EXPECT(rnnwf_vmc_load(other, model_file), RNNWF_ERR_FORMAT);
  MENTIONS("rnnwf-model");
  rnnwf_model *not_a_model = NULL;
  EXPECT(rnnwf_model_load(good, &not_a_model), RNNWF_ERR_FORMAT);
  MENTIONS("rnnwf-optimizer");
  CHECK(not_a_model == NULL);
  after.struct_size = sizeof after;
  OK(rnnwf_vmc_get_config(other, &after));
  CHECK(memcmp(&before, &after, sizeof before) == 0);

  EXPECT(rnnwf_vmc_save(NULL, good), RNNWF_ERR_NULL_POINTER);
  EXPECT(rnnwf_vmc_save(v, NULL), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`path`");
  EXPECT(rnnwf_vmc_save(v, ""), RNNWF_ERR_INVALID_ARGUMENT);
  EXPECT(rnnwf_vmc_save(v, scratch_path("no-such-dir/vmc.safetensors")), RNNWF_ERR_IO);
  MENTIONS("no-such-dir");
  EXPECT(rnnwf_vmc_load(NULL, good), RNNWF_ERR_NULL_POINTER);
  EXPECT(rnnwf_vmc_load(other, NULL), RNNWF_ERR_NULL_POINTER);
  EXPECT(rnnwf_vmc_load(other, ""), RNNWF_ERR_INVALID_ARGUMENT);

  /* Adam state of a model with another parameter count: the next step refuses it. */
  OK(rnnwf_vmc_load(other, good));
  rnnwf_model *bigger = chain_model(RNNWF_CELL_GRU, SITES, 12, RNNWF_PHASE_NONE, 4);
  size_t n0 = 0;
  double *p0 = get_params(bigger, &n0);
  stats.struct_size = sizeof stats;
  EXPECT(rnnwf_vmc_step(other, bigger, h, &stats), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("parameters");
  double *p1 = get_params(bigger, &n0);
  CHECK(memcmp(p0, p1, n0 * sizeof *p0) == 0);
  stats.struct_size = sizeof stats;
  OK(rnnwf_vmc_step(other, m, h, &stats)); /* its own model is fine */
  CHECK(stats.step == 1);

  free(p0);
  free(p1);
  free(bytes);
  rnnwf_model_free(bigger);
  rnnwf_vmc_free(other);
  rnnwf_hamiltonian_free(h);
  rnnwf_model_free(m);
  rnnwf_vmc_free(v);
}

/* ---- reconstruction from data ---- */

static void test_fit_step(void) {
  enum { N = 1000, STEPS = 150 };
  rnnwf_model *target = chain_model(RNNWF_CELL_GRU, SITES, 8, RNNWF_PHASE_NONE, 100);
  /* Larger weights make a more peaked distribution, far from the learner's at the start. */
  size_t nt = 0;
  double *pt = get_params(target, &nt);
  for (size_t i = 0; i < nt; i++) pt[i] *= 4.0;
  OK(rnnwf_model_set_params(target, pt, nt));
  free(pt);
  static uint8_t data[N * SITES];
  OK(rnnwf_sample(target, 5, N, data, NULL));
  /* The target's entropy -<ln P>, estimated on the same data: the floor of the NLL. */
  static rnnwf_complex lp[N];
  OK(rnnwf_log_psi(target, data, N, lp));
  double entropy = 0.0;
  for (int i = 0; i < N; i++) entropy -= 2.0 * lp[i].re / N;

  rnnwf_model *m = chain_model(RNNWF_CELL_GRU, SITES, 8, RNNWF_PHASE_NONE, 200);
  rnnwf_vmc *v = new_vmc(vmc_config(RNNWF_OPT_ADAM, 1, 0.02));
  hook_state hs;
  memset(&hs, 0, sizeof hs);
  OK(rnnwf_vmc_set_allreduce(v, identity_sum, &hs));
  double first = 0.0, nll = 0.0;
  for (int k = 0; k < STEPS; k++) {
    OK(rnnwf_fit_step(v, m, data, N, &nll));
    if (k == 0) first = nll;
  }
  size_t np = 0;
  OK(rnnwf_model_num_params(m, &np));
  CHECK(hs.calls == 2 * STEPS && hs.lens[0] == 9 && hs.lens[1] == np);
  printf("fit: NLL %.4f -> %.4f (entropy of the data under the target %.4f)\n", first, nll,
         entropy);
  /* The NLL fell by most of its excess over the target's own. */
  CHECK(first - entropy > 0.2);
  CHECK(nll - entropy < 0.25 * (first - entropy));
  CHECK(nll > entropy - 0.1);

  /* Bad input: nothing changes. */
  size_t n0 = 0;
  double *p0 = get_params(m, &n0);
  double untouched = 123.0;
  EXPECT(rnnwf_fit_step(v, m, data, 0, &untouched), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("n = 0");
  uint8_t bad[2 * SITES] = {0, 1, 0, 1, 0, 1, 1, 1, 0, 2, 0, 0};
  EXPECT(rnnwf_fit_step(v, m, bad, 2, &untouched), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("data: configs[1][3] = 2");
  EXPECT(rnnwf_fit_step(v, m, NULL, 2, &untouched), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`data`");
  EXPECT(rnnwf_fit_step(v, m, data, N, NULL), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`nll_out`");
  EXPECT(rnnwf_fit_step(NULL, m, data, N, &untouched), RNNWF_ERR_NULL_POINTER);
  EXPECT(rnnwf_fit_step(v, NULL, data, N, &untouched), RNNWF_ERR_NULL_POINTER);
  EXPECT(rnnwf_fit_step(v, m, data, SIZE_MAX / 2, &untouched), RNNWF_ERR_BUFFER_SIZE);
  /* A failing hook: RNNWF_ERR_CALLBACK on either reduction. */
  hs.fail_on = hs.calls + 1;
  EXPECT(rnnwf_fit_step(v, m, data, N, &untouched), RNNWF_ERR_CALLBACK);
  hs.fail_on = hs.calls + 2;
  EXPECT(rnnwf_fit_step(v, m, data, N, &untouched), RNNWF_ERR_CALLBACK);
  CHECK(untouched == 123.0);
  double *p1 = get_params(m, &n0);
  CHECK(memcmp(p0, p1, n0 * sizeof *p0) == 0);
  /* SR is defined for energies only. */
  rnnwf_vmc *sr = new_vmc(vmc_config(RNNWF_OPT_SR, 10, 0.1));
  EXPECT(rnnwf_fit_step(sr, m, data, N, &untouched), RNNWF_ERR_UNSUPPORTED);
  MENTIONS("minSR");
  /* Data outside a model's U(1) subspace has P = 0. */
  rnnwf_model_config cfg;
  OK(rnnwf_model_config_init(&cfg));
  cfg.lx = SITES;
  cfg.hidden = 4;
  cfg.u1_total = 3;
  rnnwf_model *u1 = NULL;
  OK(rnnwf_model_new(&cfg, &u1));
  rnnwf_vmc *fresh = new_vmc(vmc_config(RNNWF_OPT_ADAM, 1, 0.1));
  const uint8_t two_down[SITES] = {1, 1, 0, 0, 0, 0};
  EXPECT(rnnwf_fit_step(fresh, u1, two_down, 1, &untouched), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("probability 0");

  free(p0);
  free(p1);
  rnnwf_vmc_free(fresh);
  rnnwf_model_free(u1);
  rnnwf_vmc_free(sr);
  rnnwf_vmc_free(v);
  rnnwf_model_free(m);
  rnnwf_model_free(target);
}

static void test_step_refusals(void) {
  rnnwf_hamiltonian *h = ising_chain();
  rnnwf_hamiltonian *small = NULL;
  OK(rnnwf_hamiltonian_tfim(4, 1, 0, 1.0, 1.0, &small));
  rnnwf_model *m = chain_model(RNNWF_CELL_GRU, SITES, 8, RNNWF_PHASE_NONE, 4);
  rnnwf_vmc *v = new_vmc(vmc_config(RNNWF_OPT_ADAM, 64, 0.01));
  rnnwf_vmc_stats stats;
  size_t n0 = 0;
  double *p0 = get_params(m, &n0);
  stats.struct_size = sizeof stats;
  EXPECT(rnnwf_vmc_step(v, m, small, &stats), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("4 sites but the model has 6");
  stats.struct_size = sizeof stats;
  EXPECT(rnnwf_vmc_step(NULL, m, h, &stats), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`v`");
  stats.struct_size = sizeof stats;
  EXPECT(rnnwf_vmc_step(v, NULL, h, &stats), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`m`");
  EXPECT(rnnwf_vmc_step(v, m, NULL, &stats), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`h`");
  EXPECT(rnnwf_vmc_step(v, m, h, NULL), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`out`");
  /* Stats whose struct_size the caller did not set (0) or set beyond the library's size:
     refused before the step runs, nothing written. */
  memset(&stats, 0, sizeof stats);
  EXPECT(rnnwf_vmc_step(v, m, h, &stats), RNNWF_ERR_INVALID_ARGUMENT);
  MENTIONS("out->struct_size = 0");
  MENTIONS("sizeof(rnnwf_vmc_stats)");
  CHECK(stats.step == 0 && stats.energy.n == 0);
  stats.struct_size = sizeof stats + 8;
  EXPECT(rnnwf_vmc_step(v, m, h, &stats), RNNWF_ERR_INVALID_ARGUMENT);
  CHECK(stats.energy.n == 0);
  double *p1 = get_params(m, &n0);
  CHECK(memcmp(p0, p1, n0 * sizeof *p0) == 0);
  /* Nothing counted: the first step that runs is step 0. */
  stats.struct_size = sizeof stats;
  OK(rnnwf_vmc_step(v, m, h, &stats));
  CHECK(stats.step == 0);
  free(p0);
  free(p1);
  rnnwf_vmc_free(v);
  rnnwf_model_free(m);
  rnnwf_hamiltonian_free(small);
  rnnwf_hamiltonian_free(h);
}

/* rnnwf_vmc_cancel from another thread during a step (a long one: many chunks of 256
 * samples on a 64-site chain) stops it with RNNWF_ERR_CANCELLED, nothing changed; a request
 * made between steps cancels the next one; rnnwf_vmc_clear_cancel drops one. */
struct canceller {
  const rnnwf_vmc *v;
  unsigned delay_us;
};

static void *cancel_later(void *arg) {
  const struct canceller *c = arg;
  usleep(c->delay_us);
  OK(rnnwf_vmc_cancel(c->v));
  return NULL;
}

static double seconds_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void test_cancel(void) {
  rnnwf_hamiltonian *h = NULL;
  OK(rnnwf_hamiltonian_tfim(64, 1, 0, 1.0, 1.0, &h));
  rnnwf_model *m = chain_model(RNNWF_CELL_GRU, 64, 32, RNNWF_PHASE_NONE, 4);
  rnnwf_vmc *v = new_vmc(vmc_config(RNNWF_OPT_SGD, 4096, 0.01));
  rnnwf_vmc_stats stats;
  stats.struct_size = sizeof stats;
  EXPECT(rnnwf_vmc_cancel(NULL), RNNWF_ERR_NULL_POINTER);
  MENTIONS("`v`");
  EXPECT(rnnwf_vmc_clear_cancel(NULL), RNNWF_ERR_NULL_POINTER);
  CHECK(strcmp(rnnwf_status_name(RNNWF_ERR_CANCELLED), "RNNWF_ERR_CANCELLED") == 0);
  double start = seconds_now();
  OK(rnnwf_vmc_step(v, m, h, &stats));
  double whole = seconds_now() - start;
  size_t n0 = 0;
  double *p0 = get_params(m, &n0);
  struct canceller c = {v, (unsigned)(whole / 10 * 1e6)};
  pthread_t thread;
  CHECK(pthread_create(&thread, NULL, cancel_later, &c) == 0);
  start = seconds_now();
  EXPECT(rnnwf_vmc_step(v, m, h, &stats), RNNWF_ERR_CANCELLED);
  double stopped = seconds_now() - start;
  CHECK(pthread_join(thread, NULL) == 0);
  MENTIONS("cancelled");
  CHECK(stopped < whole / 2);
  double *p1 = get_params(m, &n0);
  CHECK(memcmp(p0, p1, n0 * sizeof *p0) == 0);
  /* Between steps: the next step is cancelled (the request was not lost), then runs. */
  OK(rnnwf_vmc_cancel(v));
  EXPECT(rnnwf_vmc_step(v, m, h, &stats), RNNWF_ERR_CANCELLED);
  OK(rnnwf_vmc_cancel(v));
  OK(rnnwf_vmc_clear_cancel(v));
  OK(rnnwf_vmc_step(v, m, h, &stats));
  CHECK(stats.step == 1);
  free(p0);
  free(p1);
  rnnwf_vmc_free(v);
  rnnwf_model_free(m);
  rnnwf_hamiltonian_free(h);
}

/* SR + Adam: Adam applied to the natural gradient, so its first step moves no parameter by
 * more than the learning rate (|m/sqrt(v)| <= 1), unlike SGD after SR; SR + SGD is
 * RNNWF_OPT_SR exactly; fit_step refuses SR. */
static void test_preconditioner(void) {
  rnnwf_hamiltonian *h = ising_chain();
  rnnwf_vmc_config cfg = vmc_config(RNNWF_OPT_ADAM, 64, 0.01);
  cfg.preconditioner = RNNWF_PRECONDITIONER_SR;
  rnnwf_vmc *v = new_vmc(cfg);
  rnnwf_vmc_config got;
  got.struct_size = sizeof got;
  OK(rnnwf_vmc_get_config(v, &got));
  CHECK(memcmp(&got, &cfg, sizeof got) == 0);
  CHECK(got.optimizer == RNNWF_OPT_ADAM && got.preconditioner == RNNWF_PRECONDITIONER_SR);
  rnnwf_model *m = chain_model(RNNWF_CELL_GRU, SITES, 8, RNNWF_PHASE_NONE, 7);
  size_t n = 0;
  double *p0 = get_params(m, &n);
  rnnwf_vmc_stats stats;
  stats.struct_size = sizeof stats;
  OK(rnnwf_vmc_step(v, m, h, &stats));
  CHECK(stats.step == 0 && isfinite(stats.grad_norm) && stats.grad_norm > 0.0);
  CHECK(stats.sr_solver == RNNWF_SR_SOLVER_CHOLESKY);
  double *p1 = get_params(m, &n);
  size_t near_lr = 0;
  for (size_t k = 0; k < n; k++) {
    double moved = fabs(p1[k] - p0[k]);
    CHECK(moved <= 0.01 * (1.0 + 1e-12));
    if (moved > 0.009) near_lr++;
  }
  CHECK(near_lr > n / 2);
  uint8_t data[SITES] = {0, 1, 0, 1, 0, 1};
  double nll = 123.0;
  EXPECT(rnnwf_fit_step(v, m, data, 1, &nll), RNNWF_ERR_UNSUPPORTED);
  MENTIONS("SR");
  CHECK(nll == 123.0);
  rnnwf_vmc_free(v);

  /* SGD after the SR preconditioner is RNNWF_OPT_SR, bit for bit. */
  rnnwf_model *a = chain_model(RNNWF_CELL_GRU, SITES, 8, RNNWF_PHASE_NONE, 7);
  rnnwf_model *b = chain_model(RNNWF_CELL_GRU, SITES, 8, RNNWF_PHASE_NONE, 7);
  rnnwf_vmc *minsr = new_vmc(vmc_config(RNNWF_OPT_SR, 64, 0.05));
  rnnwf_vmc_config sgd_sr = vmc_config(RNNWF_OPT_SGD, 64, 0.05);
  sgd_sr.preconditioner = RNNWF_PRECONDITIONER_SR;
  rnnwf_vmc *pipeline = new_vmc(sgd_sr);
  rnnwf_vmc_stats sa, sb;
  for (int k = 0; k < 3; k++) {
    sa.struct_size = sizeof sa;
    OK(rnnwf_vmc_step(minsr, a, h, &sa));
    sb.struct_size = sizeof sb;
    OK(rnnwf_vmc_step(pipeline, b, h, &sb));
    expect_same_stats(&sa, &sb);
    CHECK(sa.sr_solver == RNNWF_SR_SOLVER_CHOLESKY && sb.sr_solver == sa.sr_solver);
  }
  expect_same_params(a, b);
  rnnwf_vmc_free(minsr);
  rnnwf_vmc_free(pipeline);
  rnnwf_model_free(a);
  rnnwf_model_free(b);
  free(p0);
  free(p1);
  rnnwf_model_free(m);
  rnnwf_hamiltonian_free(h);
}

int main(int argc, char **argv) {
  int quick = argc == 3 && strcmp(argv[2], "quick") == 0;
  if (argc != 2 && !quick) {
    fprintf(stderr, "usage: %s SCRATCH_DIR [quick]\n", argv[0]);
    return 2;
  }
  snprintf(scratch, sizeof scratch, "%s", argv[1]);
  test_config();
  test_bad_config();
  test_step_refusals();
  test_cancel();
  test_callback();
  test_checkpoints();
  test_fit_step();
  test_preconditioner();
  test_training_reaches_the_ground_energy(quick);
  printf("test_training: %d checks passed\n", checks);
  return 0;
}
