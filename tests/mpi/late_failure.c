/* Failures late in a step, on one rank only, under MPI (issue 28 item 4):
 *
 * 1. A reduction on rank 1 that perturbs its sums in the last bits (an MPI whose allreduce
 *    is not bit-identical across ranks), from the second reduction of each step on: SR by
 *    conjugate gradient must stop at the same iteration on every rank, so every rank makes
 *    the same number of reductions and the job neither hangs nor dies of mismatched
 *    messages (MPI_ERR_TRUNCATE); and every step succeeds on both ranks, which agree on the
 *    energy and the parameters to rounding. (Before the CG averaged the ranks' directions
 *    once they differ, the iterates drifted apart until the curvature turned negative near
 *    iteration 30, and every step failed with RNNWF_ERR_NUMERICAL on both ranks.)
 * 2. Rank 1 alone under an address-space limit that holds the samples and local energies but
 *    not the gradient pass's tape (one row of a 2^17-site chain: well over the headroom):
 *    its memory refusal comes after the step's first reductions. Rank 1 returns
 *    RNNWF_ERR_OUT_OF_MEMORY, rank 0 RNNWF_ERR_NUMERICAL (rank 1 joins the next reduction
 *    with NaN), both within seconds; with the limit lifted, a good step succeeds on both
 *    with both ranks' samples. For SGD (the weighted gradient) and SR (per-sample
 *    derivatives).
 * 3. rnnwf_vmc_cancel on rank 1 alone, called by its hook right after a reduction inside a
 *    step (in the gradient pass, and inside SR's conjugate gradient): both ranks return
 *    RNNWF_ERR_CANCELLED after the same reductions, the model unchanged, and the next step
 *    succeeds on both.
 *
 * Build and run (tests/mpi.rs does):
 *   mpicc -std=c11 -Iinclude tests/mpi/late_failure.c -Ltarget/release -lrnnwf \
 *         -Wl,-rpath,$PWD/target/release -lm -o late_failure
 *   mpirun -np 2 ./late_failure
 * Rank 0 prints "late_failure: N checks passed" last; a failed check aborts the job. */
#define _DEFAULT_SOURCE
#include <mpi.h>

#include "rnnwf.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* A failed step must return on every rank well within this. */
#define MAX_SECONDS 60.0

#include "check.h"

/* Reductions made in the current step, whether rank 1 perturbs them, and after which of
 * them (from 1; 0 = never) rank 1 cancels the step of `cancelled`. */
static long calls = 0;
static int perturb = 0;
static long cancel_after = 0;
static const rnnwf_vmc *cancelled = NULL;

static int32_t sum_over_ranks(double *buf, size_t len, void *user_data) {
  (void)user_data;
  if (len > INT_MAX) return -1;
  if (MPI_Allreduce(MPI_IN_PLACE, buf, (int)len, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD) !=
      MPI_SUCCESS) {
    return 1;
  }
  /* The first reduction carries the configuration's fingerprint, compared exactly. */
  if (perturb && rank == 1 && calls > 0) {
    for (size_t i = 0; i < len; i++) buf[i] *= 1.0 + 0x1p-52;
  }
  calls++;
  if (rank == 1 && calls == cancel_after) OK(rnnwf_vmc_cancel(cancelled));
  return 0;
}

static rnnwf_model *chain(uint32_t sites, uint32_t hidden) {
  rnnwf_model_config cfg;
  OK(rnnwf_model_config_init(&cfg));
  cfg.cell = RNNWF_CELL_GRU;
  cfg.lx = sites;
  cfg.hidden = hidden;
  cfg.phase = RNNWF_PHASE_SOFTSIGN;
  rnnwf_model *m = NULL;
  OK(rnnwf_model_new(&cfg, &m));
  return m;
}

static rnnwf_vmc *driver(uint32_t optimizer, uint64_t samples) {
  rnnwf_vmc_config cfg;
  OK(rnnwf_vmc_config_init(&cfg));
  cfg.optimizer = optimizer;
  cfg.n_samples = samples;
  cfg.learning_rate = 1e-2;
  cfg.sr_diag_shift = 1e-2;
  cfg.seed = 100 + (uint64_t)rank;
  rnnwf_vmc *v = NULL;
  OK(rnnwf_vmc_new(&cfg, &v));
  OK(rnnwf_vmc_set_allreduce(v, sum_over_ranks, NULL));
  return v;
}

