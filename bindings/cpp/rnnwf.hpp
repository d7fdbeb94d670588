// rnnwf.hpp: header-only C++17 wrapper of the rnnwf C API (rnnwf.h).
//
// - Handles are move-only RAII owners (rnnwf::Model); raw() hands out the C handle for calls
//   this header does not wrap, release() gives up ownership.
// - A failed call throws rnnwf::Error (a std::runtime_error) with the status code and the
//   library's message (rnnwf_last_error).
// - Results are std::vector or caller buffers (pointer + count); complex numbers are
//   std::complex<double>, layout-compatible with rnnwf_complex.
// - Configurations are uint8_t, row-major [n][num_sites()], as in C; gradients are
//   row-major [n][num_params()].
// - Objects: Model (wave function), Hamiltonian (Pauli-string operator), Vmc (training run,
//   with VmcConfig); free functions for estimators and exact tools (local_energies,
//   expectation, renyi2, exact_expectation, exact_ground_energy, sign_free,
//   restrict_symmetry, symmetry_invariant, three_sublattice_angles).
// - Everything is inline: include this header from as many translation units as you like.
//
// Link with -lrnnwf (pkg-config --cflags --libs rnnwf, or CMake target rnnwf::rnnwf).
#ifndef RNNWF_HPP
#define RNNWF_HPP

#include "rnnwf.h"

#include <complex>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace rnnwf {

using Complex = std::complex<double>;

// std::complex<double> is an array of two doubles (re, im), like rnnwf_complex: results are
// written straight into std::complex buffers.
static_assert(sizeof(Complex) == sizeof(rnnwf_complex), "std::complex<double> size");
static_assert(alignof(Complex) == alignof(rnnwf_complex), "std::complex<double> alignment");
static_assert(sizeof(rnnwf_complex) == 2 * sizeof(double), "rnnwf_complex is {re, im}");

// ---- errors ----

// A failed rnnwf call: status() is the RNNWF_ERR_* code, what() the library's message.
class Error : public std::runtime_error {
 public:
  Error(rnnwf_status status, const std::string &message)
      : std::runtime_error(message), status_(status) {}
  rnnwf_status status() const noexcept { return status_; }
  // The code's name, e.g. "RNNWF_ERR_BUFFER_SIZE".
  const char *status_name() const noexcept { return rnnwf_status_name(status_); }

 private:
  rnnwf_status status_;
};

// The message of this thread's last failed call ("" if none).
inline std::string last_error() {
  std::vector<char> buf(rnnwf_last_error(nullptr, 0) + 1);
  rnnwf_last_error(buf.data(), buf.size());
  return std::string(buf.data());
}

// Throws rnnwf::Error unless `status` is RNNWF_OK.
inline void check(rnnwf_status status) {
  if (status != RNNWF_OK) throw Error(status, last_error());
}

// ---- library-wide ----

inline std::string version() { return rnnwf_version(); }
inline std::uint32_t abi_version() noexcept { return rnnwf_abi_version(); }
// True when the loaded library has the ABI this header was compiled against.
inline bool abi_compatible() noexcept { return rnnwf_abi_version() == RNNWF_ABI_VERSION; }
inline std::string status_name(rnnwf_status status) { return rnnwf_status_name(status); }
inline void set_num_threads(std::uint32_t n) { check(rnnwf_set_num_threads(n)); }

