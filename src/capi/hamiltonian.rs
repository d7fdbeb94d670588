//! The operator handle: Hermitian sums of Pauli strings, built term by term, parsed from
//! text, or made by the built-in lattice models.

use super::args::{borrow, borrow_mut, c_bytes, c_text, slice, OutSlot};
use super::boundary::{ffi_call, ffi_value, Failure};
use super::handles::{free_handle, into_handle};
use super::status::rnnwf_status;
use crate::error::ErrorKind;
use crate::hamiltonian::Hamiltonian;
use std::ffi::c_char;

/// An operator H = sum_k c_k P_k: real coefficients c_k times Pauli strings P_k (products of
/// X, Y, Z on distinct sites, eigenvalues +-1) on n_sites spin-1/2 sites, plus dense k-site
/// terms on any local dimension (rnnwf_hamiltonian_new_local, _add_local). Opaque: made by
/// rnnwf_hamiltonian_new, _new_local, _parse, _tfim, _heisenberg, _triangular, _spin1,
/// _bose_hubbard or _rydberg, destroyed by rnnwf_hamiltonian_free.
/// Terms on the same Pauli string merge (their coefficients add; a sum of exactly 0 drops
/// the term).
pub struct rnnwf_hamiltonian {
    h: Hamiltonian,
}

impl rnnwf_hamiltonian {
    pub(crate) fn hamiltonian(&self) -> &Hamiltonian {
        &self.h
    }

    pub(super) fn hamiltonian_mut(&mut self) -> &mut Hamiltonian {
        &mut self.h
    }
}

/// Hands a new operator to the caller.
///
/// # Safety
/// `out` must be valid for writing a handle.
pub(super) unsafe fn hand_out(out: OutSlot<*mut rnnwf_hamiltonian>, h: Hamiltonian) {
    // SAFETY: passed on from the caller.
    unsafe { out.write(into_handle(rnnwf_hamiltonian { h })) };
}

/// The boolean flag `periodic`: 0 (open boundaries) or 1 (periodic); anything else is
/// refused rather than guessed.
pub(super) fn periodic_flag(periodic: u32) -> Result<bool, Failure> {
    match periodic {
        0 => Ok(false),
        1 => Ok(true),
        other => Err(Failure::new(
            ErrorKind::InvalidArgument,
            format!("periodic = {other}: use 0 (open boundaries) or 1 (periodic)"),
        )),
    }
}

/// The zero operator (no terms) on `n_sites` sites, 1 to 2^20 (else
/// RNNWF_ERR_INVALID_ARGUMENT).
#[no_mangle]
pub unsafe extern "C" fn rnnwf_hamiltonian_new(
    n_sites: u32,
    out: *mut *mut rnnwf_hamiltonian,
) -> rnnwf_status {
    ffi_call("rnnwf_hamiltonian_new", || {
        let out = OutSlot::new(out, "out")?;
        let h = Hamiltonian::new(n_sites)?;
        // SAFETY: the caller gives a writable handle slot (checked for NULL).
        unsafe { hand_out(out, h) };
        Ok(())
    })
}

/// Adds coeff * P to `h`, where P has the Pauli matrix `paulis[k]` (an upper-case letter X, Y
/// or Z) on site `sites[k]`, k < n_ops; e.g. paulis "XZ", sites {3, 4}: coeff X_3 Z_4. The
/// empty string with n_ops = 0 (sites may be NULL) adds the constant coeff.
///
/// Refused, leaving `h` unchanged: a letter other than X, Y, Z (RNNWF_ERR_INVALID_ARGUMENT,
/// naming it); strlen(paulis) != n_ops (RNNWF_ERR_BUFFER_SIZE: the two arrays disagree in
/// length); a site >= n_sites or a site given twice, a NaN or infinite coeff, or a merged
/// coefficient that overflows (RNNWF_ERR_INVALID_ARGUMENT). `paulis` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_hamiltonian_add_term(
    h: *mut rnnwf_hamiltonian,
    coeff: f64,
    paulis: *const c_char,
    sites: *const u32,
    n_ops: usize,
) -> rnnwf_status {
    ffi_call("rnnwf_hamiltonian_add_term", || {
        // SAFETY: a live handle for exclusive use (checked for NULL).
        let h = unsafe { borrow_mut(h, "h")? };
        // SAFETY: a NUL-terminated string (checked for NULL).
        let letters = unsafe { c_bytes(paulis, "paulis")? };
        // SAFETY: the caller gives n_ops readable sites (NULL refused unless n_ops == 0).
        let sites = unsafe { slice(sites, n_ops, "sites")? };
        // Bytes that are not UTF-8 become U+FFFD, which the engine refuses as a letter.
        let letters = String::from_utf8_lossy(letters);
        h.h.add_term(coeff, &letters, sites)?;
        Ok(())
    })
}

/// An operator on `n_sites` sites from text, one term a line: a real coefficient, then Pauli
/// factors (letter X, Y or Z, then the site index), e.g. "-1.0 Z0 Z1", "-0.5 X3",
/// "0.25 X0 X1"; a coefficient alone is a constant; '#' starts a comment; blank lines are
/// skipped. Errors (RNNWF_ERR_INVALID_ARGUMENT) name the line and the token, e.g.
/// "line 2: token \"Q1\": unknown Pauli letter 'Q'"; nothing is made then.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_hamiltonian_parse(
    n_sites: u32,
    text: *const c_char,
    out: *mut *mut rnnwf_hamiltonian,
) -> rnnwf_status {
    ffi_call("rnnwf_hamiltonian_parse", || {
        // SAFETY: a NUL-terminated string (checked for NULL).
        let text = unsafe { c_text(text, "text")? };
        let out = OutSlot::new(out, "out")?;
        let h = Hamiltonian::parse(n_sites, text)?;
        // SAFETY: the caller gives a writable handle slot (checked for NULL).
        unsafe { hand_out(out, h) };
        Ok(())
    })
}

