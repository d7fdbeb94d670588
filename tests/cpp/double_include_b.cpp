// The second translation unit of the double-include link test (see double_include_a.cpp).
#include "rnnwf.hpp"

std::size_t sites_from_b();

std::size_t sites_from_b() {
  rnnwf::ModelConfig cfg;
  cfg.lx = 8;
  cfg.hidden = 4;
  rnnwf::Model m(cfg);
  rnnwf::Model copy = m.clone();
  try {
    copy.set_params(std::vector<double>{});
  } catch (const rnnwf::Error &e) {
    rnnwf::Hamiltonian h = rnnwf::Hamiltonian::parse(8, "-1.0 Z0 Z1\n");
    rnnwf::Vmc v{rnnwf::VmcConfig()};
    v.set_allreduce([](double *, std::size_t) { return 0; });
    return e.status() == RNNWF_ERR_BUFFER_SIZE ? h.num_sites() : 0;
  }
  return 0;
}