namespace detail {

// Frees a C handle with its C destructor (which accepts NULL).
template <typename T, void (*Free)(T *)>
struct Deleter {
  void operator()(T *p) const noexcept { Free(p); }
};

// Calls a C constructor `f(args..., &out)` and returns the new handle, or throws.
template <typename T, typename F, typename... Args>
T *make(F f, Args &&...args) {
  T *out = nullptr;
  check(f(std::forward<Args>(args)..., &out));
  return out;
}

// Throws the error a C call would give for a host-side size mismatch.
inline void buffer_size_error(const std::string &message) {
  throw Error(RNNWF_ERR_BUFFER_SIZE, message);
}

// Tags the private constructors that take ownership of a C handle (so that Hamiltonian(0),
// 0 sites, is not mistaken for a null handle).
struct Adopt {};

inline rnnwf_complex *as_c(Complex *z) noexcept { return reinterpret_cast<rnnwf_complex *>(z); }
inline const rnnwf_complex *as_c(const Complex *z) noexcept {
  return reinterpret_cast<const rnnwf_complex *>(z);
}

// The number of configurations in a flat array of `len` site values of `sites` sites.
inline std::size_t rows(std::size_t len, std::size_t sites, const char *function) {
  if (sites == 0 || len % sites != 0)
    buffer_size_error(std::string(function) + ": " + std::to_string(len) +
                      " site values are not a whole number of configurations of " +
                      std::to_string(sites) + " sites");
  return len / sites;
}

}  // namespace detail

// A move-only owner of a C handle `T *` destroyed by `Free`. Each wrapped object is one line
// plus its methods:
//   class Hamiltonian : public Handle<rnnwf_hamiltonian, rnnwf_hamiltonian_free> { ... };
// A moved-from owner holds NULL; calls on it throw Error(RNNWF_ERR_NULL_POINTER).
template <typename T, void (*Free)(T *)>
class Handle {
 public:
  T *raw() noexcept { return ptr_.get(); }
  const T *raw() const noexcept { return ptr_.get(); }
  // Gives up ownership: the caller must free the returned handle.
  T *release() noexcept { return ptr_.release(); }
  explicit operator bool() const noexcept { return ptr_ != nullptr; }

 protected:
  // Takes ownership of `p` (made by a C constructor).
  explicit Handle(T *p) noexcept : ptr_(p) {}

 private:
  std::unique_ptr<T, detail::Deleter<T, Free>> ptr_;
};

// ---- model ----

// A model config filled with the library's defaults (rnnwf_model_config_init); change the
// fields you need, then pass it to Model.
struct ModelConfig : rnnwf_model_config {
  ModelConfig() : rnnwf_model_config() { check(rnnwf_model_config_init(this)); }
};

// Samples and their ln psi: configs is row-major [n][num_sites].
struct Samples {
  std::size_t n = 0;
  std::size_t num_sites = 0;
  std::vector<std::uint8_t> configs;
  std::vector<Complex> log_psi;
};

// An RNN wave function.
class Model : public Handle<rnnwf_model, rnnwf_model_free> {
 public:
  explicit Model(const rnnwf_model_config &cfg)
      : Handle(detail::make<rnnwf_model>(rnnwf_model_new, &cfg)) {}
  // Takes ownership of a handle made by the C API.
  static Model adopt(rnnwf_model *raw) noexcept { return Model(raw); }
  // Reads a checkpoint written by save().
  static Model load(const std::string &path) {
    return Model(detail::make<rnnwf_model>(rnnwf_model_load, path.c_str()));
  }
  // A deep copy (the copy constructor is deleted: copies are explicit).
  Model clone() const { return Model(detail::make<rnnwf_model>(rnnwf_model_clone, raw())); }
  // The same psi with `hidden` units per layer, at least this model's (rnnwf_model_widen).
  Model widen(std::uint32_t hidden) const {
    return Model(detail::make<rnnwf_model>(rnnwf_model_widen, raw(), hidden));
  }

  // The same parameters on the lx x ly lattice (rnnwf_model_resize); u1_total -1 for none.
  Model resize(std::uint32_t lx, std::uint32_t ly, std::int32_t u1_total) const {
    return Model(detail::make<rnnwf_model>(rnnwf_model_resize, raw(), lx, ly, u1_total));
  }

  void save(const std::string &path) const { check(rnnwf_model_save(raw(), path.c_str())); }

