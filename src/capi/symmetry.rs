//! The lattice symmetry that follows the operator: which elements of a model's group leave
//! an operator invariant, and the model restricted to them.

use super::args::{borrow, slice_mut, OutSlot};
use super::boundary::ffi_call;
use super::hamiltonian::rnnwf_hamiltonian;
use super::handles::into_handle;
use super::model::rnnwf_model;
use super::status::rnnwf_status;

// The codes are literals for cbindgen; src/capi/codes.rs tests each against its table.

/// The lattice map (x, y) -> (x, y) (codes of rnnwf_model_symmetry_maps; l = lx = ly for the
/// last four, which exist on square lattices only).
pub const RNNWF_MAP_IDENTITY: u32 = 0;
/// (x, y) -> (lx-1-x, y).
pub const RNNWF_MAP_REFLECT_X: u32 = 1;
/// (x, y) -> (x, ly-1-y).
pub const RNNWF_MAP_REFLECT_Y: u32 = 2;
/// (x, y) -> (lx-1-x, ly-1-y).
pub const RNNWF_MAP_HALF_TURN: u32 = 3;
/// (x, y) -> (y, l-1-x).
pub const RNNWF_MAP_QUARTER_TURN: u32 = 4;
/// (x, y) -> (l-1-y, x).
pub const RNNWF_MAP_THREE_QUARTER_TURN: u32 = 5;
/// (x, y) -> (y, x).
pub const RNNWF_MAP_DIAGONAL: u32 = 6;
/// (x, y) -> (l-1-y, l-1-x).
pub const RNNWF_MAP_ANTIDIAGONAL: u32 = 7;
/// Added to a map's code for the element that also flips every site value
/// (v -> local_dim-1-v): RNNWF_MAP_HALF_TURN + RNNWF_WITH_FLIP is the half turn with the flip.
pub const RNNWF_WITH_FLIP: u32 = 8;
/// Added to a map's code for the anti-unitary element: the map followed by the complex
/// conjugation of the amplitude, which rnnwf_model_restrict_symmetry keeps for a map that
/// turns an operator that is not real into its complex conjugate (the half turn of the
/// triangular lattice after the 120-degree rotation is RNNWF_MAP_HALF_TURN +
/// RNNWF_WITH_CONJUGATE).
pub const RNNWF_WITH_CONJUGATE: u32 = 16;

/// A new model with the parameters and settings of `m`, averaged over the elements of its
/// lattice group that are symmetries of `h` (each element applied to every term of h and the
/// result compared with h as a whole, exactly up to 1e-12 of the largest coefficient;
/// docs/method.md, "Lattice symmetries"). On the triangular lattice that is the identity,
/// the half turn and the two diagonal reflections of D4; when every element does, the new
/// model equals `m`. When `h` is not real in the basis of the site values, a map that turns
/// it into its complex conjugate is kept as the anti-unitary symmetry (map plus
/// RNNWF_WITH_CONJUGATE), for which the amplitude averages the conjugate of psi(g s): after
/// the 120-degree rotation of the triangular lattice, the identity, the diagonal, the half
/// turn with the conjugation and the antidiagonal with the conjugation. The kept elements are saved with the model and carried by
/// rnnwf_model_resize (which drops the turns and diagonal reflections on lx != ly); they are
/// not a field of rnnwf_model_config, so a model made anew from rnnwf_model_get_config has
/// the whole group. `m` is unchanged. RNNWF_ERR_INVALID_ARGUMENT: `m` without a lattice
/// symmetry (RNNWF_SYMMETRY_NONE), or `h` on another number of sites or local dimension;
/// RNNWF_ERR_NUMERICAL when the coefficients of `h` overflow where its terms are summed.
/// Memory: one more model (rnnwf_model_new), and the operator written out once per group
/// element.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_model_restrict_symmetry(
    m: *const rnnwf_model,
    h: *const rnnwf_hamiltonian,
    out: *mut *mut rnnwf_model,
) -> rnnwf_status {
    ffi_call("rnnwf_model_restrict_symmetry", || {
        // SAFETY: live handles (checked for NULL).
        let m = unsafe { borrow(m, "m")? }.model();
        // SAFETY: as above.
        let h = unsafe { borrow(h, "h")? }.hamiltonian();
        let out = OutSlot::new(out, "out")?;
        let model = m.restrict_symmetry(h)?;
        // SAFETY: the caller gives a writable handle slot (checked for NULL).
        unsafe { out.write(into_handle(rnnwf_model::from_model(model))) };
        Ok(())
    })
}