/* The step's status and reduction count on every rank; rank 0 prints them. */
static void report(const char *what, rnnwf_status status, double seconds) {
  int32_t mine[2] = {status, (int32_t)calls}, all[2 * 64];
  double times[64];
  CHECK(ranks <= 64);
  MPI_Allgather(mine, 2, MPI_INT32_T, all, 2, MPI_INT32_T, MPI_COMM_WORLD);
  MPI_Gather(&seconds, 1, MPI_DOUBLE, times, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  if (rank == 0) {
    for (int r = 0; r < ranks; r++) {
      printf("rank %d: %s returned %s after %d reductions in %.3f s\n", r, what,
             rnnwf_status_name(all[2 * r]), all[2 * r + 1], times[r]);
    }
  }
  for (int r = 0; r < ranks; r++) CHECK(all[2 * r + 1] == all[1]);
  CHECK(seconds < MAX_SECONDS);
}

static rnnwf_status timed_step(const char *what, rnnwf_vmc *v, rnnwf_model *m,
                               const rnnwf_hamiltonian *h, rnnwf_vmc_stats *stats) {
  calls = 0;
  stats->struct_size = sizeof *stats;
  double start = MPI_Wtime();
  rnnwf_status status = rnnwf_vmc_step(v, m, h, stats);
  report(what, status, MPI_Wtime() - start);
  return status;
}

/* Part 1: sums perturbed in the last bits on rank 1, SR by conjugate gradient. */
static void perturbed_sums(void) {
  enum { SITES = 8, SAMPLES = 64 };
  rnnwf_model *m = chain(SITES, 8);
  rnnwf_hamiltonian *h = NULL;
  OK(rnnwf_hamiltonian_tfim(SITES, 1, 0, 1.0, 1.0, &h));
  rnnwf_vmc *v = driver(RNNWF_OPT_SR, SAMPLES);
  perturb = 1;
  for (int step = 0; step < 8; step++) {
    rnnwf_vmc_stats stats;
    rnnwf_status status = timed_step("SR step with rank 1's sums perturbed", v, m, h, &stats);
    int32_t statuses[64];
    MPI_Allgather(&status, 1, MPI_INT32_T, statuses, 1, MPI_INT32_T, MPI_COMM_WORLD);
    for (int r = 0; r < ranks; r++) CHECK(statuses[r] == statuses[0]);
    CHECK(status == RNNWF_OK);
    CHECK(stats.sr_solver == RNNWF_SR_SOLVER_CG);
    CHECK(stats.energy.n == (uint64_t)ranks * SAMPLES);
    /* The ranks agree to rounding: rank 1's sums are off by 1 ulp. */
    double energy = stats.energy.mean_re;
    MPI_Bcast(&energy, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    CHECK(fabs(stats.energy.mean_re - energy) <= 1e-12 * fabs(energy));
  }
  size_t np = 0;
  OK(rnnwf_model_num_params(m, &np));
  double *mine = malloc(np * sizeof *mine), *first = malloc(np * sizeof *first);
  CHECK(mine != NULL && first != NULL);
  OK(rnnwf_model_get_params(m, mine, np));
  memcpy(first, mine, np * sizeof *mine);
  CHECK(np <= INT_MAX);
  MPI_Bcast(first, (int)np, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  double most = 0.0;
  for (size_t i = 0; i < np; i++) most = fmax(most, fabs(mine[i] - first[i]));
  if (rank == 1) printf("rank 1: parameters within %.3g of rank 0's after 8 SR steps\n", most);
  CHECK(most < 1e-9);
  free(mine);
  free(first);
  perturb = 0;
  rnnwf_vmc_free(v);
  rnnwf_hamiltonian_free(h);
  rnnwf_model_free(m);
}

/* This process's address space in bytes (/proc/self/statm's first field, in pages). */
static size_t address_space(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long pages = 0;
  CHECK(f != NULL && fscanf(f, "%lu", &pages) == 1);
  fclose(f);
  return (size_t)pages * 4096;
}

/* Part 2: rank 1's gradient pass refused memory, after the step's first reductions. */
static void late_memory_refusal(uint32_t optimizer, const char *what) {
  /* 2^17 sites: the samples (512 KB) and the local energies' workspaces (about 40 MB, the
   * operator's one flip restarting near the end) fit the headroom below, one row of the
   * gradient tape (every site's states and gates: a few hundred MB) does not. */
  enum { SITES = 1 << 17, SAMPLES = 4 };
  const size_t headroom = (size_t)96 << 20;
  rnnwf_model *m = chain(SITES, 24);
  rnnwf_hamiltonian *h = NULL;
  OK(rnnwf_hamiltonian_new(SITES, &h));
  const uint32_t pair[2] = {0, 1}, last[1] = {SITES - 1};
  OK(rnnwf_hamiltonian_add_term(h, -1.0, "ZZ", pair, 2));
  OK(rnnwf_hamiltonian_add_term(h, -0.5, "X", last, 1));
  rnnwf_vmc *v = driver(optimizer, SAMPLES);
  struct rlimit before;
  CHECK(getrlimit(RLIMIT_AS, &before) == 0);
  if (rank == 1) {
    struct rlimit limited = before;
    limited.rlim_cur = address_space() + headroom;
    CHECK(setrlimit(RLIMIT_AS, &limited) == 0);
  }
  rnnwf_vmc_stats stats;
  rnnwf_status status = timed_step(what, v, m, h, &stats);
  if (rank == 1) {
    CHECK(setrlimit(RLIMIT_AS, &before) == 0);
    CHECK(status == RNNWF_ERR_OUT_OF_MEMORY);
    char msg[1024];
    rnnwf_last_error(msg, sizeof msg);
    CHECK(strstr(msg, "bytes") != NULL);
  } else {
    CHECK(status == RNNWF_ERR_NUMERICAL);
  }
  /* The ranks are still in step: a good step takes both ranks' samples. */
  status = timed_step("the next step, without the limit", v, m, h, &stats);
  CHECK(status == RNNWF_OK);
  CHECK(stats.energy.n == (uint64_t)ranks * SAMPLES);
  rnnwf_vmc_free(v);
  rnnwf_hamiltonian_free(h);
  rnnwf_model_free(m);
}

/* Part 3: rank 1 cancels a step from its hook, after reduction `after` of the step. */
static void cancel_on_one_rank(uint32_t optimizer, long after, const char *what) {
  enum { SITES = 8, SAMPLES = 64 };
  rnnwf_model *m = chain(SITES, 8);
  rnnwf_hamiltonian *h = NULL;
  OK(rnnwf_hamiltonian_tfim(SITES, 1, 0, 1.0, 1.0, &h));
  rnnwf_vmc *v = driver(optimizer, SAMPLES);
  size_t np = 0;
  OK(rnnwf_model_num_params(m, &np));
  double *before = malloc(np * sizeof *before), *now = malloc(np * sizeof *now);
  CHECK(before != NULL && now != NULL);
  OK(rnnwf_model_get_params(m, before, np));
  cancelled = v;
  cancel_after = after;
  rnnwf_vmc_stats stats;
  rnnwf_status status = timed_step(what, v, m, h, &stats);
  cancel_after = 0;
  CHECK(status == RNNWF_ERR_CANCELLED);
  /* Rank 1 joined the very next reduction with its request. */
  CHECK(calls == after + 1);
  OK(rnnwf_model_get_params(m, now, np));
  CHECK(memcmp(before, now, np * sizeof *now) == 0);
  status = timed_step("the next step", v, m, h, &stats);
  CHECK(status == RNNWF_OK);
  CHECK(stats.step == 0);
  CHECK(stats.energy.n == (uint64_t)ranks * SAMPLES);
  free(before);
  free(now);
  rnnwf_vmc_free(v);
  rnnwf_hamiltonian_free(h);
  rnnwf_model_free(m);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  CHECK(ranks >= 2);
  /* No pool threads: the calling thread makes every workspace, and the limit binds it. */
  OK(rnnwf_set_num_threads(1));
  perturbed_sums();
  late_memory_refusal(RNNWF_OPT_SGD, "SGD step with rank 1 out of memory late");
  late_memory_refusal(RNNWF_OPT_SR, "SR step with rank 1 out of memory late");
  /* A step reduces the energy sums and their variance first; SR then the mean
   * log-derivatives and the force before its conjugate gradient. */
  cancel_on_one_rank(RNNWF_OPT_SGD, 2, "SGD step cancelled on rank 1 in the gradient pass");
  cancel_on_one_rank(RNNWF_OPT_SR, 6, "SR step cancelled on rank 1 in the conjugate gradient");
  MPI_Barrier(MPI_COMM_WORLD);
  if (rank == 0) printf("late_failure: %d checks passed\n", checks);
  MPI_Finalize();
  return 0;
}
