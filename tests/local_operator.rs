//! Operators of dense k-site terms on any local dimension: local energies against
//! the dense <s|H|psi> / <s|psi> on every configuration, exact tools against closed forms
//! and dense diagonalisation written here, mixed Pauli and local terms against the Pauli
//! operator, the built-in models, and refusals with their messages.

mod common;
use common::dense;
use common::local_terms::*;
use common::*;
use rnnwf::optim::Optimizer;
use rnnwf::vmc::{Vmc, VmcConfig};
use rnnwf::{
    exact_expectation, exact_ground_energy, local_energies, sign_free, CellKind, Complex64,
    ErrorKind, Hamiltonian, Model, ModelConfig, PhaseKind, Precision, SignRule, Symmetry,
};

fn model_d(d: u32, n: u32, cell: CellKind, phase: bool, seed: u64) -> ModelConfig {
    ModelConfig::default()
        .with_cell(cell)
        .with_lx(n)
        .with_local_dim(d)
        .with_hidden(6)
        .with_layers(2)
        .with_phase(if phase {
            PhaseKind::Softsign
        } else {
            PhaseKind::None
        })
        .with_seed(seed)
}

#[test]
fn local_energies_equal_dense_for_d3_and_d4_on_every_configuration() {
    for (d, n) in [(3u32, 5u32), (4, 4)] {
        let terms = random_terms(n, d as usize, 7, false, 7 + d as u64);
        let h = operator(n, d, &terms);
        let dense_h = dense_matrix(n as usize, d as usize, &terms);
        for (cell, layers) in [
            (CellKind::Gru, 2),
            (CellKind::Vanilla, 2),
            (CellKind::TensorGru, 1),
            (CellKind::LinearGated, 1),
        ] {
            for phase in [false, true] {
                let cfg = model_d(d, n, cell, phase, 3).with_layers(layers);
                let model = Model::new(cfg.clone()).unwrap();
                let count = check_against_dense(&model, &h, &dense_h, 1e-9);
                assert_eq!(count, (d as usize).pow(n));
                // Marshall's rule (-1)^(sum of values on sublattice A) and a symmetrised model.
                let marshall = Model::new(cfg.clone().with_sign_rule(SignRule::Marshall));
                check_against_dense(&marshall.unwrap(), &h, &dense_h, 1e-9);
                for symmetry in [Symmetry::Lattice, Symmetry::LatticeSpinFlip] {
                    let sym = Model::new(cfg.clone().with_symmetry(symmetry)).unwrap();
                    check_against_dense(&sym, &h, &dense_h, 1e-9);
                }
                let f32_model = Model::new(cfg.with_precision(Precision::F32)).unwrap();
                check_against_dense(&f32_model, &h, &dense_h, 1e-4);
            }
        }
    }
}

/// Under U(1) (the sum of site values fixed), with an operator that conserves it (spin-1
/// exchange and Bose-Hubbard hopping) plus diagonal terms: only the sector's
/// configurations, and the dense answer restricted to them.
#[test]
fn local_energies_in_a_u1_sector_equal_dense() {
    for (d, n, total) in [(3u32, 5u32, 5u32), (4, 4, 5)] {
        let h = if d == 3 {
            Hamiltonian::spin1(n, 1, true, 1.0, 0.3, 0.4).unwrap()
        } else {
            Hamiltonian::bose_hubbard(n, 1, false, 3, 1.0, 2.0, 0.5).unwrap()
        };
        let dense_h = dense_of_local_terms(&h);
        for phase in [false, true] {
            let cfg = model_d(d, n, CellKind::Gru, phase, 9).with_u1_total(Some(total));
            let model = Model::new(cfg).unwrap();
            let count = check_against_dense(&model, &h, &dense_h, 1e-9);
            let sector = all_configs(n as usize, d as usize)
                .chunks(n as usize)
                .filter(|c| c.iter().map(|&v| v as u32).sum::<u32>() == total)
                .count();
            assert_eq!(count, sector);
        }
    }
}

