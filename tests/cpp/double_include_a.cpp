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
  return rnnwf::Model(cfg).num_sites();
}

int main() {
  std::printf("double_include: a=%zu b=%zu abi=%s\n", sites_from_a(), sites_from_b(),
              rnnwf::abi_compatible() ? "ok" : "mismatch");
  return 0;
}
