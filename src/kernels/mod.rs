//! Batched dense kernels: the matrix product over `matrixmultiply` and the vectorised
//! elementwise kernels (activations, cell updates) chosen once per process by CPU features.
//!
//! Every elementwise kernel is written once, in plain arithmetic without `mul_add`, and
//! compiled for several instruction sets. Rust never contracts `a * b + c` into a fused
//! multiply-add on its own, so every variant rounds identically: sampling and evaluation
//! agree bit for bit whichever variant the machine picks.

mod activations;
mod cells;
mod cells_backward;
mod dispatch;
mod gemm;

pub(crate) use cells::{elu_in_place, gru_update, tanh_in_place};
pub(crate) use cells_backward::{elu_backward, gru_backward, tanh_backward};
pub use dispatch::simd_level_name;
pub(crate) use gemm::{gemm, gemm_view, matvec, matvec_transposed, View};