  // The number of lattice-group elements the amplitude is averaged over (1 without a
  // symmetry), and their codes: RNNWF_MAP_*, plus RNNWF_WITH_FLIP with the spin flip and
  // RNNWF_WITH_CONJUGATE with the conjugation.
  std::size_t symmetry_size() const {
    std::size_t n = 0;
    check(rnnwf_model_symmetry_size(raw(), &n));
    return n;
  }
  std::vector<std::uint32_t> symmetry_maps() const {
    std::vector<std::uint32_t> codes(symmetry_size());
    check(rnnwf_model_symmetry_maps(raw(), codes.data(), codes.size()));
    return codes;
  }

  rnnwf_model_config config() const {
    rnnwf_model_config cfg{};
    cfg.struct_size = sizeof cfg;
    check(rnnwf_model_get_config(raw(), &cfg));
    return cfg;
  }
  std::size_t num_sites() const {
    std::size_t n = 0;
    check(rnnwf_model_num_sites(raw(), &n));
    return n;
  }
  std::size_t num_params() const {
    std::size_t n = 0;
    check(rnnwf_model_num_params(raw(), &n));
    return n;
  }

  // Parameters: `len` must equal num_params().
  void get_params(double *out, std::size_t len) const {
    check(rnnwf_model_get_params(raw(), out, len));
  }
  std::vector<double> params() const {
    std::vector<double> p(num_params());
    get_params(p.data(), p.size());
    return p;
  }
  void set_params(const double *params, std::size_t len) {
    check(rnnwf_model_set_params(raw(), params, len));
  }
  void set_params(const std::vector<double> &params) { set_params(params.data(), params.size()); }

  // Draws n samples into configs_out ([n][num_sites()]) and, unless NULL, their ln psi.
  void sample(std::uint64_t seed, std::size_t n, std::uint8_t *configs_out,
              Complex *log_psi_out) const {
    check(rnnwf_sample(raw(), seed, n, configs_out, as_c(log_psi_out)));
  }
  Samples sample(std::uint64_t seed, std::size_t n) const {
    Samples s;
    s.n = n;
    s.num_sites = num_sites();
    s.configs.resize(n * s.num_sites);
    s.log_psi.resize(n);
    sample(seed, n, s.configs.data(), s.log_psi.data());
    return s;
  }

  // ln psi of n configurations ([n][num_sites()]) into out ([n]).
  void log_psi(const std::uint8_t *configs, std::size_t n, Complex *out) const {
    check(rnnwf_log_psi(raw(), configs, n, as_c(out)));
  }
  // configs.size() must be a multiple of num_sites().
  std::vector<Complex> log_psi(const std::vector<std::uint8_t> &configs) const {
    std::size_t n = rows(configs.size(), "rnnwf::Model::log_psi");
    std::vector<Complex> out(n);
    log_psi(configs.data(), n, out.data());
    return out;
  }

  // ln psi of n_conn configurations equal to config ([num_sites()]) except that connection c
  // sets sites[offsets[c] .. offsets[c+1]) to the matching values (offsets: n_conn + 1
  // entries from 0), with the local energies' prefix reuse.
  void log_psi_connected(const std::uint8_t *config, std::size_t n_conn,
                         const std::size_t *offsets, const std::uint32_t *sites,
                         const std::uint8_t *values, Complex *out) const {
    check(rnnwf_log_psi_connected(raw(), config, n_conn, offsets, sites, values, as_c(out)));
  }
  std::vector<Complex> log_psi_connected(const std::uint8_t *config,
                                         const std::vector<std::size_t> &offsets,
                                         const std::vector<std::uint32_t> &sites,
                                         const std::vector<std::uint8_t> &values) const {
    std::size_t n = offsets.empty() ? 0 : offsets.size() - 1;
    // The C call reads offsets.back() entries of sites and values: check they are there.
    std::size_t entries = offsets.empty() ? 0 : offsets.back();
    if (sites.size() != entries || values.size() != entries)
      detail::buffer_size_error("rnnwf::Model::log_psi_connected: offsets ends at " +
                                std::to_string(entries) + ", but sites has " +
                                std::to_string(sites.size()) + " entries and values " +
                                std::to_string(values.size()));
    std::vector<Complex> out(n);
    log_psi_connected(config, n, offsets.data(), sites.data(), values.data(), out.data());
    return out;
  }