/// The built-ins' matrices, checked entry by entry against the operators written out here.
#[test]
fn builtin_spin1_matrices_are_the_spin_operators() {
    // S.S on spin-1 from S^z = diag(1, 0, -1) and S^x, S^y.
    let r = std::f64::consts::FRAC_1_SQRT_2;
    let sx = [[0.0, r, 0.0], [r, 0.0, r], [0.0, r, 0.0]];
    let sz = [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, -1.0]];
    let sy = [
        [ZERO, Complex64::new(0.0, -r), ZERO],
        [Complex64::new(0.0, r), ZERO, Complex64::new(0.0, -r)],
        [ZERO, Complex64::new(0.0, r), ZERO],
    ];
    let mut ss = vec![ZERO; 81];
    for a in 0..9 {
        for b in 0..9 {
            let (ai, aj, bi, bj) = (a / 3, a % 3, b / 3, b % 3);
            ss[a * 9 + b] = Complex64::new(sx[ai][bi] * sx[aj][bj] + sz[ai][bi] * sz[aj][bj], 0.0)
                + sy[ai][bi] * sy[aj][bj];
        }
    }
    let (j, beta, dd) = (1.3, -0.4, 0.7);
    let h = Hamiltonian::spin1(3, 1, false, j, beta, dd).unwrap();
    let mut terms: Vec<Term> = Vec::new();
    for bond in [[0u32, 1], [1, 2]] {
        let mut m = vec![ZERO; 81];
        for a in 0..9 {
            for b in 0..9 {
                let sq: Complex64 = (0..9).map(|c| ss[a * 9 + c] * ss[c * 9 + b]).sum();
                m[a * 9 + b] = j * (ss[a * 9 + b] + beta * sq);
            }
        }
        terms.push((bond.to_vec(), m));
    }
    for i in 0..3u32 {
        let mut m = vec![ZERO; 9];
        m[0] = Complex64::new(dd, 0.0);
        m[8] = Complex64::new(dd, 0.0);
        terms.push((vec![i], m));
    }
    let expected = dense_matrix(3, 3, &terms);
    let got = dense_of_local_terms(&h);
    for (a, b) in got.iter().zip(&expected) {
        assert!((a - b).norm() < 1e-14, "{a} vs {b}");
    }
}

#[test]
fn aklt_open_chain_has_its_exact_ground_energy() {
    for n in [4u32, 6, 8] {
        let h = Hamiltonian::spin1(n, 1, false, 1.0, 1.0 / 3.0, 0.0).unwrap();
        let e0 = exact_ground_energy(&h).unwrap();
        let expected = -2.0 / 3.0 * (n as f64 - 1.0);
        assert!((e0 - expected).abs() < 1e-9, "N = {n}: {e0} vs {expected}");
    }
}

#[test]
fn spin1_heisenberg_ground_energy_equals_dense_diagonalisation() {
    let h = Hamiltonian::spin1(5, 1, true, 1.0, 0.0, 0.3).unwrap();
    let expected = dense::lowest_eigenvalue(&dense_of_local_terms(&h));
    let e0 = exact_ground_energy(&h).unwrap();
    assert!((e0 - expected).abs() < 1e-8, "{e0} vs {expected}");
}

