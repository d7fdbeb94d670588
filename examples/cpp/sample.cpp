// Sampling an RNN wave function from C++ (bindings/cpp/rnnwf.hpp).
//
//   c++ -std=c++17 -I include -I bindings/cpp examples/cpp/sample.cpp -L target/release
//       -lrnnwf -Wl,-rpath,target/release -o sample_cpp && ./sample_cpp [n_samples]
//   (or, installed: c++ -std=c++17 sample.cpp $(pkg-config --cflags --libs rnnwf))
//
// Creates a GRU wave function on a 12-site chain at zero magnetisation, samples it, checks
// that evaluating ln psi reproduces the sampled values, and prints the mean of ln|psi|^2
// (minus the Shannon entropy estimate). Errors arrive as rnnwf::Error exceptions.
//
// TODO(vmc): once rnnwf_hamiltonian_* and rnnwf_vmc_* land, train a few hundred steps on the
// 12-site transverse-field Ising chain and print the energy against
// rnnwf_exact_ground_energy, as examples/c will.
#include "rnnwf.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

int main(int argc, char **argv) try {
  const std::size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 2000;
  std::printf("rnnwf %s (ABI %u)\n", rnnwf::version().c_str(), rnnwf::abi_version());

  rnnwf::ModelConfig cfg;  // library defaults, then our changes
  cfg.lx = 12;
  cfg.hidden = 16;
  cfg.u1_total = 6;
  cfg.phase = RNNWF_PHASE_SOFTSIGN;
  cfg.seed = 7;
  rnnwf::Model model(cfg);
  std::printf("model: %zu sites, %zu parameters\n", model.num_sites(), model.num_params());

  rnnwf::Samples s = model.sample(2024, n);
  std::vector<rnnwf::Complex> evaluated = model.log_psi(s.configs);
  double worst = 0.0, mean_log_p = 0.0;
  for (std::size_t i = 0; i < n; i++) {
    worst = std::fmax(worst, std::abs(evaluated[i] - s.log_psi[i]));
    mean_log_p += 2.0 * s.log_psi[i].real() / static_cast<double>(n);
  }
  std::printf("first sample: ");
  for (std::size_t j = 0; j < s.num_sites; j++) std::putchar(s.configs[j] ? 'v' : '^');
  std::printf("\nmax |ln psi(evaluated) - ln psi(sampled)| = %.3g\n", worst);
  std::printf("entropy estimate -<ln P> = %.4f (at most ln C(12,6) = %.4f)\n", -mean_log_p,
              std::log(924.0));

  try {  // a deliberate error: a site value of 2 on a spin-1/2 model
    model.log_psi(std::vector<std::uint8_t>(12, 2));
  } catch (const rnnwf::Error &e) {
    std::printf("expected error: %s: %s\n", e.status_name(), e.what());
  }
  return worst < 1e-12 ? 0 : 1;
} catch (const rnnwf::Error &e) {
  std::fprintf(stderr, "rnnwf error %s: %s\n", e.status_name(), e.what());
  return 1;
}