  // d ln psi / d theta of n configurations ([n][num_sites()]) into out ([n][num_params()],
  // parameters in the order of params()).
  void log_psi_grad(const std::uint8_t *configs, std::size_t n, Complex *out) const {
    check(rnnwf_log_psi_grad(raw(), configs, n, as_c(out)));
  }
  // Row-major [n][num_params()]; configs.size() must be a multiple of num_sites().
  std::vector<Complex> log_psi_grad(const std::vector<std::uint8_t> &configs) const {
    std::size_t n = rows(configs.size(), "rnnwf::Model::log_psi_grad");
    std::vector<Complex> out(n * num_params());
    log_psi_grad(configs.data(), n, out.data());
    return out;
  }

  // The number of configurations in a flat array of `len` site values (else
  // Error(RNNWF_ERR_BUFFER_SIZE) naming `function`).
  std::size_t rows(std::size_t len, const char *function) const {
    return detail::rows(len, num_sites(), function);
  }

 private:
  explicit Model(rnnwf_model *p) noexcept : Handle(p) {}

  static rnnwf_complex *as_c(Complex *z) noexcept { return detail::as_c(z); }
};

// ---- operators ----

// H = sum_k c_k P_k, real coefficients times Pauli strings on num_sites() spin-1/2 sites.
class Hamiltonian : public Handle<rnnwf_hamiltonian, rnnwf_hamiltonian_free> {
 public:
  // The zero operator on n_sites sites (1 to 2^20).
  explicit Hamiltonian(std::uint32_t n_sites)
      : Handle(detail::make<rnnwf_hamiltonian>(rnnwf_hamiltonian_new, n_sites)) {}
  // Takes ownership of a handle made by the C API.
  static Hamiltonian adopt(rnnwf_hamiltonian *raw) noexcept {
    return Hamiltonian(detail::Adopt{}, raw);
  }
  // From text, one term a line: "-1.0 Z0 Z1", "-0.5 X3", a constant "2.5"; '#' comments.
  static Hamiltonian parse(std::uint32_t n_sites, const std::string &text) {
    return adopt(detail::make<rnnwf_hamiltonian>(rnnwf_hamiltonian_parse, n_sites, text.c_str()));
  }
  // -J sum_<ij> Z_i Z_j - h sum_i X_i on the lx*ly chain or grid.
  static Hamiltonian tfim(std::uint32_t lx, std::uint32_t ly, bool periodic, double J,
                          double h) {
    return adopt(detail::make<rnnwf_hamiltonian>(rnnwf_hamiltonian_tfim, lx, ly,
                                                 periodic ? 1u : 0u, J, h));
  }
  // J1 sum_<ij> (XX+YY+ZZ) + J2 sum_<<ij>> (XX+YY+ZZ) in Pauli units.
  static Hamiltonian heisenberg(std::uint32_t lx, std::uint32_t ly, bool periodic, double J1,
                                double J2) {
    return adopt(detail::make<rnnwf_hamiltonian>(rnnwf_hamiltonian_heisenberg, lx, ly,
                                                 periodic ? 1u : 0u, J1, J2));
  }

  // J sum (XX+YY+ZZ) over the triangular bonds (x,y)-(x+1,y), (x,y)-(x,y+1), (x,y)-(x+1,y+1).
  static Hamiltonian triangular(std::uint32_t lx, std::uint32_t ly, bool periodic, double J) {
    return adopt(detail::make<rnnwf_hamiltonian>(rnnwf_hamiltonian_triangular, lx, ly,
                                                 periodic ? 1u : 0u, J));
  }

