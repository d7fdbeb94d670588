//! An operator in one canonical form, so that two operators written with different terms
//! compare equal exactly when they are the same operator: a sum over products of one-site
//! basis matrices, identity factors dropped, equal products summed. The one-site basis
//! contains the identity, so a product's support is the sites where it is not the identity.
//! On spin-1/2 sites it is the Pauli basis (I, X, Y, Z), in which Pauli strings already are;
//! on d > 2 values the matrix units |a><b| with |d-1><d-1| replaced by the identity.

use crate::buffer::{check_room, try_zeroed_vec};
use crate::error::Result;
use crate::hamiltonian::{Hamiltonian, LocalTerm, Pauli};
use num_complex::Complex64;
use std::collections::BTreeMap;

/// Products of basis matrices, as (site, basis index) pairs sorted by site (index 0, the
/// identity, never appears), with their coefficients.
pub(super) type Canonical = BTreeMap<Vec<(u32, u16)>, Complex64>;

/// About what a B-tree map takes per entry of a [`Canonical`] besides the key's own heap
/// bytes: the key's and the value's inline size and the node's share (an estimate for
/// [`check_room`]).
const FORM_ENTRY_BYTES: usize = 96;

/// A relabelling of the sites (site j becomes `target[j]`) and, when `flip`, the value
/// reversal v -> d-1-v on every site.
pub(super) struct SiteMap<'a> {
    pub target: &'a [u32],
    pub flip: bool,
}

/// The canonical form of `h`, or of `g h g^-1` when `map` is given.
pub(super) fn canonical(h: &Hamiltonian, map: Option<&SiteMap>) -> Result<Canonical> {
    let relabel = |site: u32| map.map_or(site, |m| m.target[site as usize]);
    let flip = map.is_some_and(|m| m.flip);
    let mut out = Canonical::new();
    for (coeff, string) in h.terms() {
        let mut key: Vec<(u32, u16)> = Vec::with_capacity(string.len());
        let mut sign = 1.0;
        for &(site, pauli) in string {
            // The reversal conjugates by X: X stays, Y and Z change sign.
            if flip && pauli != Pauli::X {
                sign = -sign;
            }
            key.push((relabel(site), pauli_index(pauli)));
        }
        key.sort_unstable();
        *out.entry(key).or_default() += Complex64::new(sign * coeff, 0.0);
    }
    for term in h.local_terms() {
        let sites: Vec<u32> = term.sites.iter().map(|&s| relabel(s)).collect();
        expand(term, &sites, h.local_dim(), flip, &mut out)?;
    }
    Ok(out)
}

/// The canonical form of H* (every matrix element conjugated in the basis of the site
/// values) from that of H: each coefficient conjugated, and on spin-1/2 sites negated once
/// for each Y of its product (Y* = -Y; the matrix units of d > 2 are real).
pub(super) fn conjugated(form: &Canonical, local_dim: usize) -> Canonical {
    let y = pauli_index(Pauli::Y);
    form.iter()
        .map(|(key, c)| {
            let odd = local_dim == 2 && key.iter().filter(|&&(_, b)| b == y).count() % 2 == 1;
            (key.clone(), if odd { -c.conj() } else { c.conj() })
        })
        .collect()
}

fn pauli_index(p: Pauli) -> u16 {
    match p {
        Pauli::X => 1,
        Pauli::Y => 2,
        Pauli::Z => 3,
    }
}

/// Adds a dense term, on `sites` (relabelled) and reversed when `flip`, in the basis.
fn expand(
    term: &LocalTerm,
    sites: &[u32],
    d: usize,
    flip: bool,
    out: &mut Canonical,
) -> Result<()> {
    let (k, dim, q) = (sites.len(), term.dim, d * d);
    // t[p_0 ... p_{k-1}], p_j = a_j d + b_j for the element <a|M|b>, the first site most
    // significant: the matrix with its row and column digits interleaved site by site.
    let mut t: Vec<Complex64> = try_zeroed_vec(dim * dim, "the canonical form of a local term")?;
    for row in 0..dim {
        for col in 0..dim {
            // The reversal of every digit of an index r is dim - 1 - r.
            let (r, c) = if flip {
                (dim - 1 - row, dim - 1 - col)
            } else {
                (row, col)
            };
            let (mut a, mut b, mut p, mut scale) = (row, col, 0, 1);
            for _ in 0..k {
                p += (a % d * d + b % d) * scale;
                a /= d;
                b /= d;
                scale *= q;
            }
            t[p] = term.matrix[r * dim + c];
        }
    }
    // Each site's axis in turn, from matrix elements to basis coefficients.
    let mut fiber = vec![Complex64::new(0.0, 0.0); q];
    let mut stride = 1;
    for _ in 0..k {
        for start in (0..t.len()).filter(|i| i / stride % q == 0) {
            for (p, f) in fiber.iter_mut().enumerate() {
                *f = t[start + p * stride];
            }
            let c = to_basis(&fiber, d);
            for (p, v) in c.into_iter().enumerate() {
                t[start + p * stride] = v;
            }
        }
        stride *= q;
    }
    // The map allocates without a way to refuse: a key and a tree entry per coefficient.
    let products = t.iter().filter(|&&c| c != Complex64::new(0.0, 0.0)).count();
    let per_product = k * size_of::<(u32, u16)>() + FORM_ENTRY_BYTES;
    check_room(
        products.saturating_mul(per_product),
        "the canonical form of a local term",
    )?;
    for (index, &c) in t.iter().enumerate() {
        if c == Complex64::new(0.0, 0.0) {
            continue;
        }
        let mut key = Vec::with_capacity(k);
        let mut rest = index;
        // The last site is the least significant digit.
        for &site in sites.iter().rev() {
            let basis = rest % q;
            rest /= q;
            if basis != 0 {
                key.push((site, basis as u16));
            }
        }
        key.sort_unstable();
        *out.entry(key).or_default() += c;
    }
    Ok(())
}

/// One site's d x d matrix (`m[a d + b]`) as coefficients of the basis, the identity first.
fn to_basis(m: &[Complex64], d: usize) -> Vec<Complex64> {
    let i = Complex64::new(0.0, 1.0);
    if d == 2 {
        // M = c_I I + c_X X + c_Y Y + c_Z Z, halved before the sums: the same values (a
        // halving is exact), without overflow for entries near f64::MAX.
        let h = |k: usize| m[k] * 0.5;
        return vec![h(0) + h(3), h(1) + h(2), i * (h(1) - h(2)), h(0) - h(3)];
    }
    // M = m_{d-1,d-1} I + sum over the other (a, b) of (m_ab - [a = b] m_{d-1,d-1}) |a><b|.
    let last = m[d * d - 1];
    let mut c = Vec::with_capacity(d * d);
    c.push(last);
    for (p, &v) in m[..d * d - 1].iter().enumerate() {
        c.push(if p / d == p % d { v - last } else { v });
    }
    c
}

/// Whether two canonical forms agree: every coefficient within `tolerance` times the
/// largest coefficient of either.
pub(super) fn same(a: &Canonical, b: &Canonical, tolerance: f64) -> bool {
    let largest = a
        .values()
        .chain(b.values())
        .map(|c| c.norm())
        .fold(0.0, f64::max);
    let zero = Complex64::new(0.0, 0.0);
    let close = |x: Complex64, y: Complex64| (x - y).norm() <= tolerance * largest;
    a.iter()
        .all(|(key, &x)| close(x, b.get(key).copied().unwrap_or(zero)))
        && b.iter()
            .all(|(key, &y)| a.contains_key(key) || close(zero, y))
}
