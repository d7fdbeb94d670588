//! Operators on any local dimension: dense k-site terms, and the built-in models made of
//! them (spin-1 bilinear-biquadratic, Bose-Hubbard, Rydberg arrays).

use super::args::{borrow, borrow_mut, slice, OutSlot};
use super::boundary::ffi_call;
use super::complex::{as_engine, rnnwf_complex};
use super::hamiltonian::{hand_out, periodic_flag, rnnwf_hamiltonian};
use super::status::rnnwf_status;
use crate::hamiltonian::Hamiltonian;

/// The zero operator on `n_sites` sites (1 to 2^20) of `local_dim` values each (2 to 256),
/// for rnnwf_hamiltonian_add_local; with local_dim = 2 rnnwf_hamiltonian_add_term works on
/// it too. Other values are RNNWF_ERR_INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_hamiltonian_new_local(
    n_sites: u32,
    local_dim: u32,
    out: *mut *mut rnnwf_hamiltonian,
) -> rnnwf_status {
    ffi_call("rnnwf_hamiltonian_new_local", || {
        let out = OutSlot::new(out, "out")?;
        let h = Hamiltonian::new_local(n_sites, local_dim)?;
        // SAFETY: the caller gives a writable handle slot (checked for NULL).
        unsafe { hand_out(out, h) };
        Ok(())
    })
}

/// Adds to `h` the operator O on the k sites `sites[0..k)` whose matrix is `matrix`:
/// d^k x d^k complex numbers, row-major, element `[a][b] = <a|O|b>`, where the index of a
/// local configuration is `sum_j s_{sites[j]} d^(k-1-j)` (the first listed site most significant)
/// and d is the operator's local dimension. Every function that takes an operator accepts
/// these terms: local energies, estimates, training steps, the exact tools (up to 2^24
/// basis states d^N) and rnnwf_sign_free.
///
/// Refused, leaving `h` unchanged: k = 0, a site >= n_sites or given twice, a NaN or
/// infinite entry, a matrix that is not Hermitian (`|M[a][b] - conj(M[b][a])|` above 1e-12
/// times max(1, max |entry|); within it, the Hermitian part is kept)
/// (RNNWF_ERR_INVALID_ARGUMENT, naming the entry); a d^k x d^k matrix no memory can hold
/// (RNNWF_ERR_OUT_OF_MEMORY, naming the size).
#[no_mangle]
pub unsafe extern "C" fn rnnwf_hamiltonian_add_local(
    h: *mut rnnwf_hamiltonian,
    k: u32,
    sites: *const u32,
    matrix: *const rnnwf_complex,
) -> rnnwf_status {
    ffi_call("rnnwf_hamiltonian_add_local", || {
        // SAFETY: a live handle for exclusive use (checked for NULL).
        let h = unsafe { borrow_mut(h, "h")? }.hamiltonian_mut();
        // SAFETY: the caller gives k readable sites (NULL refused unless k == 0).
        let sites = unsafe { slice(sites, k as usize, "sites")? };
        let side = h.local_term_side(sites.len())?;
        // local_term_side checked that side * side complex numbers are addressable.
        let len = side * side;
        // SAFETY: the caller gives d^k * d^k readable elements (checked for NULL; a k of 0
        // is refused by add_local with a message).
        let matrix = unsafe { slice(matrix, if k == 0 { 0 } else { len }, "matrix")? };
        h.add_local(sites, as_engine(matrix))?;
        Ok(())
    })
}

/// The number of values a site takes (2 for Pauli operators).
#[no_mangle]
pub unsafe extern "C" fn rnnwf_hamiltonian_local_dim(
    h: *const rnnwf_hamiltonian,
    out: *mut usize,
) -> rnnwf_status {
    ffi_call("rnnwf_hamiltonian_local_dim", || {
        // SAFETY: a live handle (checked for NULL).
        let h = unsafe { borrow(h, "h")? };
        let out = OutSlot::new(out, "out")?;
        // SAFETY: the caller gives a writable size_t (checked for NULL).
        unsafe { out.write(h.hamiltonian().local_dim()) };
        Ok(())
    })
}

