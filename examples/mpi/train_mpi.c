/* Distributed VMC with MPI through rnnwf's reduction hook: every rank draws its own samples,
 * the library sums every sample average over the ranks with the host's MPI_Allreduce, and
 * all ranks take the same update. Trains a GRU on the open transverse-field Ising chain
 * (N = 10, J = h = 1) to its exact ground energy, with Adam and with SR, and checks:
 *   - energy.n == ranks * n_samples at every step;
 *   - parameters bit-identical on all ranks (MPI max == min of every parameter), and the
 *     optimiser state too (a hash of each rank's optimiser checkpoint);
 *   - a reduction failing on all ranks at once fails that step with RNNWF_ERR_CALLBACK and
 *     leaves the parameters unchanged; the step is then retried;
 *   - checkpoints: rank 0 saves model + optimiser, MPI_Barrier, every rank loads both and
 *     sets its own seed again; the ranks stay identical.
 *
 * Build (from the repository root, after cargo build --release):
 *   mpicc -std=c11 -O2 -Iinclude examples/mpi/train_mpi.c -Ltarget/release -lrnnwf \
 *         -Wl,-rpath,"$PWD/target/release" -lm -o train_mpi
 * Run (the first argument is an existing directory for the checkpoints, which stay there):
 *   mpirun -np 2 ./train_mpi mpi_checkpoints   # add quick for a 10x shorter run
 * (quick: 10x shorter training that checks only that the energy fell.) As root, OpenMPI
 * needs OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; with more ranks than
 * cores, --oversubscribe. Rank 0 prints "train_mpi: N checks passed" last; any failed check
 * aborts the job. tests/mpi.rs runs it. */
#include <mpi.h>

#include "rnnwf.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SITES 10
#define SEED_BASE 1000

static int rank = 0, ranks = 1, checks = 0;

static void fail(const char *file, int line, const char *what) {
  char msg[2048];
  rnnwf_last_error(msg, sizeof msg);
  fprintf(stderr, "rank %d: %s:%d: %s\n  last error: %s\n", rank, file, line, what, msg);
  MPI_Abort(MPI_COMM_WORLD, 1);
}