/// Bose-Hubbard on a chain and a 2x2 grid against a dense matrix built here from b, b^dag.
#[test]
fn bose_hubbard_ground_energy_equals_dense_diagonalisation() {
    for (lx, ly, periodic, n_max) in [(4u32, 1u32, true, 2u32), (2, 2, false, 3)] {
        let (t, u, mu) = (0.8, 3.0, 1.1);
        let h = Hamiltonian::bose_hubbard(lx, ly, periodic, n_max, t, u, mu).unwrap();
        let (n, d) = ((lx * ly) as usize, n_max as usize + 1);
        let configs = all_configs(n, d);
        let dim = d.pow(n as u32);
        let mut m = vec![ZERO; dim * dim];
        let mut bonds = vec![];
        for y in 0..ly {
            for x in 0..lx {
                let i = x + lx * y;
                if x + 1 < lx || (periodic && lx > 2) {
                    bonds.push((i, (x + 1) % lx + lx * y));
                }
                if y + 1 < ly {
                    bonds.push((i, x + lx * (y + 1)));
                }
            }
        }
        for (c, config) in configs.chunks(n).enumerate() {
            let occ: Vec<f64> = config.iter().map(|&v| v as f64).collect();
            m[c * dim + c] += occ
                .iter()
                .map(|&k| 0.5 * u * k * (k - 1.0) - mu * k)
                .sum::<f64>();
            for &(i, j) in &bonds {
                for (from, to) in [(j, i), (i, j)] {
                    // b_to^dag b_from.
                    let (nf, nt) = (config[from as usize], config[to as usize]);
                    if nf == 0 || nt as usize + 1 >= d {
                        continue;
                    }
                    let mut row = config.to_vec();
                    row[from as usize] -= 1;
                    row[to as usize] += 1;
                    let e = -t * ((nf as f64) * (nt as f64 + 1.0)).sqrt();
                    m[index_in(&row, d) * dim + c] += e;
                }
            }
        }
        let expected = dense::lowest_eigenvalue(&m);
        let e0 = exact_ground_energy(&h).unwrap();
        assert!(
            (e0 - expected).abs() < 1e-8,
            "{lx}x{ly}: {e0} vs {expected}"
        );
    }
}

/// The Rydberg array's atom-level dense matrix, built here: -Omega/2 sigma^x - delta n +
/// Omega Rb^6 / r^6 n n up to the cutoff.
fn rydberg_dense(lx: u32, ly: u32, omega: f64, delta: f64, rb: f64, cutoff: f64) -> Vec<Complex64> {
    let n = (lx * ly) as usize;
    let dim = 1usize << n;
    let mut m = vec![ZERO; dim * dim];
    let pos = |i: usize| ((i % lx as usize) as f64, (i / lx as usize) as f64);
    for c in 0..dim {
        let occ = |i: usize| (c >> i) & 1;
        let mut diag = 0.0;
        for i in 0..n {
            diag -= delta * occ(i) as f64;
            m[(c ^ (1 << i)) * dim + c] += -0.5 * omega;
            for j in i + 1..n {
                let (a, b) = (pos(i), pos(j));
                let r = ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
                if r <= cutoff + 1e-12 {
                    diag += omega * rb.powi(6) / r.powi(6) * (occ(i) * occ(j)) as f64;
                }
            }
        }
        m[c * dim + c] += diag;
    }
    m
}

#[test]
fn rydberg_ground_energy_equals_dense_diagonalisation_grouped_or_not() {
    let (omega, delta, rb) = (1.0, 1.3, 1.2);
    for (lx, ly, cutoff) in [(3u32, 3u32, 2.0f64), (4, 2, 1.5)] {
        let expected = dense::lowest_eigenvalue(&rydberg_dense(lx, ly, omega, delta, rb, cutoff));
        for group in [1u32, 2, 4] {
            if !lx.is_multiple_of(group) {
                continue;
            }
            let h = Hamiltonian::rydberg(lx, ly, omega, delta, rb, cutoff, group).unwrap();
            assert_eq!(h.local_dim(), 1 << group);
            assert_eq!(h.num_sites() as u32, lx * ly / group);
            let e0 = exact_ground_energy(&h).unwrap();
            assert!(
                (e0 - expected).abs() < 1e-8,
                "{lx}x{ly} group {group}: {e0} vs {expected}"
            );
        }
    }
}

