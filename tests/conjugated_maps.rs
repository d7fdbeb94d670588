//! Anti-unitary lattice symmetries: a map g with g H g^-1 = H* (the complex conjugate in the
//! basis of the site values) is kept as `g+conj`, for which psi_S averages conj psi(g s).
//! The rotated triangular lattice is the case: its 120-degree angles go to minus themselves
//! under the half turn and the antidiagonal reflection. Checked by enumeration against the
//! dense matrix and the exact ground state: which maps are kept, psi_S(g s) = conj psi_S(s)
//! for the conjugated ones, local energies, ln psi of connected configurations, gradients
//! against finite differences, and the names through checkpoints, resizes and refusals.

mod common;
use common::dense;
use common::finite_differences::check_log_psi_grad;
use common::lattice_maps::{image, moves, sector, SQUARE};
use common::local_terms::check_against_dense;
use common::*;
use rnnwf::{
    invariant_maps, log_psi_connected, symmetry_invariant, three_sublattice_angles, Complex64,
    Connections, ErrorKind, Hamiltonian, Model, ModelConfig, PhaseKind, Symmetry, SymmetryMap,
};

fn rotated_triangular(l: u32) -> Hamiltonian {
    let mut h = Hamiltonian::triangular(l, l, false, 1.0).unwrap();
    h.rotate_z(&three_sublattice_angles(l, l).unwrap()).unwrap();
    h
}

fn config(l: u32, u1_total: Option<u32>) -> ModelConfig {
    ModelConfig::default()
        .with_lx(l)
        .with_ly(l)
        .with_hidden(5)
        .with_phase(PhaseKind::Softsign)
        .with_symmetry(Symmetry::Lattice)
        .with_u1_total(u1_total)
        .with_seed(7)
}

/// The rotated l x l operator and a fresh model restricted to its symmetries.
fn restricted(l: u32, u1_total: Option<u32>) -> (Hamiltonian, Model) {
    let h = rotated_triangular(l);
    let m = Model::new(config(l, u1_total))
        .unwrap()
        .restrict_symmetry(&h)
        .unwrap();
    (h, m)
}

fn names(maps: &[SymmetryMap]) -> Vec<String> {
    maps.iter().map(|m| m.name()).collect()
}

const KEPT: [&str; 4] = [
    "identity",
    "half_turn+conj",
    "diagonal",
    "antidiagonal+conj",
];

/// The index (in `dense`'s order) of the configuration that puts site i's value at the
/// site `name` moves i to.
fn moved_index(name: &str, index: usize, l: usize) -> usize {
    let n = l * l;
    (0..n).fold(0usize, |acc, i| {
        let (x, y) = moves(name, i % l, i / l, l, l);
        let v = (index >> (n - 1 - i)) & 1;
        acc | (v << (n - 1 - (x + l * y)))
    })
}

/// On the rotated 3x3 triangular lattice each map is kept as the dense matrix says: as
/// itself where it leaves the matrix unchanged, with `+conj` where it turns it into its
/// complex conjugate; the unrotated (real) operator keeps the same maps, none conjugated.
#[test]
fn the_kept_maps_and_their_conjugation_agree_with_the_dense_matrix() {
    let l = 3usize;
    let h = rotated_triangular(3);
    let m = dense::matrix(&h);
    let dim = 1usize << 9;
    let mut expected = Vec::new();
    for name in SQUARE {
        let agrees = |conjugate: bool| {
            (0..dim).all(|r| {
                (0..dim).all(|c| {
                    let want = if conjugate {
                        m[r * dim + c].conj()
                    } else {
                        m[r * dim + c]
                    };
                    (m[moved_index(name, r, l) * dim + moved_index(name, c, l)] - want).norm()
                        < 1e-12
                })
            })
        };
        if agrees(false) {
            expected.push(name.to_string());
        } else if agrees(true) {
            expected.push(format!("{name}+conj"));
        }
    }
    let model = Model::new(config(3, None)).unwrap();
    assert_eq!(names(&invariant_maps(&model, &h).unwrap()), expected);
    assert_eq!(
        expected, KEPT,
        "the rotation conjugates under two of the four maps"
    );
    let real = Hamiltonian::triangular(3, 3, false, 1.0).unwrap();
    assert_eq!(
        names(&invariant_maps(&model, &real).unwrap()),
        ["identity", "half_turn", "diagonal", "antidiagonal"]
    );
}

