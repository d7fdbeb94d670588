// Exercises every function of the C++ wrapper (bindings/cpp/rnnwf.hpp), error paths included.
// Usage: test_model_cpp SCRATCH_DIR. Prints "test_model_cpp: N checks passed" and exits 0.
#include "check.hpp"
#include "rnnwf.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <type_traits>
#include <vector>

namespace {

// The wrapper's promises, checked at compile time.
static_assert(std::is_base_of<std::runtime_error, rnnwf::Error>::value, "Error is an exception");
static_assert(!std::is_copy_constructible<rnnwf::Model>::value, "Model is move-only");
static_assert(!std::is_copy_assignable<rnnwf::Model>::value, "Model is move-only");
static_assert(std::is_nothrow_move_constructible<rnnwf::Model>::value, "Model moves");
static_assert(std::is_nothrow_move_assignable<rnnwf::Model>::value, "Model moves");

std::string scratch;

rnnwf::ModelConfig small_config() {
  rnnwf::ModelConfig cfg;
  cfg.lx = 6;
  cfg.hidden = 8;
  cfg.layers = 2;
  cfg.phase = RNNWF_PHASE_SOFTSIGN;
  cfg.sign_rule = RNNWF_SIGN_MARSHALL;
  cfg.u1_total = 3;
  cfg.seed = 1234;
  return cfg;
}

void test_library() {
  // Nothing has failed on this thread yet.
  CHECK(rnnwf::last_error().empty());
  char expected[64];
  std::snprintf(expected, sizeof expected, "%d.%d.%d", RNNWF_VERSION_MAJOR, RNNWF_VERSION_MINOR,
                RNNWF_VERSION_PATCH);
  CHECK(rnnwf::version() == expected);
  CHECK(rnnwf::abi_version() == RNNWF_ABI_VERSION);
  CHECK(rnnwf::abi_compatible());
  CHECK(rnnwf::status_name(RNNWF_ERR_BUFFER_SIZE) == "RNNWF_ERR_BUFFER_SIZE");
  CHECK(rnnwf::status_name(4242) == "RNNWF_UNKNOWN_STATUS");
  rnnwf::set_num_threads(2);
  rnnwf::set_num_threads(0);
  rnnwf::check(RNNWF_OK);  // no throw
  EXPECT_ERROR(rnnwf::check(rnnwf_model_config_init(nullptr)), RNNWF_ERR_NULL_POINTER,
               "rnnwf_model_config_init: argument `cfg` is NULL");
  CHECK(rnnwf::last_error() == "rnnwf_model_config_init: argument `cfg` is NULL");

  rnnwf::Error e(RNNWF_ERR_IO, "disk on fire");
  CHECK(e.status() == RNNWF_ERR_IO);
  CHECK(std::string(e.status_name()) == "RNNWF_ERR_IO");
  CHECK(std::string(e.what()) == "disk on fire");
}

void test_config_and_construction() {
  rnnwf::ModelConfig cfg;  // the C defaults
  CHECK(cfg.struct_size == sizeof(rnnwf_model_config));
  CHECK(cfg.cell == RNNWF_CELL_GRU && cfg.lx == 10 && cfg.ly == 1 && cfg.local_dim == 2);
  CHECK(cfg.hidden == 32 && cfg.layers == 1 && cfg.u1_total == -1 && cfg.seed == 0);
  CHECK(cfg.symmetry == RNNWF_SYMMETRY_NONE && cfg.precision == RNNWF_PRECISION_F64);
  CHECK(cfg.boundary == RNNWF_BOUNDARY_OPEN && cfg.dilation == 0);

  rnnwf::ModelConfig bad = cfg;
  bad.boundary = RNNWF_BOUNDARY_PERIODIC;
  EXPECT_ERROR(rnnwf::Model{bad}, RNNWF_ERR_UNSUPPORTED, "PERIODIC");
  bad = cfg;
  bad.dilation = 3;
  EXPECT_ERROR(rnnwf::Model{bad}, RNNWF_ERR_INVALID_ARGUMENT, "dilation");
  bad = cfg;
  bad.hidden = 0;
  EXPECT_ERROR(rnnwf::Model{bad}, RNNWF_ERR_INVALID_ARGUMENT, "hidden");
  bad = cfg;
  bad.ly = 0;
  EXPECT_ERROR(rnnwf::Model{bad}, RNNWF_ERR_INVALID_ARGUMENT, "ly");
  bad = cfg;
  bad.struct_size = 8;
  EXPECT_ERROR(rnnwf::Model{bad}, RNNWF_ERR_INVALID_ARGUMENT, "struct_size");
  bad.struct_size = sizeof(rnnwf_model_config) + 8;
  EXPECT_ERROR(rnnwf::Model{bad}, RNNWF_ERR_INVALID_ARGUMENT, "struct_size");
  CHECK(rnnwf::status_name(RNNWF_ERR_OUT_OF_MEMORY) == "RNNWF_ERR_OUT_OF_MEMORY");
  // Float32 passes: the field round-trips, sampling returns the ln psi evaluation gives, and
  // the float64 model with the same parameters agrees to float precision.
  rnnwf::ModelConfig single = small_config();
  single.precision = RNNWF_PRECISION_F32;
  rnnwf::Model f32_model(single);
  CHECK(f32_model.config().precision == RNNWF_PRECISION_F32);
  rnnwf::Model f64_model(small_config());
  rnnwf::Samples drawn = f32_model.sample(7, 50);
  std::vector<rnnwf::Complex> evaluated = f32_model.log_psi(drawn.configs);
  std::vector<rnnwf::Complex> doubled = f64_model.log_psi(drawn.configs);
  for (std::size_t i = 0; i < 50; ++i) {
    CHECK(evaluated[i] == drawn.log_psi[i]);
    CHECK(std::abs(doubled[i] - evaluated[i]) < 1e-5);
    CHECK(std::abs(doubled[i] - evaluated[i]) > 0.0);
  }
  bad = small_config();
  bad.symmetry = RNNWF_SYMMETRY_LATTICE_SPIN_FLIP;
  bad.u1_total = 2;  // the flip maps 2 of 6 to 4
  EXPECT_ERROR(rnnwf::Model{bad}, RNNWF_ERR_INVALID_ARGUMENT, "LATTICE_SPIN_FLIP");
  rnnwf::ModelConfig symmetric = small_config();
  symmetric.symmetry = RNNWF_SYMMETRY_LATTICE;
  rnnwf::Model s(symmetric);
  CHECK(s.config().symmetry == RNNWF_SYMMETRY_LATTICE);
  CHECK(s.config().precision == RNNWF_PRECISION_F64);

  rnnwf::Model m(small_config());
  CHECK(static_cast<bool>(m) && m.raw() != nullptr);
  rnnwf_model_config got = m.config();
  CHECK(got.lx == 6 && got.hidden == 8 && got.layers == 2 && got.u1_total == 3);
  CHECK(got.seed == 1234 && got.phase == RNNWF_PHASE_SOFTSIGN);
  CHECK(m.num_sites() == 6);
  CHECK(m.num_params() == (48 + 192 + 24 + 8) + (192 + 192 + 24 + 8) + 2 * (16 + 2));

  // Moving transfers the handle; the moved-from owner is empty and its calls throw.
  rnnwf_model *raw = m.raw();
  rnnwf::Model moved = std::move(m);
  CHECK(moved.raw() == raw && !m && m.raw() == nullptr);
  EXPECT_ERROR(m.num_sites(), RNNWF_ERR_NULL_POINTER, "`m`");
  m = std::move(moved);
  CHECK(m.raw() == raw && !moved);

  // release/adopt hand the handle across the C boundary and back.
  rnnwf_model *released = m.release();
  CHECK(released == raw && !m);
  rnnwf::Model adopted = rnnwf::Model::adopt(released);
  CHECK(adopted.raw() == raw && adopted.num_sites() == 6);
}

void test_params() {
  rnnwf::Model m(small_config());
  std::vector<double> p = m.params();
  CHECK(p.size() == m.num_params());
  std::vector<double> q(p.size());
  m.get_params(q.data(), q.size());
  CHECK(q == p);
  EXPECT_ERROR(m.get_params(q.data(), q.size() - 1), RNNWF_ERR_BUFFER_SIZE, "expected");

  for (std::size_t i = 0; i < q.size(); i++) q[i] = 0.5 * p[i] + 0.01;
  q[3] = std::nan("");
  EXPECT_ERROR(m.set_params(q), RNNWF_ERR_NUMERICAL, "params[3]");
  CHECK(m.params() == p);  // unchanged after a refusal
  q[3] = 0.0;
  EXPECT_ERROR(m.set_params(q.data(), q.size() + 1), RNNWF_ERR_BUFFER_SIZE, "rnnwf_model_set_params");
  m.set_params(q);
  CHECK(m.params() == q);
  m.set_params(p.data(), p.size());
  CHECK(m.params() == p);

  // clone() is deep.
  rnnwf::Model c = m.clone();
  CHECK(c.raw() != m.raw() && c.params() == p);
  c.set_params(q);
  CHECK(c.params() == q && m.params() == p);

  // resize() carries the parameters to a longer chain with a new U(1) total.
  rnnwf::Model r = m.resize(8, 1, 4);
  CHECK(r.num_sites() == 8 && r.params() == p && r.config().u1_total == 4);
  rnnwf::Samples s = r.sample(7, 50);
  for (std::size_t i = 0; i < s.n; i++) {
    int downs = 0;
    for (std::size_t j = 0; j < 8; j++) downs += s.configs[i * 8 + j];
    CHECK(downs == 4);
  }
  EXPECT_ERROR(m.resize(3, 2, -1), RNNWF_ERR_INVALID_ARGUMENT, "grid");
  EXPECT_ERROR(m.resize(8, 1, 9), RNNWF_ERR_INVALID_ARGUMENT, "u1_total");

  // widen() keeps psi with more units and refuses fewer.
  rnnwf::Model w = m.widen(m.config().hidden + 3);
  CHECK(w.num_params() > m.num_params() && w.config().hidden == m.config().hidden + 3);
  rnnwf::Samples ws = m.sample(3, 20);
  std::vector<rnnwf::Complex> wide_log_psi = w.log_psi(ws.configs);
  for (std::size_t i = 0; i < ws.n; i++) CHECK(std::abs(wide_log_psi[i] - ws.log_psi[i]) < 1e-12);
  EXPECT_ERROR(m.widen(m.config().hidden - 1), RNNWF_ERR_INVALID_ARGUMENT, "hidden units");
  CHECK(m.num_sites() == 6 && m.params() == p);
}

void test_sample_and_log_psi() {
  rnnwf::Model m(small_config());
  const std::size_t n = 200, sites = 6;
  rnnwf::Samples s = m.sample(42, n);
  CHECK(s.n == n && s.num_sites == sites);
  CHECK(s.configs.size() == n * sites && s.log_psi.size() == n);
  for (std::size_t i = 0; i < n; i++) {
    int downs = 0;
    for (std::size_t j = 0; j < sites; j++) downs += s.configs[i * sites + j];
    CHECK(downs == 3);  // u1_total
    CHECK(std::isfinite(s.log_psi[i].real()) && s.log_psi[i].real() <= 0.0);
  }
  // Evaluation agrees with sampling, through both overloads.
  std::vector<rnnwf::Complex> lp = m.log_psi(s.configs);
  CHECK(lp.size() == n);
  std::vector<rnnwf::Complex> lp2(n);
  m.log_psi(s.configs.data(), n, lp2.data());
  for (std::size_t i = 0; i < n; i++) {
    CHECK(std::abs(lp[i] - s.log_psi[i]) < 1e-12);
    CHECK(lp2[i] == lp[i]);
  }
  // The pointer overload, with and without log psi; same seed, same samples.
  std::vector<std::uint8_t> again(n * sites);
  std::vector<rnnwf::Complex> lp3(n);
  m.sample(42, n, again.data(), lp3.data());
  CHECK(again == s.configs && lp3 == s.log_psi);
  m.sample(42, n, again.data(), nullptr);
  CHECK(again == s.configs);
  m.sample(43, n, again.data(), nullptr);
  CHECK(again != s.configs);

  // Errors: a site value out of range, a ragged array, a NULL buffer.
  std::vector<std::uint8_t> bad = {0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 2, 1};
  EXPECT_ERROR(m.log_psi(bad), RNNWF_ERR_INVALID_ARGUMENT, "configs[1][4] = 2");
  std::vector<std::uint8_t> ragged(7, 0);
  EXPECT_ERROR(m.log_psi(ragged), RNNWF_ERR_BUFFER_SIZE,
               "7 site values are not a whole number of configurations of 6 sites");
  EXPECT_ERROR(m.sample(1, 3, nullptr, nullptr), RNNWF_ERR_NULL_POINTER, "`configs_out`");
  // log_psi_connected's vectors: sites and values must hold offsets.back() entries (the C
  // call would read past them).
  std::vector<std::uint8_t> config(sites, 0);
  EXPECT_ERROR(m.log_psi_connected(config.data(), {0, 100000}, {0}, {1}), RNNWF_ERR_BUFFER_SIZE,
               "offsets ends at 100000, but sites has 1 entries and values 1");
  CHECK(m.log_psi_connected(config.data(), {0, 1}, {0}, {1}).size() == 1);

  // psi = 0 outside the U(1) subspace.
  std::vector<rnnwf::Complex> outside = m.log_psi(std::vector<std::uint8_t>(sites, 0));
  CHECK(std::isinf(outside[0].real()) && outside[0].real() < 0);
}

void test_normalisation() {
  rnnwf::ModelConfig cfg;
  cfg.cell = RNNWF_CELL_VANILLA;
  cfg.lx = 8;
  cfg.hidden = 5;
  cfg.seed = 9;
  rnnwf::Model m(cfg);
  std::vector<std::uint8_t> all(256 * 8);
  for (int k = 0; k < 256; k++)
    for (int j = 0; j < 8; j++) all[k * 8 + j] = static_cast<std::uint8_t>((k >> j) & 1);
  double total = 0.0;
  for (const rnnwf::Complex &z : m.log_psi(all)) total += std::exp(2.0 * z.real());
  CHECK(std::fabs(total - 1.0) < 1e-10);
}

void test_save_and_load() {
  rnnwf::Model m(small_config());
  const std::string path = scratch + "/model_cpp.safetensors";
  m.save(path);
  rnnwf::Model loaded = rnnwf::Model::load(path);
  CHECK(loaded.params() == m.params());
  rnnwf_model_config a = m.config(), b = loaded.config();
  CHECK(std::memcmp(&a, &b, sizeof a) == 0);
  rnnwf::Samples s = m.sample(5, 4);
  CHECK(loaded.log_psi(s.configs) == s.log_psi);

  EXPECT_ERROR(m.save(scratch + "/no-such-dir/x.safetensors"), RNNWF_ERR_IO, "no-such-dir");
  EXPECT_ERROR(rnnwf::Model::load(scratch + "/missing.safetensors"), RNNWF_ERR_IO,
               "missing.safetensors");
  EXPECT_ERROR(rnnwf::Model::load(""), RNNWF_ERR_INVALID_ARGUMENT, "rnnwf_model_load");
  const std::string damaged = scratch + "/damaged_cpp.safetensors";
  std::ofstream(damaged) << "this is not a checkpoint\n";
  EXPECT_ERROR(rnnwf::Model::load(damaged), RNNWF_ERR_FORMAT, "not a safetensors file");
}

}  // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
    return 2;
  }
  scratch = argv[1];
  test_library();  // first: it needs a thread on which nothing has failed yet
  test_config_and_construction();
  test_params();
  test_sample_and_log_psi();
  test_normalisation();
  test_save_and_load();
  std::printf("test_model_cpp: %d checks passed\n", checks);
  return 0;
}
