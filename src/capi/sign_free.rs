//! The sign-free test of an operator under a model's sign rule.

use super::args::{borrow, OutSlot};
use super::boundary::ffi_call;
use super::hamiltonian::rnnwf_hamiltonian;
use super::model::rnnwf_model;
use super::status::rnnwf_status;

/// Writes 1 to `out` when every off-diagonal element <s'|H|s> of `h`, times the sign rule of
/// `m` on both sides, is real and <= 0 for every pair of configurations (all 2^N, whatever
/// the model's u1_total), so that a positive amplitude can be exact; else 0. The model's
/// phase head plays no part: a model without one cannot be exact when the answer is 0.
/// Exact and cheap: decided per group of terms flipping the same sites, in time exponential
/// only in the rank (over GF(2)) of the group's Y/Z site sets, at most 20 (built-in models:
/// 2); a larger group that no bound decides is RNNWF_ERR_UNSUPPORTED, naming its sites. An
/// operator on another number of sites than the model, or a model that is not spin-1/2, is
/// RNNWF_ERR_INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_sign_free(
    m: *const rnnwf_model,
    h: *const rnnwf_hamiltonian,
    out: *mut u32,
) -> rnnwf_status {
    ffi_call("rnnwf_sign_free", || {
        // SAFETY: live handles (checked for NULL).
        let m = unsafe { borrow(m, "m")? }.model();
        // SAFETY: as above.
        let h = unsafe { borrow(h, "h")? }.hamiltonian();
        let out = OutSlot::new(out, "out")?;
        let free = crate::sign_free(m, h)?;
        // SAFETY: the caller gives a writable uint32_t (checked for NULL).
        unsafe { out.write(free as u32) };
        Ok(())
    })
}
