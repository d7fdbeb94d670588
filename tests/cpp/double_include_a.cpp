// Two translation units include rnnwf.hpp (twice here) and link into one program: a
// non-inline definition in the header would be a duplicate symbol. Pairs with
// double_include_b.cpp.
#include "rnnwf.hpp"
#include "rnnwf.hpp"

#include <cstdio>

std::size_t sites_from_b();

static std::size_t sites_from_a() {
  rnnwf::ModelConfig cfg;
  cfg.lx = 6;
  cfg.hidden = 4;
  rnnwf::Model m(cfg);
  rnnwf::Vmc v{rnnwf::VmcConfig()};
  rnnwf::Hamiltonian h = rnnwf::Hamiltonian::tfim(6, 1, false, 1.0, 1.0);
  return rnnwf::exact_expectation(m, h).real() < 0.0 && v.config().n_samples == 1024
             ? h.num_sites()
             : 0;
}

int main() {
  std::printf("double_include: a=%zu b=%zu abi=%s\n", sites_from_a(), sites_from_b(),
              rnnwf::abi_compatible() ? "ok" : "mismatch");
  return 0;
}