  // The zero operator on n_sites sites of local_dim values, for add_local.
  static Hamiltonian new_local(std::uint32_t n_sites, std::uint32_t local_dim) {
    return adopt(detail::make<rnnwf_hamiltonian>(rnnwf_hamiltonian_new_local, n_sites, local_dim));
  }
  // J sum_<ij> [S.S + beta (S.S)^2] + D sum (S^z)^2 on spin-1 sites (beta = 1/3: AKLT).
  static Hamiltonian spin1(std::uint32_t lx, std::uint32_t ly, bool periodic, double J,
                           double beta, double D) {
    return adopt(detail::make<rnnwf_hamiltonian>(rnnwf_hamiltonian_spin1, lx, ly,
                                                 periodic ? 1u : 0u, J, beta, D));
  }
  // -t sum_<ij> (b_i^dag b_j + h.c.) + U/2 sum n(n-1) - mu sum n, occupations 0..n_max.
  static Hamiltonian bose_hubbard(std::uint32_t lx, std::uint32_t ly, bool periodic,
                                  std::uint32_t n_max, double t, double U, double mu) {
    return adopt(detail::make<rnnwf_hamiltonian>(rnnwf_hamiltonian_bose_hubbard, lx, ly,
                                                 periodic ? 1u : 0u, n_max, t, U, mu));
  }
  // -Omega/2 sum sigma^x - delta sum n + sum_{r <= cutoff} Omega Rb^6 / r^6 n n on the lx*ly
  // array, `group` atoms along x per site (local dimension 2^group).
  static Hamiltonian rydberg(std::uint32_t lx, std::uint32_t ly, double Omega, double delta,
                             double Rb, double cutoff, std::uint32_t group) {
    return adopt(detail::make<rnnwf_hamiltonian>(rnnwf_hamiltonian_rydberg, lx, ly, Omega,
                                                 delta, Rb, cutoff, group));
  }

  // Adds the Hermitian operator whose d^k x d^k row-major `matrix` (<a|O|b>, the first listed
  // site most significant) acts on the k `sites`; matrix must hold exactly d^k * d^k values.
  Hamiltonian &add_local(const std::vector<std::uint32_t> &sites,
                         const std::vector<Complex> &matrix) {
    std::size_t side = 1;
    for (std::size_t j = 0; j < sites.size(); ++j) side *= local_dim();
    if (!sites.empty() && matrix.size() != side * side)
      detail::buffer_size_error("add_local: matrix must hold d^k x d^k = " +
                         std::to_string(side * side) + " values, got " +
                         std::to_string(matrix.size()));
    check(rnnwf_hamiltonian_add_local(raw(), static_cast<std::uint32_t>(sites.size()),
                                      sites.data(),
                                      reinterpret_cast<const rnnwf_complex *>(matrix.data())));
    return *this;
  }

  // Adds coeff * P, P with Pauli letter paulis[k] on sites[k] (n_ops of each); "" and 0 sites
  // add a constant. A refused term leaves the operator unchanged.
  void add_term(double coeff, const char *paulis, const std::uint32_t *sites,
                std::size_t n_ops) {
    check(rnnwf_hamiltonian_add_term(raw(), coeff, paulis, sites, n_ops));
  }
  // E.g. h.add_term(-1.0, "ZZ", {0, 1}); paulis and sites must have the same length.
  Hamiltonian &add_term(double coeff, const std::string &paulis,
                        const std::vector<std::uint32_t> &sites) {
    add_term(coeff, paulis.c_str(), sites.data(), sites.size());
    return *this;
  }