/// Half of the Heisenberg bonds as Pauli strings, half as 4 x 4 matrices: the same operator.
#[test]
fn mixed_pauli_and_local_terms_equal_the_pauli_operator() {
    let n = 6u32;
    let pauli = Hamiltonian::heisenberg(n, 1, true, 1.0, 0.3).unwrap();
    let mut xx_yy_zz = vec![ZERO; 16];
    // XX + YY + ZZ = diag(1, -1, -1, 1) + 2 (|01><10| + |10><01|).
    for (a, v) in [(0, 1.0), (1, -1.0), (2, -1.0), (3, 1.0)] {
        xx_yy_zz[a * 5] = Complex64::new(v, 0.0);
    }
    xx_yy_zz[4 + 2] = Complex64::new(2.0, 0.0);
    xx_yy_zz[2 * 4 + 1] = Complex64::new(2.0, 0.0);
    let mut mixed = Hamiltonian::new_local(n, 2).unwrap();
    for i in 0..n {
        let j = (i + 1) % n;
        if i.is_multiple_of(2) {
            let scaled: Vec<Complex64> = xx_yy_zz.to_vec();
            mixed.add_local(&[i, j], &scaled).unwrap();
        } else {
            for p in ["XX", "YY", "ZZ"] {
                mixed.add_term(1.0, p, &[i, j]).unwrap();
            }
        }
        let k = (i + 2) % n;
        for p in ["XX", "YY", "ZZ"] {
            mixed.add_term(0.3, p, &[i, k]).unwrap();
        }
    }
    let e_pauli = exact_ground_energy(&pauli).unwrap();
    let e_mixed = exact_ground_energy(&mixed).unwrap();
    assert!((e_pauli - e_mixed).abs() < 1e-9, "{e_pauli} vs {e_mixed}");
    let cfg = model_d(2, n, CellKind::Gru, true, 4).with_sign_rule(SignRule::Marshall);
    let model = Model::new(cfg).unwrap();
    let configs = all_configs(n as usize, 2);
    let rows = configs.len() / n as usize;
    let (mut a, mut b) = (vec![ZERO; rows], vec![ZERO; rows]);
    local_energies(&model, &pauli, &configs, &mut a).unwrap();
    local_energies(&model, &mixed, &configs, &mut b).unwrap();
    for (x, y) in a.iter().zip(&b) {
        assert!(close(*x, *y, 1e-10), "{x} vs {y}");
    }
    let (x, y) = (
        exact_expectation(&model, &pauli).unwrap(),
        exact_expectation(&model, &mixed).unwrap(),
    );
    assert!(close(x, y, 1e-10), "{x} vs {y}");
    assert_eq!(
        sign_free(&model, &pauli).unwrap(),
        sign_free(&model, &mixed).unwrap()
    );
}

#[test]
fn exact_expectation_equals_dense_for_d3() {
    let (n, d) = (5u32, 3u32);
    let terms = random_terms(n, d as usize, 6, false, 21);
    let h = operator(n, d, &terms);
    let model = Model::new(model_d(d, n, CellKind::Gru, true, 5)).unwrap();
    let psi = psi_every(&model);
    let h_psi = dense::apply(&dense_matrix(n as usize, d as usize, &terms), &psi);
    let num: Complex64 = psi.iter().zip(&h_psi).map(|(a, b)| a.conj() * b).sum();
    let norm: f64 = psi.iter().map(|a| a.norm_sqr()).sum();
    let got = exact_expectation(&model, &h).unwrap();
    assert!(close(got, num / norm, 1e-10), "{got} vs {}", num / norm);
}

/// The zero operator of d = 3 (no terms, or a term whose matrix is zero): every exact tool
/// gives 0 over the 3^N states, like any other d = 3 operator.
#[test]
fn exact_tools_on_the_zero_operator_of_d3() {
    let (n, d) = (4u32, 3u32);
    let model = Model::new(model_d(d, n, CellKind::Gru, true, 8)).unwrap();
    let empty = Hamiltonian::new_local(n, d).unwrap();
    let mut zero_term = Hamiltonian::new_local(n, d).unwrap();
    zero_term
        .add_local(&[0, 1], &vec![Complex64::new(0.0, 0.0); 81])
        .unwrap();
    for h in [&empty, &zero_term] {
        assert_eq!(exact_ground_energy(h).unwrap(), 0.0);
        assert_eq!(
            exact_expectation(&model, h).unwrap(),
            Complex64::new(0.0, 0.0)
        );
    }
}