/// Transverse-field Ising model `H = -J sum_<ij> Z_i Z_j - h sum_i X_i` on the chain (ly = 1)
/// or the lx*ly square grid, sites i = x + lx*y. `periodic`: 0 open, 1 periodic boundaries
/// (each distinct bond once: a periodic chain of 2 sites has one bond); other values are
/// RNNWF_ERR_INVALID_ARGUMENT, as are lx or ly = 0, too many sites, and a NaN or infinite J
/// or h.
#[no_mangle]
#[allow(non_snake_case)] // J and h as in the physics and the C header
pub unsafe extern "C" fn rnnwf_hamiltonian_tfim(
    lx: u32,
    ly: u32,
    periodic: u32,
    J: f64,
    h: f64,
    out: *mut *mut rnnwf_hamiltonian,
) -> rnnwf_status {
    ffi_call("rnnwf_hamiltonian_tfim", || {
        let periodic = periodic_flag(periodic)?;
        let out = OutSlot::new(out, "out")?;
        let op = Hamiltonian::tfim(lx, ly, periodic, J, h)?;
        // SAFETY: the caller gives a writable handle slot (checked for NULL).
        unsafe { hand_out(out, op) };
        Ok(())
    })
}

/// Heisenberg model `H = J1 sum_<ij> (XX+YY+ZZ) + J2 sum_<<ij>> (XX+YY+ZZ)` in Pauli units
/// (divide by 4 for S.S units); `<<ij>>`: next-nearest neighbours (i, i+2 on a chain; the
/// diagonals on the grid). `periodic` and the refusals as for rnnwf_hamiltonian_tfim.
#[no_mangle]
#[allow(non_snake_case)] // J1 and J2 as in the physics and the C header
pub unsafe extern "C" fn rnnwf_hamiltonian_heisenberg(
    lx: u32,
    ly: u32,
    periodic: u32,
    J1: f64,
    J2: f64,
    out: *mut *mut rnnwf_hamiltonian,
) -> rnnwf_status {
    ffi_call("rnnwf_hamiltonian_heisenberg", || {
        let periodic = periodic_flag(periodic)?;
        let out = OutSlot::new(out, "out")?;
        let op = Hamiltonian::heisenberg(lx, ly, periodic, J1, J2)?;
        // SAFETY: the caller gives a writable handle slot (checked for NULL).
        unsafe { hand_out(out, op) };
        Ok(())
    })
}

/// Heisenberg model `H = J sum_<ij> (XX+YY+ZZ)` in Pauli units (divide by 4 for S.S units)
/// on the triangular lattice: the bonds (x,y)-(x+1,y), (x,y)-(x,y+1) and (x,y)-(x+1,y+1) of
/// the lx*ly grid, sites i = x + lx*y. With `periodic` = 1 each direction wraps; each
/// distinct pair counts once and a wrap onto the site itself is dropped, so lx, ly >= 3 give
/// 3*lx*ly bonds and a side of 1 or 2 merges the bonds that coincide (ly = 1: the chain).
/// `periodic` and the refusals as for rnnwf_hamiltonian_tfim.
#[no_mangle]
#[allow(non_snake_case)] // J as in the physics and the C header
pub unsafe extern "C" fn rnnwf_hamiltonian_triangular(
    lx: u32,
    ly: u32,
    periodic: u32,
    J: f64,
    out: *mut *mut rnnwf_hamiltonian,
) -> rnnwf_status {
    ffi_call("rnnwf_hamiltonian_triangular", || {
        let periodic = periodic_flag(periodic)?;
        let out = OutSlot::new(out, "out")?;
        let op = Hamiltonian::triangular(lx, ly, periodic, J)?;
        // SAFETY: the caller gives a writable handle slot (checked for NULL).
        unsafe { hand_out(out, op) };
        Ok(())
    })
}

/// The number of sites the operator acts on.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_hamiltonian_num_sites(
    h: *const rnnwf_hamiltonian,
    out: *mut usize,
) -> rnnwf_status {
    ffi_call("rnnwf_hamiltonian_num_sites", || {
        // SAFETY: a live handle (checked for NULL).
        let h = unsafe { borrow(h, "h")? };
        let out = OutSlot::new(out, "out")?;
        // SAFETY: the caller gives a writable size_t (checked for NULL).
        unsafe { out.write(h.h.num_sites()) };
        Ok(())
    })
}

/// The number of distinct Pauli strings with a non-zero coefficient (a constant counts as
/// one), plus the number of local terms added.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_hamiltonian_num_terms(
    h: *const rnnwf_hamiltonian,
    out: *mut usize,
) -> rnnwf_status {
    ffi_call("rnnwf_hamiltonian_num_terms", || {
        // SAFETY: a live handle (checked for NULL).
        let h = unsafe { borrow(h, "h")? };
        let out = OutSlot::new(out, "out")?;
        // SAFETY: the caller gives a writable size_t (checked for NULL).
        unsafe { out.write(h.h.num_terms()) };
        Ok(())
    })
}

/// Destroys an operator; NULL is a no-op. May run on any thread.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_hamiltonian_free(h: *mut rnnwf_hamiltonian) {
    // SAFETY: a handle from an rnnwf_hamiltonian constructor that the caller no longer uses.
    ffi_value((), || unsafe { free_handle(h) })
}