/// The spin-1 bilinear-biquadratic model with single-ion anisotropy, in spin units:
/// `H = J sum_<ij> [S_i.S_j + beta (S_i.S_j)^2] + D sum_i (S^z_i)^2` on the chain (ly = 1)
/// or the lx*ly grid, local dimension 3 with site value 0, 1, 2 for S^z = +1, 0, -1.
/// beta = 0: Heisenberg; beta = 1/3: AKLT (open chain: E0 = -(2/3)(N-1) J).
/// `periodic` and the refusals as for rnnwf_hamiltonian_tfim (J, beta, D finite).
#[no_mangle]
#[allow(non_snake_case)] // J and D as in the physics and the C header
pub unsafe extern "C" fn rnnwf_hamiltonian_spin1(
    lx: u32,
    ly: u32,
    periodic: u32,
    J: f64,
    beta: f64,
    D: f64,
    out: *mut *mut rnnwf_hamiltonian,
) -> rnnwf_status {
    ffi_call("rnnwf_hamiltonian_spin1", || {
        let periodic = periodic_flag(periodic)?;
        let out = OutSlot::new(out, "out")?;
        let op = Hamiltonian::spin1(lx, ly, periodic, J, beta, D)?;
        // SAFETY: the caller gives a writable handle slot (checked for NULL).
        unsafe { hand_out(out, op) };
        Ok(())
    })
}

/// The Bose-Hubbard model with at most n_max bosons a site (1 <= n_max <= 255; local
/// dimension n_max + 1, the site value the occupation):
/// `H = -t sum_<ij> (b_i^dag b_j + h.c.) + U/2 sum_i n_i (n_i - 1) - mu sum_i n_i` on the
/// chain (ly = 1) or the lx*ly grid. `periodic` and the refusals as for
/// rnnwf_hamiltonian_tfim (t, U, mu finite).
#[no_mangle]
#[allow(non_snake_case)] // U as in the physics and the C header
pub unsafe extern "C" fn rnnwf_hamiltonian_bose_hubbard(
    lx: u32,
    ly: u32,
    periodic: u32,
    n_max: u32,
    t: f64,
    U: f64,
    mu: f64,
    out: *mut *mut rnnwf_hamiltonian,
) -> rnnwf_status {
    ffi_call("rnnwf_hamiltonian_bose_hubbard", || {
        let periodic = periodic_flag(periodic)?;
        let out = OutSlot::new(out, "out")?;
        let op = Hamiltonian::bose_hubbard(lx, ly, periodic, n_max, t, U, mu)?;
        // SAFETY: the caller gives a writable handle slot (checked for NULL).
        unsafe { hand_out(out, op) };
        Ok(())
    })
}

/// A Rydberg atom array on the lx*ly square lattice (spacing 1, open boundaries):
/// `H = -Omega/2 sum_i sigma^x_i - delta sum_i n_i + sum_{i<j, r_ij <= cutoff} V_ij n_i n_j`,
/// `V_ij = Omega Rb^6 / r_ij^6`, n = |r><r| (atom value 1 = Rydberg state). The drive's sign
/// makes the ground state positive; prod_i Z_i maps it to +Omega/2 with the same spectrum.
/// `group` = g in 1..=4 atoms along x form one site: the atoms x = gX .. gX+g-1 of row y make
/// site X + (lx/g) y, of local dimension 2^g, its value their values as binary digits, the
/// leftmost atom most significant; lx must be a multiple of g. Refused
/// (RNNWF_ERR_INVALID_ARGUMENT): a NaN or infinite Omega or delta, a negative or non-finite
/// Rb or cutoff, a group out of range or not dividing lx, an empty or too large lattice.
#[no_mangle]
#[allow(non_snake_case)] // Omega and Rb as in the physics and the C header
pub unsafe extern "C" fn rnnwf_hamiltonian_rydberg(
    lx: u32,
    ly: u32,
    Omega: f64,
    delta: f64,
    Rb: f64,
    cutoff: f64,
    group: u32,
    out: *mut *mut rnnwf_hamiltonian,
) -> rnnwf_status {
    ffi_call("rnnwf_hamiltonian_rydberg", || {
        let out = OutSlot::new(out, "out")?;
        let op = Hamiltonian::rydberg(lx, ly, Omega, delta, Rb, cutoff, group)?;
        // SAFETY: the caller gives a writable handle slot (checked for NULL).
        unsafe { hand_out(out, op) };
        Ok(())
    })
}
