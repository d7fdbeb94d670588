//! Exact answers for small systems, by enumerating all 2^N configurations: expectation
//! values of the model and ground energies (Lanczos).

use super::args::{borrow, OutSlot};
use super::boundary::ffi_call;
use super::complex::rnnwf_complex;
use super::hamiltonian::rnnwf_hamiltonian;
use super::model::rnnwf_model;
use super::status::rnnwf_status;

/// <psi|op|psi> / <psi|psi> by the full sum over all 2^N configurations (N <= 24, else
/// RNNWF_ERR_INVALID_ARGUMENT; time and memory grow as 2^N). An operator on another number
/// of sites than the model, or a model that is not spin-1/2, is RNNWF_ERR_INVALID_ARGUMENT;
/// a value that overflows (coefficients or parameters near 1e308) is RNNWF_ERR_NUMERICAL.
/// Memory: 2^N complex amplitudes twice (512 MiB at N = 24).
#[no_mangle]
pub unsafe extern "C" fn rnnwf_exact_expectation(
    m: *const rnnwf_model,
    op: *const rnnwf_hamiltonian,
    out: *mut rnnwf_complex,
) -> rnnwf_status {
    ffi_call("rnnwf_exact_expectation", || {
        // SAFETY: live handles (checked for NULL).
        let m = unsafe { borrow(m, "m")? }.model();
        // SAFETY: as above.
        let op = unsafe { borrow(op, "op")? }.hamiltonian();
        let out = OutSlot::new(out, "out")?;
        let value = crate::exact::exact_expectation(m, op)?;
        // SAFETY: the caller gives a writable rnnwf_complex (checked for NULL).
        unsafe { out.write(value.into()) };
        Ok(())
    })
}

/// The lowest eigenvalue of `h` by Lanczos over all 2^N states (N <= 24, else
/// RNNWF_ERR_INVALID_ARGUMENT), converged to a residual of 1e-10 relative. Coefficients whose
/// magnitudes sum above 1e150 are RNNWF_ERR_NUMERICAL (the solver's squared norms would
/// overflow). Memory: a few vectors of 2^N doubles (complex ones when a matrix element is
/// complex): 128 MiB each at N = 24.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_exact_ground_energy(
    h: *const rnnwf_hamiltonian,
    out: *mut f64,
) -> rnnwf_status {
    ffi_call("rnnwf_exact_ground_energy", || {
        // SAFETY: a live handle (checked for NULL).
        let h = unsafe { borrow(h, "h")? }.hamiltonian();
        let out = OutSlot::new(out, "out")?;
        let energy = crate::exact::exact_ground_energy(h)?;
        // SAFETY: the caller gives a writable double (checked for NULL).
        unsafe { out.write(energy) };
        Ok(())
    })
}
