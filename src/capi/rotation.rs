//! The basis rotation about z of an operator, and the three-sublattice angles.

use super::args::{borrow_mut, slice, slice_mut};
use super::boundary::ffi_call;
use super::hamiltonian::rnnwf_hamiltonian;
use super::status::rnnwf_status;
use crate::error::check_len;

/// Replaces `h` by `U H U^dagger` with `U = prod_j exp(-i angles[j] n_j)`, `n_j` the value of
/// site j (0..local_dim-1; for spin-1/2, 1 = down): a state psi of H becomes
/// `psi'(s) = exp(-i sum_j angles[j] s_j) psi(s)` of the result, at the same energy. On Pauli
/// strings X -> cos X - sin Y, Y -> cos Y + sin X, Z -> Z (a real Pauli sum stays one); dense
/// terms take the phases elementwise. The angle pi on the Marshall sublattice gives the
/// Marshall signs; rnnwf_three_sublattice_angles the triangular lattice's 120-degree
/// pattern. An angle within a few rounding errors of a multiple of pi/2 counts as that
/// multiple (pi gives the signs -1 exactly).
///
/// Refused, leaving `h` unchanged: n_angles != the operator's number of sites
/// (RNNWF_ERR_BUFFER_SIZE); a NaN or infinite angle (RNNWF_ERR_INVALID_ARGUMENT, naming it);
/// a Pauli string with more than 24 X or Y factors at angles that split them (each such factor
/// doubles its terms; RNNWF_ERR_UNSUPPORTED); a result no memory can hold
/// (RNNWF_ERR_OUT_OF_MEMORY). `h` and `angles` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_hamiltonian_rotate_z(
    h: *mut rnnwf_hamiltonian,
    angles: *const f64,
    n_angles: usize,
) -> rnnwf_status {
    ffi_call("rnnwf_hamiltonian_rotate_z", || {
        // SAFETY: a live handle for exclusive use (checked for NULL).
        let h = unsafe { borrow_mut(h, "h")? }.hamiltonian_mut();
        // SAFETY: the caller gives n_angles readable doubles (checked for NULL).
        let angles = unsafe { slice(angles, n_angles, "angles")? };
        // rotate_z checks the length against the operator's sites.
        h.rotate_z(angles)?;
        Ok(())
    })
}

/// Writes the angles of the three-sublattice (120-degree) rotation of the lx*ly grid, site
/// i = x + lx*y: (2 pi / 3) ((x + y) mod 3), for rnnwf_hamiltonian_rotate_z. Every bond of
/// rnnwf_hamiltonian_triangular joins two different sublattices on open grids; with periodic
/// boundaries a side not divisible by 3 joins a sublattice to itself across the wrap (the
/// rotation is still unitary, the energy the same). `len` must equal lx*ly (else
/// RNNWF_ERR_BUFFER_SIZE); lx or ly = 0 or too many sites are RNNWF_ERR_INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_three_sublattice_angles(
    lx: u32,
    ly: u32,
    out: *mut f64,
    len: usize,
) -> rnnwf_status {
    ffi_call("rnnwf_three_sublattice_angles", || {
        let angles = crate::hamiltonian::three_sublattice_angles(lx, ly)?;
        check_len("out", len, angles.len())?;
        // SAFETY: the caller gives len writable doubles (checked for NULL).
        let out = unsafe { slice_mut(out, len, "out")? };
        out.copy_from_slice(&angles);
        Ok(())
    })
}
