//! `rnnwf`: recurrent-neural-network wave functions and variational Monte Carlo for quantum
//! spin systems, with a stable C ABI (see `include/rnnwf.h`).
//!
//! The Rust API is the engine and decides every refusal and its status; the C ABI over it
//! only converts pointers and buffers, catches panics and maps errors to status codes.
//!
//! Train a GRU wave function on the open transverse-field Ising chain and compare with the
//! exact ground energy:
//!
//! ```
//! use rnnwf::{tfim_open_chain_ground_energy, Hamiltonian, Model, ModelConfig};
//! use rnnwf::vmc::{Vmc, VmcConfig};
//!
//! # fn main() -> rnnwf::Result<()> {
//! let mut config = ModelConfig::default();
//! config.lx = 8; // an 8-site chain (ly = 1)
//! config.hidden = 16;
//! let mut model = Model::new(config)?;
//! let h = Hamiltonian::tfim(8, 1, false, 1.0, 1.0)?;
//!
//! let mut settings = VmcConfig::default(); // Adam, 1024 samples per step
//! settings.learning_rate = 1e-2;
//! let mut vmc = Vmc::new(settings)?;
//! let mut last = None;
//! for _ in 0..150 {
//!     last = Some(vmc.step(&mut model, &h)?.energy.mean.re);
//! }
//! let exact = tfim_open_chain_ground_energy(8, 1.0, 1.0)?;
//! let relative_error = (last.unwrap() - exact).abs() / exact.abs();
//! assert!(relative_error < 2e-2, "{relative_error}");
//! # Ok(())
//! # }
//! ```

mod buffer;
pub mod cancel;
/// The C ABI (`include/rnnwf.h`). Public only so that the library's own Rust tests can call
/// the exported functions; not part of the Rust API.
#[doc(hidden)]
pub mod capi;
pub mod checkpoint;
mod enum_table;
pub mod error;
pub mod estimators;
pub mod exact;
mod fingerprint;
mod grad;
pub mod hamiltonian;
pub mod invariance;
pub(crate) mod kernels;
pub mod local_energy;
pub mod model;
pub mod optim;
pub(crate) mod parallel;
pub(crate) mod random;
mod sampler;
mod settings;
pub mod sign_free;
pub mod vmc;

pub use error::{Error, ErrorKind, Result};
pub use estimators::{expectation, renyi2, Estimate, MAX_ESTIMATE_SAMPLES};
pub use exact::{
    exact_expectation, exact_ground_energy, tfim_open_chain_ground_energy, MAX_EXACT_SITES,
    MAX_EXACT_STATES,
};
pub use hamiltonian::{
    three_sublattice_angles, Hamiltonian, LocalTerm, Pauli, PauliString, MAX_ROTATED_FLIPS,
    MAX_RYDBERG_GROUP,
};
pub use invariance::{invariant_maps, symmetry_invariant};
pub use kernels::simd_level_name;
pub use local_energy::{local_energies, local_energies_naive, log_psi_connected, Connections};
pub use model::{
    Boundary, CellKind, LatticeMap, Model, ModelConfig, ParamBlock, PhaseKind, Precision, SignRule,
    Symmetry, SymmetryMap,
};
pub use num_complex::Complex64;
pub use parallel::{num_threads, set_num_threads, CHUNK_ROWS, MAX_THREADS};
pub use sign_free::{sign_free, MAX_SIGN_FREE_RANK, MAX_SIGN_FREE_STATES};
