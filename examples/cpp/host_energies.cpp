/* Training on a Hamiltonian the host evaluates itself (bindings/cpp/rnnwf.hpp): the open
   transverse-field Ising chain H = -sum Z_i Z_{i+1} - h sum X_i, whose local energies this
   program computes from its own matrix elements and the amplitudes of each sample's
   single-flip configurations (rnnwf_log_psi_connected); the library only takes the steps
   (rnnwf_vmc_sample, rnnwf_vmc_step_on_samples). Prints the energy against the exact ground
   energy (free fermions, J = h = 1: E0 = 1 - 1/sin(pi / (2(2N+1)))).

   Build and run (from the repository root, after `cargo build --release`):

     c++ -std=c++17 -I include -I bindings/cpp examples/cpp/host_energies.cpp \
         -L target/release -lrnnwf -Wl,-rpath,"$PWD/target/release" -o host_energies
     ./host_energies            # or ./host_energies STEPS (default 300) */
#include "rnnwf.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char **argv) {
  const int steps = argc > 1 ? std::atoi(argv[1]) : 300;
  if (steps <= 0) {
    std::fprintf(stderr, "usage: %s [STEPS > 0]\n", argv[0]);
    return 2;
  }
  const std::uint32_t n_sites = 8;
  const double pi = 3.14159265358979323846, field = 1.0;
  const double e0 = 1.0 - 1.0 / std::sin(pi / (2.0 * (2 * n_sites + 1)));
  try {
    rnnwf::ModelConfig cfg;
    cfg.lx = n_sites;
    cfg.hidden = 12;
    cfg.seed = 1;
    rnnwf::Model model(cfg);
    rnnwf::VmcConfig vc;  // Adam
    vc.n_samples = 256;
    vc.learning_rate = 0.01;
    vc.seed = 5;
    rnnwf::Vmc vmc(vc);
    // Connection i flips site i: the same sites for every sample, the values per sample.
    std::vector<std::size_t> offsets(n_sites + 1);
    std::vector<std::uint32_t> sites(n_sites);
    for (std::uint32_t i = 0; i < n_sites; i++) {
      sites[i] = i;
      offsets[i + 1] = i + 1;
    }
    std::vector<std::uint8_t> values(n_sites);
    std::vector<rnnwf::Complex> connected(n_sites), e_loc(vc.n_samples);
    double energy = 0.0;
    for (int step = 0; step < steps; step++) {
      std::vector<std::uint8_t> configs = vmc.sample(model);
      std::vector<rnnwf::Complex> log_psi = model.log_psi(configs);
      for (std::size_t k = 0; k < vc.n_samples; k++) {
        const std::uint8_t *s = configs.data() + k * n_sites;
        for (std::uint32_t i = 0; i < n_sites; i++) values[i] = 1 - s[i];
        model.log_psi_connected(s, n_sites, offsets.data(), sites.data(), values.data(),
                                connected.data());
        rnnwf::Complex e = 0.0;
        for (std::uint32_t i = 0; i + 1 < n_sites; i++) e -= s[i] == s[i + 1] ? 1.0 : -1.0;
        for (std::uint32_t i = 0; i < n_sites; i++) e -= field * std::exp(connected[i] - log_psi[k]);
        e_loc[k] = e;
      }
      rnnwf::VmcStats stats = vmc.step_on_samples(model, configs.data(), vc.n_samples, e_loc.data());
      energy = stats.energy.mean_re;
      if (step % 50 == 0) std::printf("step %4d  E = %.6f\n", step, energy);
    }
    rnnwf::Hamiltonian h = rnnwf::Hamiltonian::tfim(n_sites, 1, false, 1.0, field);
    const double exact = rnnwf::exact_expectation(model, h).real();
    std::printf("host energies: <H> = %.8f, exact E0 = %.8f, relative error %.3e\n", exact, e0,
                (exact - e0) / std::fabs(e0));
  } catch (const rnnwf::Error &e) {
    std::fprintf(stderr, "rnnwf error: %s\n", e.what());
    return 1;
  }
  return 0;
}