/// The number of group elements the amplitude of `m` is averaged over: 1 for
/// RNNWF_SYMMETRY_NONE, else the size of its lattice group or of the subgroup
/// rnnwf_model_restrict_symmetry kept.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_model_symmetry_size(
    m: *const rnnwf_model,
    out: *mut usize,
) -> rnnwf_status {
    ffi_call("rnnwf_model_symmetry_size", || {
        // SAFETY: a live handle (checked for NULL).
        let m = unsafe { borrow(m, "m")? }.model();
        let out = OutSlot::new(out, "out")?;
        // SAFETY: the caller gives a writable size_t (checked for NULL).
        unsafe { out.write(m.symmetry_size()) };
        Ok(())
    })
}

/// Writes the codes of the group elements `m` is averaged over, in the group's order (the
/// identity first): an RNNWF_MAP_* code, plus RNNWF_WITH_FLIP for an element with the spin
/// flip, plus RNNWF_WITH_CONJUGATE for one with the conjugation. `len` must equal rnnwf_model_symmetry_size (else RNNWF_ERR_BUFFER_SIZE); a model
/// without a symmetry writes RNNWF_MAP_IDENTITY.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_model_symmetry_maps(
    m: *const rnnwf_model,
    out: *mut u32,
    len: usize,
) -> rnnwf_status {
    ffi_call("rnnwf_model_symmetry_maps", || {
        // SAFETY: a live handle (checked for NULL).
        let m = unsafe { borrow(m, "m")? }.model();
        crate::error::check_len("out", len, m.symmetry_size())?;
        // SAFETY: the caller gives `len` writable uint32_t (NULL refused unless len == 0).
        let out = unsafe { slice_mut(out, len, "out")? };
        let maps = m.symmetry_maps();
        if maps.is_empty() {
            out[0] = RNNWF_MAP_IDENTITY;
        }
        for (o, map) in out.iter_mut().zip(&maps) {
            *o = map.code();
        }
        Ok(())
    })
}

/// Writes 1 to `out` when every element of the lattice group of `m` is a symmetry of `h` as
/// `m` takes it (with the conjugation where its code has it; as
/// rnnwf_model_restrict_symmetry decides it), so that the symmetry does not keep the
/// model from the ground state's symmetry sector by construction; else 0. A model without a
/// symmetry gives 1. RNNWF_ERR_INVALID_ARGUMENT for `h` on another number of sites or local
/// dimension; RNNWF_ERR_NUMERICAL as rnnwf_model_restrict_symmetry.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_symmetry_invariant(
    m: *const rnnwf_model,
    h: *const rnnwf_hamiltonian,
    out: *mut u32,
) -> rnnwf_status {
    ffi_call("rnnwf_symmetry_invariant", || {
        // SAFETY: live handles (checked for NULL).
        let m = unsafe { borrow(m, "m")? }.model();
        // SAFETY: as above.
        let h = unsafe { borrow(h, "h")? }.hamiltonian();
        let out = OutSlot::new(out, "out")?;
        let invariant = crate::symmetry_invariant(m, h)?;
        // SAFETY: the caller gives a writable uint32_t (checked for NULL).
        unsafe { out.write(invariant as u32) };
        Ok(())
    })
}
