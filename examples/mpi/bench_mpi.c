/* Step time of distributed VMC at a fixed total number of samples: Ising chain N = 20
 * (J = h = 1), GRU with 32 hidden units, 1024 samples per step in total, split over the
 * ranks. Prints the median wall time of a step (MPI_Wtime between barriers, after 2 warm-up
 * steps) and the median of the steps' own parts.
 *
 * Build (from the repository root, after cargo build --release):
 *   mpicc -std=c11 -O2 -Iinclude examples/mpi/bench_mpi.c -Ltarget/release -lrnnwf \
 *         -Wl,-rpath,"$PWD/target/release" -lm -o bench_mpi
 * Run (OPT: adam or sr; THREADS: rnnwf_set_num_threads per rank; STEPS timed;
 *      hook: with one rank, install the reduction anyway, so SR takes the conjugate-gradient
 *      path that several ranks take instead of the sample-space Cholesky):
 *   mpirun --bind-to none -np 1 ./bench_mpi adam 1 20        # 1 process, 1 thread
 *   mpirun --bind-to none -np 1 ./bench_mpi adam 2 20        # 1 process, 2 threads
 *   mpirun --bind-to none -np 2 ./bench_mpi adam 1 20        # 2 processes, 1 thread each
 *   mpirun --bind-to none -np 1 ./bench_mpi sr 2 20 hook     # 1 process, SR by CG
 * OpenMPI binds each rank to one core by default: without --bind-to none a rank's second
 * thread shares its core, and "1 process, 2 threads" comes out slower than 1 thread.
 * As root, OpenMPI needs OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1. */
#include <mpi.h>

#include "rnnwf.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOTAL_SAMPLES 1024

static int32_t sum_over_ranks(double *buf, size_t len, void *user_data) {
  MPI_Comm comm = *(MPI_Comm *)user_data;
  if (len > INT_MAX) return -1;
  return MPI_Allreduce(MPI_IN_PLACE, buf, (int)len, MPI_DOUBLE, MPI_SUM, comm) == MPI_SUCCESS
             ? 0
             : 1;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static void ok(rnnwf_status s, const char *what) {
  if (s != RNNWF_OK) {
    char msg[1024];
    rnnwf_last_error(msg, sizeof msg);
    fprintf(stderr, "%s: %s: %s\n", what, rnnwf_status_name(s), msg);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  if (argc < 4 || (strcmp(argv[1], "adam") != 0 && strcmp(argv[1], "sr") != 0)) {
    if (rank == 0) fprintf(stderr, "usage: mpirun -np R %s adam|sr THREADS STEPS [hook]\n", argv[0]);
    MPI_Finalize();
    return 2;
  }
  int sr = strcmp(argv[1], "sr") == 0;
  uint32_t threads = (uint32_t)atoi(argv[2]);
  int steps = atoi(argv[3]);
  int hook = ranks > 1 || (argc > 4 && strcmp(argv[4], "hook") == 0);
  if (steps < 1 || TOTAL_SAMPLES % ranks != 0) MPI_Abort(MPI_COMM_WORLD, 2);
  ok(rnnwf_set_num_threads(threads), "rnnwf_set_num_threads");

  rnnwf_hamiltonian *h = NULL;
  ok(rnnwf_hamiltonian_tfim(20, 1, 0, 1.0, 1.0, &h), "tfim");
  rnnwf_model_config mc;
  ok(rnnwf_model_config_init(&mc), "model_config_init");
  mc.cell = RNNWF_CELL_GRU;
  mc.lx = 20;
  mc.hidden = 32;
  mc.seed = 1;
  rnnwf_model *m = NULL;
  ok(rnnwf_model_new(&mc, &m), "model_new");
  size_t np = 0;
  ok(rnnwf_model_num_params(m, &np), "num_params");

  rnnwf_vmc_config vc;
  ok(rnnwf_vmc_config_init(&vc), "vmc_config_init");
  vc.optimizer = sr ? RNNWF_OPT_SR : RNNWF_OPT_ADAM;
  vc.n_samples = TOTAL_SAMPLES / (uint64_t)ranks;
  vc.learning_rate = sr ? 2e-2 : 1e-3;
  vc.sr_diag_shift = 1e-3;
  vc.seed = 100 + (uint64_t)rank;
  rnnwf_vmc *v = NULL;
  ok(rnnwf_vmc_new(&vc, &v), "vmc_new");
  MPI_Comm comm = MPI_COMM_WORLD;
  if (hook) ok(rnnwf_vmc_set_allreduce(v, sum_over_ranks, &comm), "set_allreduce");

  double *wall = malloc((size_t)steps * sizeof *wall);
  if (!wall) MPI_Abort(MPI_COMM_WORLD, 1);
  rnnwf_vmc_stats st = {.struct_size = sizeof st};
  for (int k = -2; k < steps; k++) {
    MPI_Barrier(comm);
    double t0 = MPI_Wtime();
    ok(rnnwf_vmc_step(v, m, h, &st), "vmc_step");
    MPI_Barrier(comm);
    if (k >= 0) wall[k] = MPI_Wtime() - t0;
  }
  if (rank == 0) {
    printf("%s ranks=%d threads/rank=%u params=%zu samples/rank=%llu solver=%s: "
           "median step %.4f s over %d steps (energy %.4f)\n",
           argv[1], ranks, threads, np, (unsigned long long)vc.n_samples,
           sr ? (hook ? "CG" : "Cholesky") : "-", median(wall, steps), steps,
           st.energy.mean_re);
  }
  free(wall);
  rnnwf_vmc_free(v);
  rnnwf_model_free(m);
  rnnwf_hamiltonian_free(h);
  MPI_Finalize();
  return 0;
}