/// sign_free against the dense matrix: every off-diagonal element times the rule <= 0.
#[test]
fn sign_free_agrees_with_the_dense_matrix() {
    let cases: Vec<(Hamiltonian, SignRule)> = vec![
        (
            Hamiltonian::spin1(4, 1, false, 1.0, 0.0, 0.2).unwrap(),
            SignRule::Marshall,
        ),
        (
            Hamiltonian::spin1(4, 1, false, 1.0, 0.0, 0.2).unwrap(),
            SignRule::None,
        ),
        (
            Hamiltonian::spin1(4, 1, false, -1.0, 0.0, 0.0).unwrap(),
            SignRule::None,
        ),
        (
            Hamiltonian::spin1(4, 1, false, 1.0, 1.0 / 3.0, 0.0).unwrap(),
            SignRule::Marshall,
        ),
        (
            Hamiltonian::bose_hubbard(4, 1, false, 2, 1.0, 1.0, 0.0).unwrap(),
            SignRule::None,
        ),
        (
            Hamiltonian::bose_hubbard(4, 1, false, 2, -1.0, 1.0, 0.0).unwrap(),
            SignRule::None,
        ),
        (
            Hamiltonian::rydberg(4, 1, 1.0, 0.5, 1.0, 2.0, 2).unwrap(),
            SignRule::None,
        ),
    ];
    for (h, rule) in cases {
        let (n, d) = (h.num_sites(), h.local_dim());
        let m = dense_of_local_terms(&h);
        let configs = all_configs(n, d);
        let sign = |k: usize| -> f64 {
            if rule == SignRule::None {
                return 1.0;
            }
            let count: usize = configs[k * n..(k + 1) * n]
                .iter()
                .enumerate()
                .filter(|(i, _)| i.is_multiple_of(2))
                .map(|(_, &v)| v as usize)
                .sum();
            if count % 2 == 1 {
                -1.0
            } else {
                1.0
            }
        };
        let dim = d.pow(n as u32);
        let expected = (0..dim).all(|r| {
            (0..dim).all(|c| {
                let z = m[r * dim + c] * sign(r) * sign(c);
                r == c || (z.im.abs() < 1e-12 && z.re <= 1e-12)
            })
        });
        let cfg = model_d(d as u32, n as u32, CellKind::Gru, false, 1).with_sign_rule(rule);
        let model = Model::new(cfg).unwrap();
        assert_eq!(sign_free(&model, &h).unwrap(), expected, "{rule:?} d = {d}");
    }
}

/// A Rydberg array whose pair matrices no memory could hold (64 x 64 atoms, 4 a site: a
/// 256 x 256 matrix for each of about 5e5 site pairs, 512 GiB) is refused at once by name.
#[test]
fn a_rydberg_array_too_large_for_memory_is_refused() {
    let err = Hamiltonian::rydberg(64, 64, 1.0, 0.0, 1.0, 100.0, 4).unwrap_err();
    assert_eq!(err.kind, ErrorKind::OutOfMemory);
    assert!(err.message.contains("pair interactions"), "{err}");
}

/// Finite entries near f64::MAX are accepted as given: the stored Hermitian part is theirs,
/// finite, not an overflow of their sum.
#[test]
fn entries_near_the_largest_float_are_kept_finite() {
    let mut h = Hamiltonian::new_local(2, 3).unwrap();
    let mut m = vec![ZERO; 9];
    m[0] = Complex64::new(1.5e308, 0.0);
    m[1] = Complex64::new(1.2e308, -1.0e308);
    m[3] = m[1].conj();
    h.add_local(&[0], &m).unwrap();
    assert_eq!(h.local_terms()[0].matrix, m);
}

