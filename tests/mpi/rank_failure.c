/* One rank's bad input fails the step on every rank: under MPI, rank 1 alone is given an
 * operator on the wrong number of sites (then data with a value out of range, then a NULL
 * operator, which the C wrapper refuses before the step starts); both ranks
 * must return an error from that step within seconds (rank 1 its own refusal, the others
 * RNNWF_ERR_NUMERICAL from the non-finite sums rank 1 joins the first reduction with),
 * rather than the others waiting forever in a reduction rank 1 never joins. A good step
 * afterwards succeeds on all ranks with every rank's samples (the reductions stayed in
 * step).
 *
 * Build and run (tests/mpi.rs does):
 *   mpicc -std=c11 -Iinclude tests/mpi/rank_failure.c -Ltarget/release -lrnnwf \
 *         -Wl,-rpath,$PWD/target/release -lm -o rank_failure
 *   mpirun -np 2 ./rank_failure
 * Rank 0 prints "rank_failure: N checks passed" last; a failed check aborts the job. */
#include <mpi.h>

#include "rnnwf.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define SITES 6
#define SAMPLES 32
/* A failed step must return on every rank well within this (it takes milliseconds). */
#define MAX_SECONDS 10.0

#include "check.h"

static int32_t sum_over_ranks(double *buf, size_t len, void *user_data) {
  (void)user_data;
  if (len > INT_MAX) return -1;
  return MPI_Allreduce(MPI_IN_PLACE, buf, (int)len, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD) ==
                 MPI_SUCCESS
             ? 0
             : 1;
}

/* The status every rank must see from a step where rank 1 alone had bad input; rank 0
 * prints every rank's status and time (one writer, so the lines come in order). */
static void check_failed_together(const char *what, rnnwf_status status, rnnwf_status own,
                                  double seconds) {
  CHECK(status == (rank == 1 ? own : RNNWF_ERR_NUMERICAL));
  CHECK(seconds < MAX_SECONDS);
  rnnwf_status statuses[64];
  double times[64];
  CHECK(ranks <= 64);
  MPI_Gather(&status, 1, MPI_INT32_T, statuses, 1, MPI_INT32_T, 0, MPI_COMM_WORLD);
  MPI_Gather(&seconds, 1, MPI_DOUBLE, times, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  if (rank == 0) {
    for (int r = 0; r < ranks; r++) {
      printf("rank %d: %s returned %s in %.3f s\n", r, what, rnnwf_status_name(statuses[r]),
             times[r]);
    }
  }
}

/* A good step on every rank: succeeds, with every rank's samples. */
static void check_good_step(rnnwf_vmc *v, rnnwf_model *m, const rnnwf_hamiltonian *h) {
  rnnwf_vmc_stats stats;
  stats.struct_size = sizeof stats;
  OK(rnnwf_vmc_step(v, m, h, &stats));
  CHECK(stats.energy.n == (uint64_t)ranks * SAMPLES);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  CHECK(ranks >= 2);
  OK(rnnwf_set_num_threads(1));
  rnnwf_model *m = NULL;
  rnnwf_model_config mcfg;
  OK(rnnwf_model_config_init(&mcfg));
  mcfg.cell = RNNWF_CELL_GRU;
  mcfg.lx = SITES;
  mcfg.hidden = 8;
  OK(rnnwf_model_new(&mcfg, &m));
  rnnwf_hamiltonian *good = NULL, *wrong = NULL;
  OK(rnnwf_hamiltonian_tfim(SITES, 1, 0, 1.0, 1.0, &good));
  OK(rnnwf_hamiltonian_tfim(SITES + 1, 1, 0, 1.0, 1.0, &wrong));
  rnnwf_vmc_config cfg;
  OK(rnnwf_vmc_config_init(&cfg));
  cfg.n_samples = SAMPLES;
  cfg.learning_rate = 1e-2;
  cfg.seed = 100 + (uint64_t)rank;
  rnnwf_vmc *v = NULL;
  OK(rnnwf_vmc_new(&cfg, &v));
  OK(rnnwf_vmc_set_allreduce(v, sum_over_ranks, NULL));

  check_good_step(v, m, good);
  /* Rank 1 alone steps on an operator of SITES + 1 sites. */
  rnnwf_vmc_stats stats;
  double start = MPI_Wtime();
  stats.struct_size = sizeof stats;
  rnnwf_status status = rnnwf_vmc_step(v, m, rank == 1 ? wrong : good, &stats);
  check_failed_together("step with rank 1's wrong operator", status,
                        RNNWF_ERR_INVALID_ARGUMENT, MPI_Wtime() - start);
  check_good_step(v, m, good);

  /* Rank 1 alone fits data with a value out of range (2 on a spin-1/2 site). */
  uint8_t data[2 * SITES] = {0, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0};
  if (rank == 1) data[3] = 2;
  double nll = 0.0;
  start = MPI_Wtime();
  status = rnnwf_fit_step(v, m, data, 2, &nll);
  check_failed_together("fit step with rank 1's bad data", status, RNNWF_ERR_INVALID_ARGUMENT,
                        MPI_Wtime() - start);
  check_good_step(v, m, good);

  /* Rank 1 alone passes a NULL operator, which the C wrapper refuses before the step
   * starts: it must still join the step's first reduction. */
  start = MPI_Wtime();
  stats.struct_size = sizeof stats;
  status = rnnwf_vmc_step(v, m, rank == 1 ? NULL : good, &stats);
  check_failed_together("step with rank 1's NULL operator", status, RNNWF_ERR_NULL_POINTER,
                        MPI_Wtime() - start);
  check_good_step(v, m, good);

  rnnwf_vmc_free(v);
  rnnwf_hamiltonian_free(wrong);
  rnnwf_hamiltonian_free(good);
  rnnwf_model_free(m);
  MPI_Barrier(MPI_COMM_WORLD);
  if (rank == 0) printf("rank_failure: %d checks passed\n", checks);
  MPI_Finalize();
  return 0;
}
