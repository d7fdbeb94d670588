//! Batched dense kernels: the matrix product over `matrixmultiply` and the vectorised
//! elementwise kernels (activations, cell updates) chosen once per process by CPU features.
//!
//! Every elementwise kernel is written once and compiled for several instruction sets. The
//! bodies that evaluate exp, sigmoid or tanh are generic over the arithmetic of those
//! activations (`activations::Arithmetic`): the FMA variants (AVX2, AVX-512) instantiate
//! them with fused multiply-adds, and round identically to each other. The portable variant
//! (any other CPU or target) instantiates them with plain multiplies and adds where the
//! compile target has no FMA, where `f64::mul_add` would be a libm call an order of magnitude
//! slower; its results differ from the FMA variants' in the last bits, by at most 2e-15
//! relative to max(1, |value|) on the tests' inputs. Where the target's baseline has FMA
//! (aarch64) the portable variant is the fused one and rounds like the FMA variants. The
//! rest of each body is plain arithmetic, which Rust never contracts into fused
//! multiply-adds, so it rounds the same in every variant.
//!
//! The variant is chosen once per process (`RNNWF_GENERIC_KERNELS` forces the portable one
//! on x86-64), so sampling and evaluation agree bit for bit and results do not depend on the
//! thread count; between machines with and without FMA they agree to the last bits only.

mod activations;
mod cells;
mod dispatch;
mod gemm;
mod heads;
mod real;
mod small_k;

pub(crate) use cells::{
    elu_backward, elu_in_place, gru_backward, gru_update, linear_backward, linear_blend,
    linear_update, tanh_backward, tanh_in_place, tensor_gru_backward, tensor_gru_update, GruRows,
    LinearRows, Near, TensorGruRows,
};
pub use dispatch::simd_level_name;
pub(crate) use gemm::{gemm, gemm_view, matvec, matvec_transposed, View};
pub(crate) use heads::{
    head_affine, head_logits, log_softmax, softmax_probabilities, two_value_probabilities,
};
pub(crate) use real::Real;