/// The exact ground state of the rotated 4x4 operator (zero magnetisation) is an eigenstate
/// of every kept element: |psi0(g s)| = |psi0(s)| for all four, psi0(g s) = psi0(s) for the
/// plain ones and psi0(g s) = e^{i a} conj psi0(s), one phase a for all s, for the
/// conjugated ones. So the conjugated maps do not keep the model from the ground state.
#[test]
fn the_exact_ground_state_has_the_kept_symmetries() {
    let l = 4usize;
    let n = l * l;
    let h = rotated_triangular(4);
    let psi0 = ground_state_in_sector(&h, n, n as u32 / 2);
    for name in KEPT {
        let (map, conjugate) = match name.strip_suffix("+conj") {
            Some(map) => (map, true),
            None => (name, false),
        };
        // <psi0 | U_g psi0> or sum_s conj psi0(g s) conj psi0(s): modulus 1 exactly when
        // psi0 is an eigenvector of the (anti-)unitary g.
        let mut overlap = Complex64::new(0.0, 0.0);
        for (&index, &amplitude) in &psi0 {
            let moved = psi0[&moved_index(map, index, l)];
            overlap += if conjugate {
                moved.conj() * amplitude.conj()
            } else {
                moved.conj() * amplitude
            };
        }
        assert!(
            (overlap.norm() - 1.0).abs() < 1e-8,
            "{name}: overlap {overlap}"
        );
        if !conjugate {
            assert!(
                (overlap - 1.0).norm() < 1e-8,
                "{name}: eigenvalue {overlap}"
            );
        }
    }
}

/// The normalised ground state of `h` restricted to the configurations with `total` down
/// spins (h conserves it), as index -> amplitude, by Lanczos with full reorthogonalisation
/// and the Jacobi method on its tridiagonal matrix.
fn ground_state_in_sector(
    h: &Hamiltonian,
    n: usize,
    total: u32,
) -> std::collections::HashMap<usize, Complex64> {
    let basis: Vec<usize> = (0..1usize << n)
        .filter(|k| k.count_ones() == total)
        .collect();
    let position: std::collections::HashMap<usize, usize> =
        basis.iter().enumerate().map(|(p, &k)| (k, p)).collect();
    // The operator on the sector as sparse columns; single Pauli strings leave the sector
    // (XX sends up-up to down-down), their sums do not.
    let columns: Vec<Vec<(usize, Complex64)>> = basis
        .iter()
        .map(|&c| {
            let mut column: std::collections::BTreeMap<usize, Complex64> = Default::default();
            for (r, x) in dense::column_of(h, c) {
                *column.entry(r).or_default() += x;
            }
            column
                .into_iter()
                .filter_map(|(r, x)| match position.get(&r) {
                    Some(&p) => Some((p, x)),
                    None => {
                        assert!(x.norm() < 1e-12, "h leaves the sector");
                        None
                    }
                })
                .collect()
        })
        .collect();
    let apply = |v: &[Complex64]| -> Vec<Complex64> {
        let mut out = vec![Complex64::new(0.0, 0.0); v.len()];
        for (column, &x) in columns.iter().zip(v) {
            for &(row, a) in column {
                out[row] += a * x;
            }
        }
        out
    };
    let dim = basis.len();
    let mut rng = TestRng(5);
    let mut v: Vec<Complex64> = (0..dim)
        .map(|_| Complex64::new(rng.symmetric(), rng.symmetric()))
        .collect();
    let norm = |v: &[Complex64]| v.iter().map(|x| x.norm_sqr()).sum::<f64>().sqrt();
    let scale = 1.0 / norm(&v);
    v.iter_mut().for_each(|x| *x *= scale);
    let steps = 120.min(dim);
    let mut vectors = vec![v];
    let mut alpha = Vec::new();
    let mut beta: Vec<f64> = Vec::new();
    for k in 0..steps {
        let mut w = apply(&vectors[k]);
        let a: Complex64 = vectors[k].iter().zip(&w).map(|(x, y)| x.conj() * y).sum();
        alpha.push(a.re);
        for q in &vectors {
            let c: Complex64 = q.iter().zip(&w).map(|(x, y)| x.conj() * y).sum();
            w.iter_mut().zip(q).for_each(|(y, x)| *y -= c * x);
        }
        let b = norm(&w);
        if b < 1e-12 || k + 1 == steps {
            break;
        }
        beta.push(b);
        w.iter_mut().for_each(|x| *x /= b);
        vectors.push(w);
    }
    let k = alpha.len();
    let mut t = vec![0.0; k * k];
    for i in 0..k {
        t[i * k + i] = alpha[i];
        if i + 1 < k {
            t[i * k + i + 1] = beta[i];
            t[(i + 1) * k + i] = beta[i];
        }
    }
    let (values, vecs) = jacobi(&mut t, k);
    let lowest = (0..k)
        .min_by(|&a, &b| values[a].total_cmp(&values[b]))
        .unwrap();
    let mut psi = vec![Complex64::new(0.0, 0.0); dim];
    for (j, q) in vectors.iter().enumerate().take(k) {
        let c = vecs[j * k + lowest];
        psi.iter_mut().zip(q).for_each(|(p, x)| *p += c * x);
    }
    let residual: f64 = {
        let hp = apply(&psi);
        let e = values[lowest];
        hp.iter()
            .zip(&psi)
            .map(|(a, b)| (a - e * b).norm_sqr())
            .sum::<f64>()
            .sqrt()
    };
    assert!(
        residual < 1e-8,
        "Lanczos did not converge: residual {residual:e}"
    );
    let scale = 1.0 / norm(&psi);
    basis
        .iter()
        .map(|&index| (index, psi[position[&index]] * scale))
        .collect()
}

