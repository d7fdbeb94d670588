/* The header compiles on its own, twice included, under strict C11 warnings. */
#include "rnnwf.h"
#include "rnnwf.h"

#include <complex.h>

_Static_assert(sizeof(rnnwf_complex) == sizeof(double _Complex), "rnnwf_complex size");
_Static_assert(_Alignof(rnnwf_complex) == _Alignof(double _Complex), "rnnwf_complex align");
_Static_assert(sizeof(rnnwf_status) == 4, "rnnwf_status is int32_t");
_Static_assert(sizeof(rnnwf_model_config) == 64, "rnnwf_model_config layout");

int rnnwf_header_alone_check(void);
int rnnwf_header_alone_check(void) {
  rnnwf_model_config cfg = {sizeof(rnnwf_model_config), RNNWF_CELL_GRU, 4, 1, 2, 8, 1,
                            RNNWF_PHASE_NONE, RNNWF_SIGN_NONE, -1, 0,
                            RNNWF_SYMMETRY_NONE, RNNWF_PRECISION_F64,
                            RNNWF_BOUNDARY_OPEN, 0};
  rnnwf_complex z = {1.0, -1.0};
  return (int)cfg.lx + (int)z.re;
}