#[test]
fn malformed_terms_and_mismatched_models_are_refused_with_a_message() {
    let mut h = Hamiltonian::new_local(4, 3).unwrap();
    let eye9: Vec<Complex64> = (0..81u32)
        .map(|i| Complex64::new(i.is_multiple_of(10) as u8 as f64, 0.0))
        .collect();
    let cases: Vec<(&[u32], Vec<Complex64>, ErrorKind, &str)> = vec![
        (&[], vec![ZERO], ErrorKind::InvalidArgument, "k >= 1"),
        (
            &[0, 4],
            eye9.clone(),
            ErrorKind::InvalidArgument,
            "out of range",
        ),
        (&[1, 1], eye9.clone(), ErrorKind::InvalidArgument, "twice"),
        (&[0, 1], eye9[..80].to_vec(), ErrorKind::BufferSize, "9 x 9"),
        (&[0], vec![ZERO; 4], ErrorKind::BufferSize, "3 x 3"),
        (
            &[0],
            vec![Complex64::new(f64::NAN, 0.0); 9],
            ErrorKind::InvalidArgument,
            "not finite",
        ),
        (
            &[0],
            {
                let mut m = vec![ZERO; 9];
                m[1] = Complex64::new(1.0, 0.0);
                m
            },
            ErrorKind::InvalidArgument,
            "not Hermitian",
        ),
        (
            &[0],
            {
                let mut m = vec![ZERO; 9];
                m[0] = Complex64::new(1.0, 1.0);
                m
            },
            ErrorKind::InvalidArgument,
            "tolerance",
        ),
    ];
    for (sites, m, kind, text) in cases {
        let e = h.add_local(sites, &m).unwrap_err();
        assert_eq!(e.kind, kind, "{}", e.message);
        assert!(e.message.contains(text), "{text:?} not in {}", e.message);
    }
    assert_eq!(h.num_terms(), 0, "refusals leave the operator unchanged");
    // A d^k x d^k matrix beyond the address space: OutOfMemory naming the size.
    let mut big = Hamiltonian::new_local(64, 256).unwrap();
    let sites: Vec<u32> = (0..9).collect();
    let e = big.add_local(&sites, &[]).unwrap_err();
    assert_eq!(e.kind, ErrorKind::OutOfMemory);
    assert!(e.message.contains("256^9"), "{}", e.message);
    for d in [0, 1, 257] {
        let e = Hamiltonian::new_local(3, d).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArgument);
        assert!(e.message.contains("local_dim"), "{}", e.message);
    }
    let e = h.add_term(1.0, "Z", &[0]).unwrap_err();
    assert!(e.message.contains("local_dim = 3"), "{}", e.message);
    // Model and operator local dimensions must match, in every function taking both.
    h.add_local(&[0, 1], &eye9).unwrap();
    let qubits = Model::new(model_d(2, 4, CellKind::Gru, false, 1)).unwrap();
    let configs = vec![0u8; 4];
    let mut out = [ZERO];
    for e in [
        local_energies(&qubits, &h, &configs, &mut out).unwrap_err(),
        exact_expectation(&qubits, &h).unwrap_err(),
        sign_free(&qubits, &h).unwrap_err(),
        rnnwf::expectation(&qubits, &h, 1, 16).unwrap_err(),
        Vmc::new(VmcConfig::default())
            .unwrap()
            .step(&mut qubits.clone(), &h)
            .unwrap_err(),
    ] {
        assert_eq!(e.kind, ErrorKind::InvalidArgument);
        assert!(
            e.message.contains("local_dim = 3") && e.message.contains("local_dim = 2"),
            "{}",
            e.message
        );
    }
    // Built-ins' own refusals.
    assert!(Hamiltonian::rydberg(3, 2, 1.0, 1.0, 1.0, 1.0, 2).is_err());
    assert!(Hamiltonian::rydberg(4, 2, 1.0, 1.0, -1.0, 1.0, 1).is_err());
    assert!(Hamiltonian::rydberg(4, 2, 1.0, 1.0, 1.0, 1.0, 5).is_err());
    assert!(Hamiltonian::bose_hubbard(4, 1, false, 0, 1.0, 1.0, 1.0).is_err());
    assert!(Hamiltonian::spin1(4, 1, false, f64::NAN, 0.0, 0.0).is_err());
}

