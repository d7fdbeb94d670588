/* Sampling an RNN wave function from C++ (bindings/cpp/rnnwf.hpp).

   Build and run (from the repository root, after `cargo build --release`):

     c++ -std=c++17 -I include -I bindings/cpp examples/cpp/sample.cpp -L target/release \
         -lrnnwf -Wl,-rpath,"$PWD/target/release" -o sample_cpp
     ./sample_cpp        # or ./sample_cpp N_SAMPLES STEPS; runs from any directory
     ./sample_cpp --help # the usage

   Against an installed prefix (scripts/install.sh, bindings/README.md):

     c++ -std=c++17 examples/cpp/sample.cpp $(pkg-config --cflags --libs rnnwf) -o sample_cpp

   Creates a GRU wave function on a 12-site chain at zero magnetisation, samples it, checks
   that evaluating ln psi reproduces the sampled values, and prints the mean of ln|psi|^2
   (minus the Shannon entropy estimate). Then trains a GRU with minSR for `steps` steps
   (default 200) on the open transverse-field Ising chain (N = 10, J = h = 1) and prints its
   energy against the exact ground energy. Errors arrive as rnnwf::Error exceptions. */
#include "rnnwf.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

// Trains on the open Ising chain -sum Z_i Z_{i+1} - sum X_i of 10 sites and prints the
// relative error of the trained model's exact <H> against the exact ground energy.
void train(int steps) {
  const std::uint32_t sites = 10;
  const double pi = 3.14159265358979323846;
  rnnwf::Hamiltonian h = rnnwf::Hamiltonian::tfim(sites, 1, /*periodic=*/false, 1.0, 1.0);
  const double e0 = rnnwf::exact_ground_energy(h);  // Lanczos
  std::printf("Ising chain: %zu sites, %zu terms, exact E0 = %.10f (free fermions %.10f)\n",
              h.num_sites(), h.num_terms(), e0, 1.0 - 1.0 / std::sin(pi / (2.0 * (2 * sites + 1))));

  rnnwf::ModelConfig cfg;
  cfg.lx = sites;
  cfg.hidden = 16;
  cfg.seed = 1;
  rnnwf::Model model(cfg);
  rnnwf::VmcConfig vc;  // library defaults (Adam), then minSR
  vc.optimizer = RNNWF_OPT_SR;
  vc.n_samples = 256;
  vc.learning_rate = 0.05;
  vc.sr_diag_shift = 1e-3;
  vc.seed = 3;
  rnnwf::Vmc vmc(vc);

  const double before = rnnwf::exact_expectation(model, h).real();
  std::printf("relative error before training: %.3e\n", (before - e0) / std::fabs(e0));
  for (int k = 0; k < steps; k++) {
    rnnwf::VmcStats s = vmc.step(model, h);
    if (k % 50 == 0 || k == steps - 1)
      std::printf("step %4d: E = %.6f +- %.6f\n", k, s.energy.mean_re, s.energy.error);
  }
  const double after = rnnwf::exact_expectation(model, h).real();
  std::printf("trained E = %.10f\n", after);
  std::printf("relative error after %d steps: %.3e\n", steps, (after - e0) / std::fabs(e0));
}

// A non-negative decimal integer, the whole argument; -1 for anything else.
long parse_count(const char *s) {
  char *end = nullptr;
  if (s[0] < '0' || s[0] > '9') return -1;
  const long v = std::strtol(s, &end, 10);
  return *end == '\0' ? v : -1;
}

int usage(std::FILE *to, const char *program) {
  std::fprintf(to, "usage: %s [N_SAMPLES [STEPS]]   (defaults 2000 and 200)\n", program);
  return to == stdout ? 0 : 2;
}

int main(int argc, char **argv) try {
  if (argc > 1 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0))
    return usage(stdout, argv[0]);
  const long n_arg = argc > 1 ? parse_count(argv[1]) : 2000;
  const long steps_arg = argc > 2 ? parse_count(argv[2]) : 200;
  if (argc > 3 || n_arg < 0 || steps_arg < 0 || steps_arg > 1000000) {
    std::fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0],
                 argv[argc > 3 ? 3 : (n_arg < 0 ? 1 : 2)]);
    return usage(stderr, argv[0]);
  }
  const std::size_t n = static_cast<std::size_t>(n_arg);
  const int steps = static_cast<int>(steps_arg);
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

  train(steps);
  return worst < 1e-12 ? 0 : 1;
} catch (const rnnwf::Error &e) {
  std::fprintf(stderr, "rnnwf error %s: %s\n", e.status_name(), e.what());
  return 1;
}