#define CHECK(cond)                                  \
  do {                                               \
    checks++;                                        \
    if (!(cond)) fail(__FILE__, __LINE__, #cond);    \
  } while (0)
#define OK(call) CHECK((call) == RNNWF_OK)

/* The reduction hook. `calls` counts the reductions, the same on every rank since every
   rank makes the same sequence; on call number `fail_at` it fails (on all ranks alike). */
typedef struct {
  MPI_Comm comm;
  long calls;
  long fail_at;
} hook_state;

static int32_t sum_over_ranks(double *buf, size_t len, void *user_data) {
  hook_state *s = user_data;
  s->calls++;
  if (s->calls == s->fail_at) return 42;
  if (len > INT_MAX) return -1;
  return MPI_Allreduce(MPI_IN_PLACE, buf, (int)len, MPI_DOUBLE, MPI_SUM, s->comm) == MPI_SUCCESS
             ? 0
             : 1;
}

/* FNV-1a of a file's bytes. */
static uint64_t file_hash(const char *path) {
  FILE *f = fopen(path, "rb");
  CHECK(f != NULL);
  uint64_t h = 1469598103934665603ull;
  int c;
  while ((c = fgetc(f)) != EOF) h = (h ^ (uint64_t)c) * 1099511628211ull;
  fclose(f);
  return h;
}

/* The parameters are bit-identical on all ranks: their max and min over ranks equal this
   rank's own (parameters are finite, so == on doubles is bitwise here but for +-0, which
   memcmp catches). The optimiser state is compared through its checkpoint, saved with a
   seed common to all ranks (the only field that differs by design). */
static void check_identical(const rnnwf_model *m, rnnwf_vmc *v, const char *dir,
                            uint64_t own_seed) {
  size_t np = 0;
  OK(rnnwf_model_num_params(m, &np));
  double *p = malloc(np * sizeof *p), *hi = malloc(np * sizeof *hi), *lo = malloc(np * sizeof *lo);
  CHECK(p && hi && lo && np <= INT_MAX);
  OK(rnnwf_model_get_params(m, p, np));
  MPI_Allreduce(p, hi, (int)np, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  MPI_Allreduce(p, lo, (int)np, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
  CHECK(memcmp(p, hi, np * sizeof *p) == 0 && memcmp(p, lo, np * sizeof *p) == 0);
  free(p), free(hi), free(lo);

  char path[4096];
  snprintf(path, sizeof path, "%s/optimizer.rank%d", dir, rank);
  OK(rnnwf_vmc_set_seed(v, 0));
  OK(rnnwf_vmc_save(v, path));
  OK(rnnwf_vmc_set_seed(v, own_seed));
  uint64_t h = file_hash(path), h_hi = 0, h_lo = 0;
  MPI_Allreduce(&h, &h_hi, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
  MPI_Allreduce(&h, &h_lo, 1, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD);
  CHECK(h == h_hi && h == h_lo);
}

/* Trains with `optimizer`; returns the relative error of the exact energy <psi|H|psi>. */
static double train(const rnnwf_hamiltonian *h, double e0, uint32_t optimizer,
                    uint64_t n_samples, double lr0, double lr1, int steps, const char *dir) {
  rnnwf_model_config mc;
  OK(rnnwf_model_config_init(&mc));
  mc.cell = RNNWF_CELL_GRU;
  mc.lx = SITES;
  mc.hidden = 16;
  mc.seed = 7; /* the same initial parameters on every rank */
  rnnwf_model *m = NULL;
  OK(rnnwf_model_new(&mc, &m));

  rnnwf_vmc_config vc;
  OK(rnnwf_vmc_config_init(&vc));
  vc.optimizer = optimizer;
  vc.n_samples = n_samples; /* per rank */
  vc.learning_rate = lr0;
  vc.sr_diag_shift = 1e-3;
  const uint64_t own_seed = SEED_BASE + (uint64_t)rank; /* each rank its own samples */
  vc.seed = own_seed;
  rnnwf_vmc *v = NULL;
  OK(rnnwf_vmc_new(&vc, &v));
  hook_state hs = {MPI_COMM_WORLD, 0, 0};
  OK(rnnwf_vmc_set_allreduce(v, sum_over_ranks, &hs));

  char model_path[4096], vmc_path[4096];
  snprintf(model_path, sizeof model_path, "%s/model.rnnwf", dir);
  snprintf(vmc_path, sizeof vmc_path, "%s/optimizer.rnnwf", dir);
  size_t np = 0;
  OK(rnnwf_model_num_params(m, &np));
  double *before = malloc(np * sizeof *before), *after = malloc(np * sizeof *after);
  CHECK(before && after);

  double first = 0.0;
  for (int k = 0; k < steps; k++) {
    OK(rnnwf_vmc_set_learning_rate(v, lr0 * pow(lr1 / lr0, (double)k / steps)));
    rnnwf_vmc_stats st;
    if (k == 3) {
      /* The first reduction of this step fails on every rank. */
      hs.fail_at = hs.calls + 1;
      OK(rnnwf_model_get_params(m, before, np));
      st.struct_size = sizeof st;
      CHECK(rnnwf_vmc_step(v, m, h, &st) == RNNWF_ERR_CALLBACK);
      OK(rnnwf_model_get_params(m, after, np));
      CHECK(memcmp(before, after, np * sizeof *before) == 0);
    }
    st.struct_size = sizeof st;
    OK(rnnwf_vmc_step(v, m, h, &st));
    CHECK(st.step == (uint64_t)k);
    CHECK(st.energy.n == (uint64_t)ranks * n_samples);
    CHECK(isfinite(st.energy.mean_re) && isfinite(st.grad_norm));
    if (k == 0) first = st.energy.mean_re;
    if (k % 25 == 0) check_identical(m, v, dir, own_seed);
    if (k == steps / 2) {
      /* Checkpoint: rank 0 writes, all ranks read back and reseed. */
      if (rank == 0) {
        OK(rnnwf_model_save(m, model_path));
        OK(rnnwf_vmc_save(v, vmc_path));
      }
      MPI_Barrier(MPI_COMM_WORLD);
      OK(rnnwf_model_get_params(m, before, np));
      rnnwf_model_free(m);
      m = NULL;
      OK(rnnwf_model_load(model_path, &m));
      OK(rnnwf_vmc_load(v, vmc_path)); /* the hook stays; the seed is rank 0's */
      rnnwf_vmc_config got;
      got.struct_size = sizeof got;
      OK(rnnwf_vmc_get_config(v, &got));
      CHECK(got.seed == SEED_BASE);
      OK(rnnwf_vmc_set_seed(v, own_seed));
      OK(rnnwf_model_get_params(m, after, np));
      CHECK(memcmp(before, after, np * sizeof *before) == 0);
      check_identical(m, v, dir, own_seed);
      /* Nobody overwrites the files before everyone has read them. */
      MPI_Barrier(MPI_COMM_WORLD);
    }
  }
  check_identical(m, v, dir, own_seed);
  rnnwf_complex exact;
  OK(rnnwf_exact_expectation(m, h, &exact));
  CHECK(exact.re >= e0 - 1e-9); /* variational */
  CHECK(exact.re < first);      /* training lowered the energy */
  free(before), free(after);
  rnnwf_vmc_free(v);
  rnnwf_model_free(m);
  return (exact.re - e0) / fabs(e0);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  int quick = argc == 3 && strcmp(argv[2], "quick") == 0;
  if (argc != 2 && !quick) {
    if (rank == 0) fprintf(stderr, "usage: mpirun -np R %s SCRATCH_DIR [quick]\n", argv[0]);
    MPI_Finalize();
    return 2;
  }
  OK(rnnwf_set_num_threads(1)); /* one core per rank */

  rnnwf_hamiltonian *h = NULL;
  OK(rnnwf_hamiltonian_tfim(SITES, 1, 0, 1.0, 1.0, &h));
  double e0 = 0.0;
  OK(rnnwf_exact_ground_energy(h, &e0));

  /* Totals over 2 ranks as in the single-process C test of N = 6: Adam 512, SR 256. */
  int div = quick ? 10 : 1;
  uint64_t adam_n = 512 / (uint64_t)ranks, sr_n = 256 / (uint64_t)ranks;
  double adam = train(h, e0, RNNWF_OPT_ADAM, adam_n, 1e-2, 1e-3, 400 / div, argv[1]);
  double sr = train(h, e0, RNNWF_OPT_SR, sr_n, 5e-2, 5e-3, 150 / div, argv[1]);
  if (!quick) {
    CHECK(adam < 2e-3);
    CHECK(sr < 2e-3);
  }
  rnnwf_hamiltonian_free(h);
  if (rank == 0) {
    printf("ranks: %d\n", ranks);
    printf("exact ground energy: %.10f\n", e0);
    printf("Adam: relative error %.2e%s\n", adam, quick ? " (quick run)" : "");
    printf("SR:   relative error %.2e%s\n", sr, quick ? " (quick run)" : "");
    printf("parameters and optimiser state identical on all ranks\n");
    printf("train_mpi: %d checks passed\n", checks);
  }
  MPI_Finalize();
  return 0;
}