/// A GRU trained by minSR on the open AKLT chain of 6 sites reaches its exact energy.
#[test]
fn minsr_trains_the_aklt_chain_to_its_exact_energy() {
    let n = 6u32;
    let h = Hamiltonian::spin1(n, 1, false, 1.0, 1.0 / 3.0, 0.0).unwrap();
    let exact = -2.0 / 3.0 * (n as f64 - 1.0);
    let cfg = model_d(3, n, CellKind::Gru, false, 5)
        .with_hidden(12)
        .with_layers(1)
        .with_sign_rule(SignRule::Marshall);
    let mut model = Model::new(cfg).unwrap();
    let mut vmc = Vmc::new(
        VmcConfig::default()
            .with_optimizer(Optimizer::MinSr)
            .with_n_samples(256)
            .with_learning_rate(0.05)
            .with_sr_diag_shift(1e-3),
    )
    .unwrap();
    for _ in 0..150 {
        vmc.step(&mut model, &h).unwrap();
    }
    let e = exact_expectation(&model, &h).unwrap().re;
    let rel = (e - exact).abs() / exact.abs();
    assert!(rel < 1e-3, "E = {e}, exact {exact}, relative error {rel}");
}

/// The 9 x 9 matrix of S_i.S_j + beta (S_i.S_j)^2 on two spin-1 sites, built here from the
/// spin matrices (values 0, 1, 2 for S^z = +1, 0, -1; the first site most significant).
fn spin1_bond(beta: f64) -> Vec<f64> {
    let sz = [1.0, 0.0, -1.0];
    let s2 = 2f64.sqrt();
    // <a|S+|b>: S+ raises S^z, i.e. lowers the value by one.
    let plus = |a: usize, b: usize| if a + 1 == b { s2 } else { 0.0 };
    let mut ss = vec![0.0; 81];
    for (row, cell) in ss.iter_mut().enumerate() {
        let (a, b, c, d) = (row / 27, row / 9 % 3, row / 3 % 3, row % 3);
        // <ab|S.S|cd> = Sz Sz + (S+ S- + S- S+) / 2.
        let diagonal = if (a, b) == (c, d) { sz[a] * sz[b] } else { 0.0 };
        *cell = diagonal + 0.5 * (plus(a, c) * plus(d, b) + plus(c, a) * plus(b, d));
    }
    (0..81)
        .map(|rc| {
            let (r, c) = (rc / 9, rc % 9);
            let square: f64 = (0..9).map(|k| ss[r * 9 + k] * ss[k * 9 + c]).sum();
            ss[rc] + beta * square
        })
        .collect()
}

/// The AKLT matrix-product amplitude e1^T A^s1 ... A^sN e1 of one configuration, the 2 x 2
/// matrices in the basis (up, down) of the virtual spin-1/2.
fn aklt_amplitude(config: &[u8]) -> f64 {
    let (a, b) = ((2.0f64 / 3.0).sqrt(), (1.0f64 / 3.0).sqrt());
    let matrices = [
        [[0.0, a], [0.0, 0.0]],  // S^z = +1: sqrt(2/3) sigma^+
        [[-b, 0.0], [0.0, b]],   // S^z = 0: -sqrt(1/3) sigma^z
        [[0.0, 0.0], [-a, 0.0]], // S^z = -1: -sqrt(2/3) sigma^-
    ];
    let mut row = [1.0, 0.0];
    for &v in config {
        let m = &matrices[v as usize];
        row = [
            row[0] * m[0][0] + row[1] * m[1][0],
            row[0] * m[0][1] + row[1] * m[1][1],
        ];
    }
    row[0]
}

