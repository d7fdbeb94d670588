//! Seconds of the exact tools on their largest common size: Lanczos on the open transverse-
//! field Ising chain of 20 sites (2^20 states), the ground energy of `tests/exact.rs`.
//!
//! `cargo bench --bench exact [-- REPEATS]` (default 3): the median seconds of one
//! `exact_ground_energy` call over the repeats, on all cores (the default thread count).

mod common;
use common::{median, seconds};
use rnnwf::{exact_ground_energy, Hamiltonian};

fn main() {
    let repeats: usize = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(|a| a.parse().expect("REPEATS: a whole number"))
        .unwrap_or(3);
    let sites = 20;
    let h = Hamiltonian::tfim(sites, 1, false, 1.0, 1.0).unwrap();
    let mut energy = f64::NAN;
    let times: Vec<f64> = (0..repeats.max(1))
        .map(|_| seconds(|| energy = exact_ground_energy(&h).unwrap()))
        .collect();
    println!(
        "Lanczos, open Ising chain N = {sites} (2^{sites} states): E0 = {energy:.10}, median {:.3} s of {}",
        median(times),
        repeats.max(1)
    );
}
