// Built by tests/cmake_consumer against an installed rnnwf: prints what tests/packaging.rs
// checks.
#include <rnnwf.hpp>

#include <cmath>
#include <cstdio>

int main() {
  rnnwf::ModelConfig cfg;
  cfg.lx = 8;
  cfg.hidden = 6;
  rnnwf::Model model(cfg);
  rnnwf::Samples s = model.sample(3, 100);
  double worst = 0.0;
  std::vector<rnnwf::Complex> lp = model.log_psi(s.configs);
  for (std::size_t i = 0; i < s.n; i++) worst = std::fmax(worst, std::abs(lp[i] - s.log_psi[i]));
  std::printf("consumer_cpp: rnnwf %s, %zu sites, agreement %s\n", rnnwf::version().c_str(),
              model.num_sites(), worst < 1e-12 ? "ok" : "BAD");
  return worst < 1e-12 ? 0 : 1;
}