  // Replaces the operator by U H U^dagger, U = prod_j exp(-i angles[j] n_j) (n_j: site j's
  // value, 1 = down): a state psi becomes exp(-i sum_j angles[j] s_j) psi(s), at the same
  // energy. One angle per site; on error the operator is unchanged.
  Hamiltonian &rotate_z(const std::vector<double> &angles) {
    check(rnnwf_hamiltonian_rotate_z(raw(), angles.data(), angles.size()));
    return *this;
  }

  std::size_t num_sites() const {
    std::size_t n = 0;
    check(rnnwf_hamiltonian_num_sites(raw(), &n));
    return n;
  }
  std::size_t num_terms() const {
    std::size_t n = 0;
    check(rnnwf_hamiltonian_num_terms(raw(), &n));
    return n;
  }
  std::size_t local_dim() const {
    std::size_t n = 0;
    check(rnnwf_hamiltonian_local_dim(raw(), &n));
    return n;
  }

 private:
  Hamiltonian(detail::Adopt, rnnwf_hamiltonian *p) noexcept : Handle(p) {}
};

// ---- estimators and exact tools ----

// A sample mean with its statistics (rnnwf_estimate) and the mean as a complex number.
struct Estimate : rnnwf_estimate {
  Estimate() : rnnwf_estimate() {}
  Complex mean() const noexcept { return {mean_re, mean_im}; }
};

// E_loc of n configurations ([n][m.num_sites()]) into out ([n]).
inline void local_energies(const Model &m, const Hamiltonian &h, const std::uint8_t *configs,
                           std::size_t n, Complex *out) {
  check(rnnwf_local_energies(m.raw(), h.raw(), configs, n, detail::as_c(out)));
}
// configs.size() must be a multiple of m.num_sites().
inline std::vector<Complex> local_energies(const Model &m, const Hamiltonian &h,
                                           const std::vector<std::uint8_t> &configs) {
  std::size_t n = m.rows(configs.size(), "rnnwf::local_energies");
  std::vector<Complex> out(n);
  local_energies(m, h, configs.data(), n, out.data());
  return out;
}

// <op> from n_samples exact samples drawn with seed.
inline Estimate expectation(const Model &m, const Hamiltonian &op, std::uint64_t seed,
                            std::size_t n_samples) {
  Estimate e;
  check(rnnwf_expectation(m.raw(), op.raw(), seed, n_samples, &e));
  return e;
}

// S2 of the sites in region by the swap trick (mean_re = S2), from n_samples pairs.
inline Estimate renyi2(const Model &m, const std::uint32_t *region, std::size_t region_len,
                       std::uint64_t seed, std::size_t n_samples) {
  Estimate e;
  check(rnnwf_renyi2(m.raw(), region, region_len, seed, n_samples, &e));
  return e;
}
inline Estimate renyi2(const Model &m, const std::vector<std::uint32_t> &region,
                       std::uint64_t seed, std::size_t n_samples) {
  return renyi2(m, region.data(), region.size(), seed, n_samples);
}

// <psi|op|psi> / <psi|psi> summed over all 2^N configurations (N <= 24).
inline Complex exact_expectation(const Model &m, const Hamiltonian &op) {
  Complex z;
  check(rnnwf_exact_expectation(m.raw(), op.raw(), detail::as_c(&z)));
  return z;
}

// The lowest eigenvalue of h by Lanczos (N <= 24).
// The angles (2 pi / 3) ((x + y) mod 3) of the lx*ly grid's sites (i = x + lx*y), for
// Hamiltonian::rotate_z: the triangular lattice's 120-degree rotation.
inline std::vector<double> three_sublattice_angles(std::uint32_t lx, std::uint32_t ly) {
  std::vector<double> out(static_cast<std::size_t>(lx) * ly);
  check(rnnwf_three_sublattice_angles(lx, ly, out.data(), out.size()));
  return out;
}

inline double exact_ground_energy(const Hamiltonian &h) {
  double e = 0.0;
  check(rnnwf_exact_ground_energy(h.raw(), &e));
  return e;
}

