//! Dense matrices of operators on small systems, built from the Pauli matrices acting on
//! basis columns (independently of the library's grouped form), and the lowest eigenvalue
//! by Householder tridiagonalisation and bisection.

use rnnwf::{Complex64, Hamiltonian, Pauli};

/// Index of a configuration in `all_configs` order: site 0 is the most significant bit.
pub fn index_of(config: &[u8]) -> usize {
    config.iter().fold(0, |k, &v| 2 * k + v as usize)
}

fn config_of(index: usize, sites: usize) -> Vec<u8> {
    (0..sites)
        .map(|i| ((index >> (sites - 1 - i)) & 1) as u8)
        .collect()
}

/// `[dim x dim]` row-major matrix of `h` in `all_configs` order.
pub fn matrix(h: &Hamiltonian) -> Vec<Complex64> {
    let dim = 1usize << h.num_sites();
    let mut m = vec![Complex64::new(0.0, 0.0); dim * dim];
    for column in 0..dim {
        for (row, amplitude) in column_of(h, column) {
            m[row * dim + column] += amplitude;
        }
    }
    m
}

/// The column `column` of `h`'s matrix, one (row, amplitude) per Pauli string (rows may
/// repeat): what the sparse tests apply where the dense matrix does not fit.
pub fn column_of(h: &Hamiltonian, column: usize) -> Vec<(usize, Complex64)> {
    let sites = h.num_sites();
    h.terms()
        .map(|(coeff, ops)| {
            // P |column> = amplitude |row>, applying one Pauli matrix at a time.
            let mut state = config_of(column, sites);
            let mut amplitude = Complex64::new(coeff, 0.0);
            for &(site, pauli) in ops {
                let s = &mut state[site as usize];
                match pauli {
                    Pauli::X => *s ^= 1,
                    Pauli::Y => {
                        // Y|0> = i|1>, Y|1> = -i|0>.
                        amplitude *= if *s == 0 {
                            Complex64::new(0.0, 1.0)
                        } else {
                            Complex64::new(0.0, -1.0)
                        };
                        *s ^= 1;
                    }
                    Pauli::Z => {
                        if *s == 1 {
                            amplitude = -amplitude;
                        }
                    }
                }
            }
            (index_of(&state), amplitude)
        })
        .collect()
}

pub fn apply(m: &[Complex64], v: &[Complex64]) -> Vec<Complex64> {
    let dim = v.len();
    (0..dim)
        .map(|r| {
            m[r * dim..(r + 1) * dim]
                .iter()
                .zip(v)
                .map(|(a, b)| a * b)
                .sum()
        })
        .collect()
}

/// Lowest eigenvalue of a Hermitian matrix: of its real part when it is real, else of the
/// real symmetric [[A, -B], [B, A]] (same eigenvalues, each twice).
pub fn lowest_eigenvalue(m: &[Complex64]) -> f64 {
    let dim = (m.len() as f64).sqrt() as usize;
    let hermitian_error = (0..dim)
        .flat_map(|r| (0..dim).map(move |c| (r, c)))
        .map(|(r, c)| (m[r * dim + c] - m[c * dim + r].conj()).norm())
        .fold(0.0, f64::max);
    assert!(hermitian_error < 1e-12, "matrix is not Hermitian");
    let real = m.iter().all(|z| z.im == 0.0);
    let (n, a) = if real {
        (dim, m.iter().map(|z| z.re).collect::<Vec<_>>())
    } else {
        let n = 2 * dim;
        let mut a = vec![0.0; n * n];
        for r in 0..dim {
            for c in 0..dim {
                let z = m[r * dim + c];
                a[r * n + c] = z.re;
                a[(r + dim) * n + c + dim] = z.re;
                a[r * n + c + dim] = -z.im;
                a[(r + dim) * n + c] = z.im;
            }
        }
        (n, a)
    };
    let (d, e) = tridiagonalise(n, a);
    lowest_tridiagonal_eigenvalue(&d, &e)
}

/// Householder reduction of a real symmetric matrix to tridiagonal form: (diagonal,
/// off-diagonal).
fn tridiagonalise(n: usize, mut a: Vec<f64>) -> (Vec<f64>, Vec<f64>) {
    let mut v = vec![0.0; n];
    let mut p = vec![0.0; n];
    for k in 0..n.saturating_sub(2) {
        let len = n - k - 1;
        let x: Vec<f64> = (0..len).map(|i| a[(k + 1 + i) * n + k]).collect();
        let norm = x.iter().map(|t| t * t).sum::<f64>().sqrt();
        if norm == 0.0 {
            continue;
        }
        let alpha = if x[0] > 0.0 { -norm } else { norm };
        v[..len].copy_from_slice(&x);
        v[0] -= alpha;
        let vnorm = v[..len].iter().map(|t| t * t).sum::<f64>().sqrt();
        if vnorm == 0.0 {
            continue;
        }
        v[..len].iter_mut().for_each(|t| *t /= vnorm);
        // Trailing block B <- H B H with H = I - 2 v v^T.
        for i in 0..len {
            let row = &a[(k + 1 + i) * n + k + 1..(k + 1 + i) * n + n];
            p[i] = row.iter().zip(&v[..len]).map(|(x, y)| x * y).sum();
        }
        let kk: f64 = v[..len].iter().zip(&p[..len]).map(|(x, y)| x * y).sum();
        for i in 0..len {
            p[i] -= kk * v[i];
        }
        for i in 0..len {
            let (vi, qi) = (v[i], p[i]);
            let row = &mut a[(k + 1 + i) * n + k + 1..(k + 1 + i) * n + n];
            for j in 0..len {
                row[j] -= 2.0 * (vi * p[j] + qi * v[j]);
            }
        }
        a[(k + 1) * n + k] = alpha;
        a[k * n + k + 1] = alpha;
    }
    let d = (0..n).map(|i| a[i * n + i]).collect();
    let e = (0..n.saturating_sub(1))
        .map(|i| a[(i + 1) * n + i])
        .collect();
    (d, e)
}

fn lowest_tridiagonal_eigenvalue(d: &[f64], e: &[f64]) -> f64 {
    let bound: f64 =
        d.iter().map(|x| x.abs()).sum::<f64>() + 2.0 * e.iter().map(|x| x.abs()).sum::<f64>();
    let (mut lo, mut hi) = (-bound - 1.0, bound + 1.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        let mut below = 0;
        let mut q = 1.0;
        for i in 0..d.len() {
            q = d[i] - mid - if i > 0 { e[i - 1] * e[i - 1] / q } else { 0.0 };
            if q == 0.0 {
                q = -1e-300;
            }
            if q < 0.0 {
                below += 1;
            }
        }
        if below >= 1 {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    0.5 * (lo + hi)
}
