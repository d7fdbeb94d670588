// The header compiles on its own, twice included, under strict C++17 warnings, and its types
// match the C++ ones they stand for.
#include "rnnwf.h"
#include "rnnwf.h"

#include <complex>
#include <type_traits>

static_assert(sizeof(rnnwf_complex) == sizeof(std::complex<double>), "rnnwf_complex size");
static_assert(alignof(rnnwf_complex) == alignof(std::complex<double>), "rnnwf_complex align");
static_assert(std::is_standard_layout<rnnwf_model_config>::value, "config is plain data");
static_assert(std::is_same<rnnwf_status, std::int32_t>::value, "rnnwf_status is int32_t");

int rnnwf_header_alone_check();
int rnnwf_header_alone_check() {
  rnnwf_model_config cfg{};
  cfg.struct_size = sizeof cfg;
  rnnwf_model *m = nullptr;
  return (rnnwf_model_new(&cfg, &m) == RNNWF_OK) ? 0 : 1;
}