// Whether every off-diagonal element of h, times m's sign rule on both sides, is <= 0: a
// positive amplitude (a model without a phase head) can then be exact.
inline bool sign_free(const Model &m, const Hamiltonian &h) {
  std::uint32_t out = 0;
  check(rnnwf_sign_free(m.raw(), h.raw(), &out));
  return out == 1;
}

// A new model with m's parameters and settings, averaged over the elements of its lattice
// group that leave h invariant, or conjugate an h that is not real (kept with the
// conjugation; rnnwf_model_restrict_symmetry). m is unchanged.
inline Model restrict_symmetry(const Model &m, const Hamiltonian &h) {
  rnnwf_model *out = nullptr;
  check(rnnwf_model_restrict_symmetry(m.raw(), h.raw(), &out));
  return Model::adopt(out);
}

// Whether every element of m's lattice group leaves h invariant (true without a symmetry).
inline bool symmetry_invariant(const Model &m, const Hamiltonian &h) {
  std::uint32_t out = 0;
  check(rnnwf_symmetry_invariant(m.raw(), h.raw(), &out));
  return out == 1;
}

// ---- training ----

// A training config filled with the library's defaults (rnnwf_vmc_config_init); change the
// fields you need, then pass it to Vmc. `optimizer` is the update rule (RNNWF_OPT_SGD,
// RNNWF_OPT_ADAM; RNNWF_OPT_SR = SGD after SR), `preconditioner` what turns the gradient
// into the update direction (RNNWF_PRECONDITIONER_NONE, RNNWF_PRECONDITIONER_SR, or
// RNNWF_PRECONDITIONER_SPRING with its sr_momentum).
struct VmcConfig : rnnwf_vmc_config {
  VmcConfig() : rnnwf_vmc_config() { check(rnnwf_vmc_config_init(this)); }
};

// What one Vmc::step measured (rnnwf_vmc_stats, its struct_size set) and the energy as an
// Estimate.
struct VmcStats : rnnwf_vmc_stats {
  VmcStats() : rnnwf_vmc_stats() { struct_size = sizeof(rnnwf_vmc_stats); }
  Complex energy_mean() const noexcept { return {energy.mean_re, energy.mean_im}; }
};

// A reduction over processes: sums buf[0..len) in place and returns 0 (e.g. with
// MPI_Allreduce(MPI_IN_PLACE, buf, len, MPI_DOUBLE, MPI_SUM, comm)); a non-zero return or an
// exception fails the step with RNNWF_ERR_CALLBACK.
using Allreduce = std::function<int(double *buf, std::size_t len)>;

// A training run: settings, step counter, optimiser state and reduction hook.
class Vmc : public Handle<rnnwf_vmc, rnnwf_vmc_free> {
 public:
  explicit Vmc(const rnnwf_vmc_config &cfg)
      : Handle(detail::make<rnnwf_vmc>(rnnwf_vmc_new, &cfg)) {}

  rnnwf_vmc_config config() const {
    rnnwf_vmc_config cfg{};
    cfg.struct_size = sizeof cfg;
    check(rnnwf_vmc_get_config(raw(), &cfg));
    return cfg;
  }
  // Steps taken so far, the index the next step reports; counts on after load().
  std::uint64_t step_count() const {
    std::uint64_t n = 0;
    check(rnnwf_vmc_step_count(raw(), &n));
    return n;
  }
  void set_learning_rate(double lr) { check(rnnwf_vmc_set_learning_rate(raw(), lr)); }
  void set_temperature(double t) { check(rnnwf_vmc_set_temperature(raw(), t)); }
  void set_diag_shift(double shift) { check(rnnwf_vmc_set_diag_shift(raw(), shift)); }
  void set_n_samples(std::uint64_t n) { check(rnnwf_vmc_set_n_samples(raw(), n)); }
  // Each MPI rank its own seed, also again after load().
  void set_seed(std::uint64_t seed) { check(rnnwf_vmc_set_seed(raw(), seed)); }

