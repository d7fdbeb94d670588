/* Checks shared by the C test programs (test_model.c, test_operators.c, test_training.c): each failed
 * check prints where and the library's last error, then exits 1. */
#ifndef RNNWF_TEST_CHECK_H
#define RNNWF_TEST_CHECK_H

#include "rnnwf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int checks = 0;

static inline const char *last_error(void) {
  static char buf[2048];
  rnnwf_last_error(buf, sizeof buf);
  return buf;
}

#define CHECK(cond)                                                                    \
  do {                                                                                 \
    checks++;                                                                          \
    if (!(cond)) {                                                                     \
      fprintf(stderr, "%s:%d: check failed: %s\n  last error: %s\n", __FILE__,        \
              __LINE__, #cond, last_error());                                          \
      exit(1);                                                                         \
    }                                                                                  \
  } while (0)

#define EXPECT(call, expected)                                                         \
  do {                                                                                 \
    rnnwf_status status_ = (call);                                                     \
    checks++;                                                                          \
    if (status_ != (expected)) {                                                       \
      fprintf(stderr, "%s:%d: %s returned %s, expected %s\n  last error: %s\n",       \
              __FILE__, __LINE__, #call, rnnwf_status_name(status_),                   \
              rnnwf_status_name(expected), last_error());                              \
      exit(1);                                                                         \
    }                                                                                  \
  } while (0)

#define OK(call) EXPECT(call, RNNWF_OK)

/* The last error names the problem. */
#define MENTIONS(needle)                                                               \
  do {                                                                                 \
    checks++;                                                                          \
    if (strstr(last_error(), (needle)) == NULL) {                                      \
      fprintf(stderr, "%s:%d: last error \"%s\" does not mention \"%s\"\n", __FILE__,  \
              __LINE__, last_error(), (needle));                                       \
      exit(1);                                                                         \
    }                                                                                  \
  } while (0)

/* |a - b| <= tol, printing both on failure. */
#define CLOSE(a, b, tol)                                                               \
  do {                                                                                 \
    double a_ = (a), b_ = (b), tol_ = (tol);                                           \
    checks++;                                                                          \
    if (!(fabs(a_ - b_) <= tol_)) {                                                    \
      fprintf(stderr, "%s:%d: %s = %.15g and %s = %.15g differ by more than %g\n",     \
              __FILE__, __LINE__, #a, a_, #b, b_, tol_);                               \
      exit(1);                                                                         \
    }                                                                                  \
  } while (0)

static inline rnnwf_model *chain_model(uint32_t cell, uint32_t sites, uint32_t hidden,
                                       uint32_t phase, uint64_t seed) {
  rnnwf_model_config cfg;
  OK(rnnwf_model_config_init(&cfg));
  cfg.cell = cell;
  cfg.lx = sites;
  cfg.hidden = hidden;
  cfg.phase = phase;
  cfg.seed = seed;
  rnnwf_model *m = NULL;
  OK(rnnwf_model_new(&cfg, &m));
  CHECK(m != NULL);
  return m;
}

static inline size_t num_terms(const rnnwf_hamiltonian *h) {
  size_t n = 0;
  OK(rnnwf_hamiltonian_num_terms(h, &n));
  return n;
}

static inline double *get_params(const rnnwf_model *m, size_t *count) {
  OK(rnnwf_model_num_params(m, count));
  double *p = malloc(*count * sizeof *p);
  CHECK(p != NULL);
  OK(rnnwf_model_get_params(m, p, *count));
  return p;
}

#endif
