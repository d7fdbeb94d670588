//! `rnnwf`: recurrent-neural-network wave functions and variational Monte Carlo for quantum
//! spin systems, with a stable C ABI (see `include/rnnwf.h`).
//!
//! The Rust API is the engine; `capi` only converts pointers, checks arguments, catches
//! panics and maps errors to status codes.

pub mod capi;
pub mod checkpoint;
pub mod error;
mod grad;
pub(crate) mod kernels;
pub mod model;
pub mod optim;
pub(crate) mod parallel;
pub(crate) mod random;
mod sampler;

pub use error::{Error, ErrorKind, Result};
pub use kernels::simd_level_name;
pub use model::{CellKind, Model, ModelConfig, ParamBlock, PhaseKind, SignRule};
pub use num_complex::Complex64;
pub use parallel::{num_threads, set_num_threads, CHUNK_ROWS};