  // Installs a C hook (f = nullptr removes it); user_data must outlive the hook.
  void set_allreduce(rnnwf_allreduce_fn f, void *user_data) {
    check(rnnwf_vmc_set_allreduce(raw(), f, user_data));
    hook_.reset();
  }
  // Installs a C++ hook, owned by this object (an empty function removes the hook). An
  // exception it throws fails the step with RNNWF_ERR_CALLBACK; its what() is appended to
  // the Error's message.
  void set_allreduce(Allreduce f) {
    if (!f) {
      set_allreduce(nullptr, nullptr);
      return;
    }
    std::unique_ptr<Hook> hook(new Hook{std::move(f), std::string()});
    check(rnnwf_vmc_set_allreduce(raw(), &Vmc::trampoline, hook.get()));
    hook_ = std::move(hook);
  }

  // One VMC step on h; the statistics of the samples drawn before the update.
  VmcStats step(Model &m, const Hamiltonian &h) {
    VmcStats stats;
    finish(rnnwf_vmc_step(raw(), m.raw(), h.raw(), &stats));
    return stats;
  }

  // The samples the next step() draws ([n_samples][m.num_sites()]).
  std::vector<std::uint8_t> sample(const Model &m) const {
    std::vector<std::uint8_t> configs(config().n_samples * m.num_sites());
    check(rnnwf_vmc_sample(raw(), m.raw(), configs.data(), nullptr));
    return configs;
  }

  // One step on the host's n samples ([n][m.num_sites()]) and their local energies ([n]).
  VmcStats step_on_samples(Model &m, const std::uint8_t *configs, std::size_t n,
                           const Complex *local_energies) {
    VmcStats stats;
    finish(rnnwf_vmc_step_on_samples(raw(), m.raw(), configs, n, detail::as_c(local_energies),
                                     &stats));
    return stats;
  }

  // One likelihood step on n configurations ([n][m.num_sites()]); -<ln P(data)> before it.
  double fit_step(Model &m, const std::uint8_t *data, std::size_t n) {
    double nll = 0.0;
    finish(rnnwf_fit_step(raw(), m.raw(), data, n, &nll));
    return nll;
  }
  double fit_step(Model &m, const std::vector<std::uint8_t> &data) {
    return fit_step(m, data.data(), m.rows(data.size(), "rnnwf::Vmc::fit_step"));
  }

  // Settings, step counter and optimiser state; save the model beside it.
  void save(const std::string &path) const { check(rnnwf_vmc_save(raw(), path.c_str())); }
  // Replaces settings, step counter and optimiser state; the hook stays.
  void load(const std::string &path) { check(rnnwf_vmc_load(raw(), path.c_str())); }

 private:
  struct Hook {
    Allreduce fn;
    std::string error;  // what() of the exception that failed the last call, if any
  };

  static std::int32_t trampoline(double *buf, std::size_t len, void *user_data) noexcept {
    Hook *hook = static_cast<Hook *>(user_data);
    try {
      return static_cast<std::int32_t>(hook->fn(buf, len));
    } catch (const std::exception &e) {
      hook->error = e.what();
    } catch (...) {
      hook->error = "unknown exception";
    }
    return -1;
  }

  // check(), with the message of an exception thrown by the C++ hook during the call.
  void finish(rnnwf_status status) {
    std::string thrown;
    if (hook_) std::swap(thrown, hook_->error);
    if (status == RNNWF_OK) return;
    std::string message = last_error();
    if (status == RNNWF_ERR_CALLBACK && !thrown.empty())
      message += " (the hook threw: " + thrown + ")";
    throw Error(status, message);
  }

  std::unique_ptr<Hook> hook_;  // destroyed before the handle (members before bases)
};

}  // namespace rnnwf

#endif  // RNNWF_HPP
