//! Dense matrices of operators made of local terms (any local dimension d), built from the
//! terms as given, and local energies checked against them on every configuration.

use super::{all_configs, close, dense, log_psi_all, TestRng};
use rnnwf::{local_energies, local_energies_naive, Complex64, Hamiltonian, Model};

pub const ZERO: Complex64 = Complex64::new(0.0, 0.0);

/// A term as the test gives it: sites (first most significant) and its d^k x d^k matrix.
pub type Term = (Vec<u32>, Vec<Complex64>);

/// Index of a configuration in `all_configs(n, d)` order (site 0 most significant).
pub fn index_in(config: &[u8], d: usize) -> usize {
    config.iter().fold(0, |k, &v| k * d + v as usize)
}

/// The dense matrix of an operator's local terms, from the terms as the operator lists them.
pub fn dense_of_local_terms(h: &Hamiltonian) -> Vec<Complex64> {
    let terms: Vec<Term> = h
        .local_terms()
        .iter()
        .map(|t| (t.sites.clone(), t.matrix.clone()))
        .collect();
    dense_matrix(h.num_sites(), h.local_dim(), &terms)
}

/// The dense matrix of a sum of local terms, `[d^n][d^n]` in `all_configs` order, built from
/// the terms as given: <r|M|c> = M[r_T][c_T] when r and c agree outside the term's sites T.
pub fn dense_matrix(n: usize, d: usize, terms: &[Term]) -> Vec<Complex64> {
    let dim = d.pow(n as u32);
    let configs = all_configs(n, d);
    let mut m = vec![ZERO; dim * dim];
    for (sites, matrix) in terms {
        let side = d.pow(sites.len() as u32);
        for (c, column) in configs.chunks(n).enumerate() {
            let a = sites
                .iter()
                .fold(0, |k, &i| k * d + column[i as usize] as usize);
            for b in 0..side {
                let mut row = column.to_vec();
                let mut rest = b;
                for &i in sites.iter().rev() {
                    row[i as usize] = (rest % d) as u8;
                    rest /= d;
                }
                m[index_in(&row, d) * dim + c] += matrix[b * side + a];
            }
        }
    }
    m
}

/// A random Hermitian d^k x d^k matrix, complex unless `real`, with some exact zeros.
pub fn random_hermitian(rng: &mut TestRng, side: usize, real: bool) -> Vec<Complex64> {
    let mut m = vec![ZERO; side * side];
    for a in 0..side {
        for b in a..side {
            if a != b && rng.below(3) == 0 {
                continue;
            }
            let im = if real || a == b { 0.0 } else { rng.symmetric() };
            let z = Complex64::new(rng.symmetric(), im);
            m[a * side + b] = z;
            m[b * side + a] = z.conj();
        }
    }
    m
}

/// Random terms on 1, 2 and 3 distinct sites.
pub fn random_terms(n: u32, d: usize, count: usize, real: bool, seed: u64) -> Vec<Term> {
    let mut rng = TestRng(seed);
    (0..count)
        .map(|t| {
            let k = 1 + t % 3;
            let mut sites: Vec<u32> = Vec::new();
            while sites.len() < k {
                let s = rng.below(n as u64) as u32;
                if !sites.contains(&s) {
                    sites.push(s);
                }
            }
            let side = d.pow(k as u32);
            (sites, random_hermitian(&mut rng, side, real))
        })
        .collect()
}

pub fn operator(n: u32, d: u32, terms: &[Term]) -> Hamiltonian {
    let mut h = Hamiltonian::new_local(n, d).unwrap();
    for (sites, m) in terms {
        h.add_local(sites, m).unwrap();
    }
    h
}

/// psi of every configuration in `all_configs(n, d)` order.
pub fn psi_every(model: &Model) -> Vec<Complex64> {
    let d = model.config().local_dim as usize;
    log_psi_all(model, &all_configs(model.num_sites(), d))
        .iter()
        .map(|l| {
            if l.re == f64::NEG_INFINITY {
                ZERO
            } else {
                l.exp()
            }
        })
        .collect()
}

/// Local energies of `h` against dense <s|H|psi> / <s|psi> on every configuration with
/// psi != 0, by prefix reuse and by the naive path; returns how many were compared.
pub fn check_against_dense(
    model: &Model,
    h: &Hamiltonian,
    dense_h: &[Complex64],
    tol: f64,
) -> usize {
    let (n, d) = (model.num_sites(), model.config().local_dim as usize);
    let psi = psi_every(model);
    let h_psi = dense::apply(dense_h, &psi);
    let every = all_configs(n, d);
    let kept: Vec<usize> = (0..psi.len()).filter(|&k| psi[k].norm() > 0.0).collect();
    let configs: Vec<u8> = kept
        .iter()
        .flat_map(|&k| every[k * n..(k + 1) * n].iter().copied())
        .collect();
    for f in [local_energies, local_energies_naive] {
        let mut out = vec![Complex64::new(f64::NAN, 0.0); kept.len()];
        f(model, h, &configs, &mut out).unwrap();
        for (e, &k) in out.iter().zip(&kept) {
            let expected = h_psi[k] / psi[k];
            assert!(close(*e, expected, tol), "config {k}: {e} vs {expected}");
        }
    }
    kept.len()
}
