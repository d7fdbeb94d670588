/* Checkpoint files from C, as an adversarial client would use them: loading a FIFO or
 * /dev/urandom returns RNNWF_ERR_IO at once (not a hang, not memory exhausted under an
 * address-space limit); a save keeps a 0600 file 0600; a 250-byte file name can be saved;
 * the next save removes the temporary a killed save left behind.
 * Usage: test_files SCRATCH_DIR. Prints "test_files: N checks passed" and exits 0. */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define GIB ((size_t)1 << 30)

static char scratch[1024];

static const char *scratch_path(const char *name) {
  static char path[2048];
  snprintf(path, sizeof path, "%s/%s", scratch, name);
  return path;
}

static rnnwf_model *model(void) { return chain_model(RNNWF_CELL_GRU, 4, 4, RNNWF_PHASE_NONE, 1); }

static rnnwf_vmc *driver(void) {
  rnnwf_vmc_config cfg;
  OK(rnnwf_vmc_config_init(&cfg));
  rnnwf_vmc *v = NULL;
  OK(rnnwf_vmc_new(&cfg, &v));
  return v;
}

/* Neither kind of checkpoint is read from what is not a regular file. */
static void test_not_regular_files(void) {
  char fifo[2048];
  snprintf(fifo, sizeof fifo, "%s", scratch_path("fifo"));
  CHECK(mkfifo(fifo, 0600) == 0);
  const char *paths[3] = {fifo, "/dev/urandom", scratch};
  const char *kinds[3] = {"a FIFO", "a device", "a directory"};
  rnnwf_vmc *v = driver();
  for (int i = 0; i < 3; i++) {
    rnnwf_model *m = NULL;
    EXPECT(rnnwf_model_load(paths[i], &m), RNNWF_ERR_IO);
    MENTIONS(kinds[i]);
    CHECK(m == NULL);
    EXPECT(rnnwf_vmc_load(v, paths[i]), RNNWF_ERR_IO);
    MENTIONS(kinds[i]);
  }
  rnnwf_vmc_free(v);
  CHECK(unlink(fifo) == 0);
}

static mode_t mode_of(const char *path) {
  struct stat st;
  CHECK(stat(path, &st) == 0);
  return st.st_mode & 0777;
}

/* A 0600 checkpoint stays 0600 when saved over, for both kinds. */
static void test_mode_is_kept(void) {
  rnnwf_model *m = model();
  rnnwf_vmc *v = driver();
  char path[2048];
  snprintf(path, sizeof path, "%s", scratch_path("private.safetensors"));
  OK(rnnwf_model_save(m, path));
  CHECK(chmod(path, 0600) == 0);
  OK(rnnwf_model_save(m, path));
  CHECK(mode_of(path) == 0600);
  OK(rnnwf_vmc_save(v, path));
  CHECK(mode_of(path) == 0600);
  CHECK(unlink(path) == 0);
  rnnwf_vmc_free(v);
  rnnwf_model_free(m);
}

/* A legal 250-byte file name can be saved (twice: over itself) and loaded. */
static void test_long_name(void) {
  char name[251];
  memset(name, 'a', 250);
  name[250] = '\0';
  char path[2048];
  snprintf(path, sizeof path, "%s", scratch_path(name));
  rnnwf_model *m = model();
  OK(rnnwf_model_save(m, path));
  OK(rnnwf_model_save(m, path));
  rnnwf_model *back = NULL;
  OK(rnnwf_model_load(path, &back));
  rnnwf_model_free(back);
  CHECK(unlink(path) == 0);
  rnnwf_model_free(m);
}

static int entries(const char *dir) {
  DIR *d = opendir(dir);
  CHECK(d != NULL);
  int count = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) count += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
  closedir(d);
  return count;
}

/* A save killed mid-write leaves ".<name>.tmp-<pid>-<n>"; once its process is gone and a
 * minute has passed, the next save of that target removes it. */
static void test_killed_save_is_cleaned(void) {
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) _exit(0);
  CHECK(waitpid(child, NULL, 0) == child); /* a process id that is gone */
  char name[256], temp[2048];
  snprintf(name, sizeof name, ".m.safetensors.tmp-%d-0", (int)child);
  snprintf(temp, sizeof temp, "%s", scratch_path(name));
  FILE *f = fopen(temp, "wb");
  CHECK(f != NULL);
  CHECK(fwrite("half a checkpoint", 1, 17, f) == 17);
  fclose(f);
  struct timeval old[2] = {{1000000000, 0}, {1000000000, 0}};
  CHECK(utimes(temp, old) == 0);
  CHECK(entries(scratch) == 1);
  rnnwf_model *m = model();
  OK(rnnwf_model_save(m, scratch_path("m.safetensors")));
  CHECK(access(temp, F_OK) != 0);
  CHECK(entries(scratch) == 1); /* the checkpoint alone */
  CHECK(unlink(scratch_path("m.safetensors")) == 0);
  rnnwf_model_free(m);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
    return 2;
  }
  snprintf(scratch, sizeof scratch, "%s", argv[1]);
  OK(rnnwf_set_num_threads(2));
  /* /dev/urandom read to the end would exhaust any limit: 3 GiB here. */
  struct rlimit limit = {3 * GIB, 3 * GIB};
  CHECK(setrlimit(RLIMIT_AS, &limit) == 0);
  test_not_regular_files();
  test_mode_is_kept();
  test_long_name();
  test_killed_save_is_cleaned();
  printf("test_files: %d checks passed\n", checks);
  return 0;
}
