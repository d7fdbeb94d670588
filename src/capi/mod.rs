//! The C ABI (`include/rnnwf.h`): the only place with `extern "C"`.
//!
//! Each export converts pointers into checked Rust values (`args`), calls the Rust API, and
//! maps the result to a status code (`status`) inside the panic boundary (`boundary`), which
//! also records the message for `rnnwf_last_error` (`last_error`). Handles own their Rust
//! value through `handles`. Adding an object to the API is one more file like `model.rs`.
//!
//! The safety contract of every `unsafe extern "C"` function is the header's: pointers are
//! NULL or valid for the documented element counts, an array the call writes overlaps no
//! other array argument, handles are live, and a `T *` handle is not used by another thread
//! during the call (docs/c-abi.md).
#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

// The exported API, one concept each. cbindgen writes the header in this order (library,
// model, sampling, gradients, operators, estimators, exact tools, training); the blank lines
// keep rustfmt from sorting it.
mod last_error;
mod status;
mod threads;
mod version;

mod complex;
mod model;

mod sample;

mod gradient;

mod hamiltonian;
mod local_operator;
mod rotation;
mod sign_free;
mod symmetry;

mod local_energy;
mod log_psi_connected;

mod estimators;

mod exact;

mod allreduce;
mod vmc;
mod vmc_on_samples;

// Helpers.
mod args;
mod boundary;
mod handles;
mod versioned;

#[cfg(test)]
mod codes;

pub use allreduce::rnnwf_allreduce_fn;
pub use complex::rnnwf_complex;
pub use estimators::{rnnwf_estimate, rnnwf_expectation, rnnwf_renyi2};
pub use exact::{rnnwf_exact_expectation, rnnwf_exact_ground_energy};
pub use gradient::rnnwf_log_psi_grad;
pub use hamiltonian::*;
pub use last_error::rnnwf_last_error;
pub use local_energy::rnnwf_local_energies;
pub use local_operator::*;
pub use log_psi_connected::rnnwf_log_psi_connected;
pub use model::*;
pub use rotation::{rnnwf_hamiltonian_rotate_z, rnnwf_three_sublattice_angles};
pub use sample::{rnnwf_log_psi, rnnwf_sample};
pub use sign_free::rnnwf_sign_free;
pub use status::*;
pub use symmetry::*;
pub use threads::rnnwf_set_num_threads;
pub use version::*;
pub use vmc::*;
pub use vmc_on_samples::{rnnwf_vmc_sample, rnnwf_vmc_step_on_samples};