/// The open spin-1 chain of 8 sites in the S^z = 0 sector (site values summing to 8), as
/// the 20-site training runs of docs/local-operators.md use it: its lowest energy, from a
/// dense matrix built here, equals the exact tools' over all 3^8 states, for Heisenberg and
/// AKLT; with the Marshall sign (-1)^(sum of the values on even sites) every off-diagonal
/// element of the Heisenberg sector is <= 0, and the AKLT ground space holds a state of one
/// Marshall sign: so a positive amplitude (no phase head) can represent both.
#[test]
fn spin1_chain_ground_state_lies_in_the_zero_magnetisation_sector_marshall_positive() {
    let n = 8usize;
    let configs = all_configs(n, 3);
    let sector: Vec<&[u8]> = configs
        .chunks(n)
        .filter(|c| c.iter().map(|&v| v as usize).sum::<usize>() == n)
        .collect();
    let index: std::collections::HashMap<&[u8], usize> =
        sector.iter().enumerate().map(|(k, &c)| (c, k)).collect();
    let dim = sector.len();
    assert_eq!(dim, 1107, "the S^z = 0 sector of 8 spins 1");
    let marshall = |c: &[u8]| (-1f64).powi(c.iter().step_by(2).map(|&v| v as i32).sum::<i32>());
    for beta in [0.0, 1.0 / 3.0] {
        let bond = spin1_bond(beta);
        let mut m = vec![ZERO; dim * dim];
        for (col, &c) in sector.iter().enumerate() {
            for i in 0..n - 1 {
                let from = 3 * c[i] as usize + c[i + 1] as usize;
                for to in 0..9 {
                    let element = bond[to * 9 + from];
                    if element == 0.0 {
                        continue;
                    }
                    let mut r = c.to_vec();
                    r[i] = (to / 3) as u8;
                    r[i + 1] = (to % 3) as u8;
                    m[index[r.as_slice()] * dim + col] += Complex64::new(element, 0.0);
                }
            }
        }
        let h = Hamiltonian::spin1(n as u32, 1, false, 1.0, beta, 0.0).unwrap();
        let exact = exact_ground_energy(&h).unwrap();
        let sector_lowest = dense::lowest_eigenvalue(&m);
        assert!(
            (exact - sector_lowest).abs() < 1e-9,
            "beta = {beta}: exact tools {exact}, dense S^z = 0 sector {sector_lowest}"
        );
        if beta == 0.0 {
            for (r, &row) in sector.iter().enumerate() {
                for (c, &col) in sector.iter().enumerate() {
                    let rotated = marshall(row) * m[r * dim + c].re * marshall(col);
                    assert!(r == c || rotated <= 0.0, "{row:?} <- {col:?}: {rotated}");
                }
            }
        } else {
            // Not sign-free, but the AKLT state <s| = e1^T A^s1 ... A^sN e1 (A^+ =
            // sqrt(2/3) sigma^+, A^0 = -sqrt(1/3) sigma^z, A^- = -sqrt(2/3) sigma^-) lies in
            // the sector, is a ground state, and has one sign under Marshall.
            let aklt: Vec<f64> = sector.iter().map(|c| aklt_amplitude(c)).collect();
            let energy = -2.0 / 3.0 * (n as f64 - 1.0);
            let residual = (0..dim)
                .map(|r| {
                    let hv: f64 = (0..dim).map(|c| m[r * dim + c].re * aklt[c]).sum();
                    (hv - energy * aklt[r]).abs()
                })
                .fold(0.0, f64::max);
            assert!(residual < 1e-12, "H psi_AKLT - E psi_AKLT: {residual}");
            let signs: Vec<f64> = sector
                .iter()
                .zip(&aklt)
                .filter(|(_, a)| a.abs() > 1e-12)
                .map(|(c, a)| marshall(c) * a.signum())
                .collect();
            assert!(signs.len() > 100, "{} non-zero amplitudes", signs.len());
            assert!(signs.iter().all(|&x| x == signs[0]), "mixed Marshall signs");
        }
    }
}
