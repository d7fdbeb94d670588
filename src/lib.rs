//! `rnnwf`: recurrent-neural-network wave functions and variational Monte Carlo for quantum
//! spin systems, with a stable C ABI (see `include/rnnwf.h`).
//!
//! The Rust API is the engine; `capi` only converts pointers, checks arguments, catches
//! panics and maps errors to status codes.

pub mod capi;
pub mod checkpoint;
pub mod error;
pub mod estimators;
pub mod exact;
mod grad;
pub mod hamiltonian;
pub(crate) mod kernels;
pub mod local_energy;
pub mod model;
pub mod optim;
pub(crate) mod parallel;
pub(crate) mod random;
mod sampler;
pub mod vmc;

pub use error::{Error, ErrorKind, Result};
pub use estimators::{expectation, renyi2, Estimate};
pub use exact::{
    exact_expectation, exact_ground_energy, tfim_open_chain_ground_energy, MAX_EXACT_SITES,
};
pub use hamiltonian::{Hamiltonian, Pauli, PauliString};
pub use kernels::simd_level_name;
pub use local_energy::{local_energies, local_energies_naive};
pub use model::{CellKind, Model, ModelConfig, ParamBlock, PhaseKind, SignRule};
pub use num_complex::Complex64;
pub use parallel::{num_threads, set_num_threads, CHUNK_ROWS, MAX_THREADS};
