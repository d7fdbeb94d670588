/* The MPI test programs' checks: a failed check names the rank, the line and the library's
 * last error, and aborts the whole job (a rank that returned early would leave the others
 * waiting in a reduction). Each program defines `rank`, `ranks` and `checks` by including
 * this once, after mpi.h and rnnwf.h. */
#ifndef RNNWF_TESTS_MPI_CHECK_H
#define RNNWF_TESTS_MPI_CHECK_H

#include <stdio.h>

static int rank = 0, ranks = 1, checks = 0;

static void fail(const char *file, int line, const char *what) {
  char msg[2048];
  rnnwf_last_error(msg, sizeof msg);
  fprintf(stderr, "rank %d: %s:%d: %s\n  last error: %s\n", rank, file, line, what, msg);
  MPI_Abort(MPI_COMM_WORLD, 1);
}

#define CHECK(cond)                               \
  do {                                            \
    checks++;                                     \
    if (!(cond)) fail(__FILE__, __LINE__, #cond); \
  } while (0)
#define OK(call) CHECK((call) == RNNWF_OK)

#endif