/// Eigenvalues and eigenvectors (columns) of the symmetric k x k matrix `a` (destroyed).
fn jacobi(a: &mut [f64], k: usize) -> (Vec<f64>, Vec<f64>) {
    let mut v = vec![0.0; k * k];
    for i in 0..k {
        v[i * k + i] = 1.0;
    }
    for _ in 0..100 {
        let off: f64 = (0..k)
            .flat_map(|i| (0..k).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * k + j] * a[i * k + j])
            .sum();
        if off < 1e-26 {
            break;
        }
        for p in 0..k {
            for q in p + 1..k {
                let apq = a[p * k + q];
                if apq.abs() < 1e-300 {
                    continue;
                }
                let theta = (a[q * k + q] - a[p * k + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for r in 0..k {
                    let (arp, arq) = (a[r * k + p], a[r * k + q]);
                    a[r * k + p] = c * arp - s * arq;
                    a[r * k + q] = s * arp + c * arq;
                }
                for r in 0..k {
                    let (apr, aqr) = (a[p * k + r], a[q * k + r]);
                    a[p * k + r] = c * apr - s * aqr;
                    a[q * k + r] = s * apr + c * aqr;
                }
                for r in 0..k {
                    let (vrp, vrq) = (v[r * k + p], v[r * k + q]);
                    v[r * k + p] = c * vrp - s * vrq;
                    v[r * k + q] = s * vrp + c * vrq;
                }
            }
        }
    }
    ((0..k).map(|i| a[i * k + i]).collect(), v)
}

/// The restricted model's amplitude: sampled ln psi_S equal to evaluated, normalised,
/// psi_S(g s) = psi_S(s) for the plain kept maps, conj psi_S(s) for the conjugated ones (the
/// symmetrisation makes the phase a = 0), and the other maps change some amplitude.
#[test]
fn a_conjugated_map_sends_psi_s_to_its_conjugate() {
    let (l, n) = (4usize, 16usize);
    let (h, m) = restricted(4, Some(8));
    assert_eq!(names(&m.symmetry_maps()), KEPT);
    assert!(symmetry_invariant(&m, &h).unwrap());
    // Sampling returns the ln psi_S that evaluation gives, bit for bit.
    let mut samples = vec![0u8; 64 * n];
    let mut sampled = vec![Complex64::new(0.0, 0.0); 64];
    m.sample(9, 64, &mut samples, Some(&mut sampled)).unwrap();
    assert_eq!(sampled, log_psi_all(&m, &samples));
    let configs = sector(n, 8);
    let count = configs.len() / n;
    let psi: Vec<Complex64> = log_psi_all(&m, &configs).iter().map(|l| l.exp()).collect();
    let total: f64 = psi.iter().map(|x| x.norm_sqr()).sum();
    assert!((total - 1.0).abs() < 1e-12, "normalised: {total}");
    assert_eq!(psi.len(), count);
    for name in SQUARE {
        let images: Vec<u8> = configs
            .chunks(n)
            .flat_map(|s| image(name, s, l, l))
            .collect();
        let moved: Vec<Complex64> = log_psi_all(&m, &images).iter().map(|l| l.exp()).collect();
        let differs = |conjugate: bool| {
            psi.iter()
                .zip(&moved)
                .map(|(a, b)| {
                    let want = if conjugate { a.conj() } else { *a };
                    (b - want).norm() / a.norm().max(1e-300)
                })
                .fold(0.0, f64::max)
        };
        if KEPT.contains(&name) {
            assert!(
                differs(false) < 1e-10,
                "{name}: psi changes by {:e}",
                differs(false)
            );
        } else if KEPT.contains(&format!("{name}+conj").as_str()) {
            assert!(differs(true) < 1e-10, "{name}: {:e}", differs(true));
            assert!(differs(false) > 1e-3, "{name}: psi is not real");
        } else {
            assert!(differs(false) > 1e-3 && differs(true) > 1e-3, "{name}");
        }
    }
}

/// Local energies of the conjugation-restricted model against the dense H psi / psi on every
/// configuration (prefix reuse and the naive path), and ln psi of connected configurations
/// against ln psi of the configurations written out.
#[test]
fn local_energies_and_connected_amplitudes_of_a_conjugated_model_are_exact() {
    let (h, m) = restricted(3, None);
    assert_eq!(names(&m.symmetry_maps()), KEPT);
    assert_eq!(check_against_dense(&m, &h, &dense::matrix(&h), 1e-10), 512);

    let mut sample = vec![0u8; 9];
    m.sample(3, 1, &mut sample, None).unwrap();
    // Every single flip and every pair of sites swapped.
    let mut offsets = vec![0usize];
    let (mut sites, mut values, mut full) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..9u32 {
        for j in i..9u32 {
            let mut c = sample.clone();
            if i == j {
                c[i as usize] ^= 1;
                sites.push(i);
                values.push(c[i as usize]);
            } else {
                c.swap(i as usize, j as usize);
                sites.extend([i, j]);
                values.extend([c[i as usize], c[j as usize]]);
            }
            offsets.push(sites.len());
            full.extend_from_slice(&c);
        }
    }
    let conn = offsets.len() - 1;
    let mut got = vec![Complex64::new(0.0, 0.0); conn];
    let connections = Connections {
        offsets: &offsets,
        sites: &sites,
        values: &values,
    };
    log_psi_connected(&m, &sample, connections, &mut got).unwrap();
    let want = log_psi_all(&m, &full);
    for (c, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!(
            (g.exp() - w.exp()).norm() <= 1e-10 * w.exp().norm(),
            "connection {c}: {g} vs {w}"
        );
    }
}

/// d ln psi_S / d theta of a model with conjugated elements, every parameter, against
/// central differences.
#[test]
fn gradients_of_a_conjugated_model_match_finite_differences() {
    let maps: Vec<SymmetryMap> = KEPT
        .iter()
        .map(|n| SymmetryMap::from_name(n).unwrap())
        .collect();
    let cfg = config(4, Some(8))
        .with_hidden(3)
        .with_symmetry_maps(Some(maps));
    let (case, _) = check_log_psi_grad(&cfg);
    assert_eq!(case.model.symmetry_size(), 4);
}

/// `+conj` names through a checkpoint and a resize, the C code, and the refusals of a list
/// that keeps a map both ways or names an element outside the group.
#[test]
fn conjugated_names_are_saved_carried_and_checked() {
    let (h, m) = restricted(4, None);
    let bytes = m.to_checkpoint_bytes();
    assert!(String::from_utf8_lossy(&bytes)
        .contains("\"symmetry_maps\":\"identity,half_turn+conj,diagonal,antidiagonal+conj\""));
    let back = Model::from_checkpoint_bytes(&bytes).unwrap();
    assert_eq!(back.config(), m.config());
    let codes: Vec<u32> = m.symmetry_maps().iter().map(|s| s.code()).collect();
    assert_eq!(codes, [0, 3 + 16, 6, 7 + 16]);

    // 6x6 keeps all four (the angles still go to minus themselves); a rectangle keeps the
    // half turn only.
    let bigger = m.resize(6, 6, None).unwrap();
    assert_eq!(names(&bigger.symmetry_maps()), KEPT);
    assert!(symmetry_invariant(&bigger, &rotated_triangular(6)).unwrap());
    let rect = m.resize(6, 3, None).unwrap();
    assert_eq!(names(&rect.symmetry_maps()), ["identity", "half_turn+conj"]);

    // The whole group's maps turned into the conjugated ones are not a symmetry of the
    // operator as the model takes them.
    let plain = Model::new(config(4, None)).unwrap();
    assert!(!symmetry_invariant(&plain, &h).unwrap());

    let list = |names: &[&str]| {
        Some(
            names
                .iter()
                .map(|n| SymmetryMap::from_name(n).unwrap())
                .collect::<Vec<_>>(),
        )
    };
    for (kept, why) in [
        (
            list(&["identity", "identity+conj"]),
            "with and without the conjugation",
        ),
        (list(&["identity", "quarter_turn+conj"]), "not a group"),
        (list(&["identity+conj"]), "start with the identity"),
    ] {
        let e = Model::new(config(4, None).with_symmetry_maps(kept)).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArgument);
        assert!(e.message.contains(why), "{}", e.message);
    }
}
