// rnnwf.hpp: header-only C++17 wrapper of the rnnwf C API (rnnwf.h).
//
// - Handles are move-only RAII owners (rnnwf::Model); raw() hands out the C handle for calls
//   this header does not wrap, release() gives up ownership.
// - A failed call throws rnnwf::Error (a std::runtime_error) with the status code and the
//   library's message (rnnwf_last_error).
// - Results are std::vector or caller buffers (pointer + count); complex numbers are
//   std::complex<double>, layout-compatible with rnnwf_complex.
// - Configurations are uint8_t, row-major [n][num_sites()], as in C.
// - Everything is inline: include this header from as many translation units as you like.
//
// Link with -lrnnwf (pkg-config --cflags --libs rnnwf, or CMake target rnnwf::rnnwf).
#ifndef RNNWF_HPP
#define RNNWF_HPP

#include "rnnwf.h"

#include <complex>
#include <cstddef>
#include <cstdint>
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

  void save(const std::string &path) const { check(rnnwf_model_save(raw(), path.c_str())); }

  rnnwf_model_config config() const {
    rnnwf_model_config cfg{};
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

 private:
  explicit Model(rnnwf_model *p) noexcept : Handle(p) {}

  static rnnwf_complex *as_c(Complex *z) noexcept { return reinterpret_cast<rnnwf_complex *>(z); }

  // The number of configurations in a flat array of `len` site values.
  std::size_t rows(std::size_t len, const char *function) const {
    std::size_t sites = num_sites();
    if (len % sites != 0)
      detail::buffer_size_error(std::string(function) + ": " + std::to_string(len) +
                                " site values are not a whole number of configurations of " +
                                std::to_string(sites) + " sites");
    return len / sites;
  }
};

}  // namespace rnnwf

#endif  // RNNWF_HPP
