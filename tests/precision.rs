//! Float32 passes (`Precision::F32`): ln psi, normalisation, sampling, local energies and
//! gradients against the float64 model with the same parameters and against independent
//! references (enumeration, dense matrices, finite differences), for every cell, chains and
//! grids, with a phase head, U(1) and symmetries.

mod common;

use common::{all_configs, dense, log_psi_all, ALL_CELLS};
use rnnwf::{
    local_energies, set_num_threads, CellKind, Complex64, Hamiltonian, Model, ModelConfig,
    PhaseKind, Precision, SignRule, Symmetry,
};

/// A model of `cfg` in both precisions with the same parameters, moved off their initial
/// values so that no bias sits at zero.
fn pair(cfg: &ModelConfig) -> (Model, Model) {
    let m = Model::new(cfg.clone().with_precision(Precision::F64)).unwrap();
    let p: Vec<f64> = m
        .params()
        .iter()
        .enumerate()
        .map(|(i, p)| p + 0.3 * ((i as f64) * 0.37).sin())
        .collect();
    (
        Model::with_params(cfg.clone().with_precision(Precision::F64), &p).unwrap(),
        Model::with_params(cfg.clone().with_precision(Precision::F32), &p).unwrap(),
    )
}

fn chain(cell: CellKind, sites: u32, phase: bool, u1: bool, seed: u64) -> ModelConfig {
    ModelConfig::default()
        .with_cell(cell)
        .with_lx(sites)
        .with_ly(1)
        .with_hidden(7)
        .with_layers(2)
        .with_phase(if phase {
            PhaseKind::Softsign
        } else {
            PhaseKind::None
        })
        .with_sign_rule(SignRule::None)
        .with_u1_total(u1.then_some(sites / 2))
        .with_seed(seed)
}

fn grid(cell: CellKind, lx: u32, ly: u32, phase: bool, u1: bool, seed: u64) -> ModelConfig {
    chain(cell, lx, phase, false, seed)
        .with_ly(ly)
        .with_u1_total(u1.then_some(lx * ly / 2))
}

/// The cases of the ln psi and normalisation tests: every cell on a chain (with and without
/// a phase head and U(1)) and on a grid, and a symmetrised chain and grid.
fn cases() -> Vec<ModelConfig> {
    let mut out = Vec::new();
    for (i, &cell) in ALL_CELLS.iter().enumerate() {
        let seed = 11 + i as u64;
        out.push(chain(cell, 10, true, false, seed));
        out.push(chain(cell, 10, false, true, seed));
        out.push(grid(cell, 3, 3, true, false, seed));
        out.push(grid(cell, 4, 3, false, true, seed));
        out.push(
            chain(cell, 8, true, true, seed)
                .with_sign_rule(SignRule::Marshall)
                .with_symmetry(Symmetry::Lattice),
        );
        out.push(grid(cell, 3, 3, true, false, seed).with_symmetry(Symmetry::LatticeSpinFlip));
    }
    out
}

/// |a - b| <= tol * max(1, |b|) for the real and the imaginary parts alike.
fn close(a: Complex64, b: Complex64, tol: f64) -> bool {
    let scale = b.norm().max(1.0);
    (a.re - b.re).abs() <= tol * scale && (a.im - b.im).abs() <= tol * scale
}

#[test]
fn f32_log_psi_matches_f64_to_1e_5_for_every_cell_and_shape() {
    for cfg in cases() {
        let (m64, m32) = pair(&cfg);
        let configs = all_configs(m64.num_sites(), 2);
        let (l64, l32) = (log_psi_all(&m64, &configs), log_psi_all(&m32, &configs));
        let mut worst: f64 = 0.0;
        let mut differ = false;
        for (a, b) in l32.iter().zip(&l64) {
            if b.re == f64::NEG_INFINITY {
                assert_eq!(a.re, f64::NEG_INFINITY, "{cfg:?}: outside U(1)");
                continue;
            }
            assert!(close(*a, *b, 1e-5), "{cfg:?}: f32 {a} against f64 {b}");
            worst = worst.max((a - b).norm() / b.norm().max(1.0));
            differ |= a != b;
        }
        // The f32 model really computes in f32: its values are not the f64 ones.
        assert!(differ, "{cfg:?}: identical to f64");
        assert!(worst > 1e-9, "{cfg:?}: worst difference {worst}");
    }
}

#[test]
fn f32_probabilities_sum_to_one_by_enumeration() {
    for cfg in cases() {
        let (_, m32) = pair(&cfg);
        let configs = all_configs(m32.num_sites(), 2);
        let total: f64 = log_psi_all(&m32, &configs)
            .iter()
            .map(|l| (2.0 * l.re).exp())
            .sum();
        assert!((total - 1.0).abs() < 1e-5, "{cfg:?}: sum P = {total}");
    }
}

#[test]
fn f32_log_conditionals_sum_to_its_log_prob() {
    for &cell in &ALL_CELLS {
        let (m64, m32) = pair(&chain(cell, 9, true, true, 3));
        let configs = all_configs(9, 2);
        let n = configs.len() / 9;
        let mut cond32 = vec![0.0; configs.len()];
        let mut cond64 = vec![0.0; configs.len()];
        m32.log_conditionals(&configs, &mut cond32).unwrap();
        m64.log_conditionals(&configs, &mut cond64).unwrap();
        let l32 = log_psi_all(&m32, &configs);
        for i in 0..n {
            let s: f64 = cond32[i * 9..(i + 1) * 9].iter().sum();
            if l32[i].re == f64::NEG_INFINITY {
                assert_eq!(s, f64::NEG_INFINITY);
                continue;
            }
            assert!((s - 2.0 * l32[i].re).abs() < 1e-12, "{cell:?} {i}");
            for (a, b) in cond32[i * 9..(i + 1) * 9]
                .iter()
                .zip(&cond64[i * 9..(i + 1) * 9])
            {
                assert!(
                    (a - b).abs() < 1e-5 * b.abs().max(1.0),
                    "{cell:?}: {a} vs {b}"
                );
            }
        }
    }
}

/// Sampling draws from the f32 conditionals: the ln psi it returns is, bit for bit, the one
/// the f32 evaluation gives, and the frequencies of a large draw match the f32 P.
#[test]
fn f32_sampling_is_exact_for_the_f32_probabilities() {
    for &cell in &ALL_CELLS {
        for cfg in [
            chain(cell, 6, true, false, 21),
            grid(cell, 2, 3, false, true, 22),
        ] {
            let (_, m32) = pair(&cfg);
            let sites = m32.num_sites();
            let n = 40_000;
            let mut configs = vec![0u8; n * sites];
            let mut lp = vec![Complex64::new(0.0, 0.0); n];
            m32.sample(9, n, &mut configs, Some(&mut lp)).unwrap();
            assert_eq!(lp, log_psi_all(&m32, &configs), "{cfg:?}");
            let all = all_configs(sites, 2);
            let p: Vec<f64> = log_psi_all(&m32, &all)
                .iter()
                .map(|l| (2.0 * l.re).exp())
                .collect();
            let mut counts = vec![0usize; p.len()];
            for c in configs.chunks_exact(sites) {
                counts[common::dense::index_of(c)] += 1;
            }
            // Pearson's chi-square over the configurations with an expected count >= 5.
            let (mut chi2, mut bins) = (0.0, 0usize);
            for (&c, &pi) in counts.iter().zip(&p) {
                let expected = pi * n as f64;
                if expected >= 5.0 {
                    chi2 += (c as f64 - expected).powi(2) / expected;
                    bins += 1;
                } else if pi == 0.0 {
                    assert_eq!(c, 0, "{cfg:?}: drew a configuration of probability 0");
                }
            }
            // Mean bins - 1, standard deviation sqrt(2 (bins - 1)): 6 deviations above.
            let dof = bins as f64 - 1.0;
            assert!(
                chi2 < dof + 6.0 * (2.0 * dof).sqrt(),
                "{cfg:?}: chi2 {chi2} over {bins} bins"
            );
        }
    }
}

/// E_loc of an f32 model against the dense matrix applied to its own (f32) psi, and against
/// the f64 model's local energies. The prefix restarts repeat the full pass's arithmetic; the
/// linear cell's propagation rounds differently (about 1e-6 in f32), hence 1e-5.
#[test]
fn f32_local_energies_match_the_dense_matrix() {
    let mut cfgs = Vec::new();
    for (i, &cell) in ALL_CELLS.iter().enumerate() {
        let seed = 31 + i as u64;
        cfgs.push(chain(cell, 8, true, false, seed));
        cfgs.push(chain(cell, 8, false, true, seed).with_sign_rule(SignRule::Marshall));
        cfgs.push(grid(cell, 3, 3, true, false, seed));
        cfgs.push(chain(cell, 8, true, false, seed).with_symmetry(Symmetry::LatticeSpinFlip));
        // One layer of the linear cell takes its own propagation path.
        cfgs.push(chain(cell, 8, true, false, seed).with_layers(1));
        cfgs.push(grid(cell, 3, 3, false, true, seed).with_layers(1));
    }
    for cfg in cfgs {
        let (m64, m32) = pair(&cfg);
        let sites = m32.num_sites();
        let h = common::random_pauli_sum(sites as u32, 12, 7 + sites as u64);
        let dense = dense::matrix(&h);
        let psi = common::psi_all(&m32);
        let configs = all_configs(sites, 2);
        let hpsi = dense::apply(&dense, &psi);
        // Rows with psi != 0 (inside the U(1) subspace) only.
        let rows: Vec<usize> = (0..psi.len()).filter(|&i| psi[i].norm() > 0.0).collect();
        let picked: Vec<u8> = rows
            .iter()
            .flat_map(|&i| configs[i * sites..(i + 1) * sites].to_vec())
            .collect();
        let mut e32 = vec![Complex64::new(0.0, 0.0); rows.len()];
        let mut e64 = vec![Complex64::new(0.0, 0.0); rows.len()];
        local_energies(&m32, &h, &picked, &mut e32).unwrap();
        local_energies(&m64, &h, &picked, &mut e64).unwrap();
        for (k, &i) in rows.iter().enumerate() {
            let reference = hpsi[i] / psi[i];
            assert!(
                close(e32[k], reference, 1e-5),
                "{cfg:?} row {i}: {} against dense {reference}",
                e32[k]
            );
            assert!(
                close(e32[k], e64[k], 1e-4),
                "{cfg:?} row {i}: f32 {} against f64 {}",
                e32[k],
                e64[k]
            );
        }
    }
}

/// Samples, ln psi and local energies of an f32 model do not depend on the thread count.
#[test]
fn f32_results_do_not_depend_on_the_thread_count() {
    let h = Hamiltonian::tfim(40, 1, false, 1.0, 0.7).unwrap();
    let run = |threads: usize| {
        set_num_threads(threads).unwrap();
        let mut out = Vec::new();
        for cell in [CellKind::Gru, CellKind::LinearGated, CellKind::TensorGru] {
            let cfg = chain(cell, 40, true, false, 4).with_hidden(16);
            let (_, m32) = pair(&cfg);
            let n = 700;
            let mut configs = vec![0u8; n * 40];
            let mut lp = vec![Complex64::new(0.0, 0.0); n];
            m32.sample(17, n, &mut configs, Some(&mut lp)).unwrap();
            let mut e = vec![Complex64::new(0.0, 0.0); n];
            local_energies(&m32, &h, &configs, &mut e).unwrap();
            let mut g = vec![Complex64::new(0.0, 0.0); 3 * m32.num_params()];
            m32.log_psi_grad(&configs[..3 * 40], &mut g).unwrap();
            // The weighted batch sum over several chunks of the backward pass.
            let re: Vec<f64> = e.iter().map(|x| x.re / n as f64).collect();
            let im: Vec<f64> = e.iter().map(|x| x.im / n as f64).collect();
            let mut v = vec![0.0; m32.num_params()];
            m32.log_psi_vjp(&configs, &re, &im, &mut v).unwrap();
            out.push((configs, lp, e, g, v));
        }
        out
    };
    let one = run(1);
    let two = run(2);
    set_num_threads(0).unwrap();
    assert!(one == two);
}

#[test]
fn f32_models_keep_their_precision_through_a_checkpoint() {
    let (_, m32) = pair(&grid(CellKind::Gru, 3, 3, true, false, 5));
    let back = Model::from_checkpoint_bytes(&m32.to_checkpoint_bytes()).unwrap();
    assert_eq!(back.config().precision, Precision::F32);
    assert_eq!(back.params(), m32.params());
    let configs = all_configs(9, 2);
    assert_eq!(log_psi_all(&back, &configs), log_psi_all(&m32, &configs));
}

/// The f32 backward sweep: per-sample gradients and the weighted batch sum against the f64
/// model's analytic ones (1e-4 relative to the sample's largest entry) and, for a subset of
/// parameters, against central differences of the f64 model's ln psi.
#[test]
fn f32_gradients_match_f64_and_finite_differences() {
    let mut cfgs = Vec::new();
    for (i, &cell) in ALL_CELLS.iter().enumerate() {
        let seed = 41 + i as u64;
        cfgs.push(chain(cell, 7, true, false, seed));
        cfgs.push(chain(cell, 8, false, true, seed));
        cfgs.push(grid(cell, 3, 3, true, false, seed));
        cfgs.push(chain(cell, 6, true, true, seed).with_symmetry(Symmetry::Lattice));
    }
    for cfg in cfgs {
        let (m64, m32) = pair(&cfg);
        let (sites, np, n) = (m64.num_sites(), m64.num_params(), 4);
        let mut configs = vec![0u8; n * sites];
        m32.sample(3, n, &mut configs, None).unwrap();
        let mut g32 = vec![Complex64::new(0.0, 0.0); n * np];
        let mut g64 = vec![Complex64::new(0.0, 0.0); n * np];
        m32.log_psi_grad(&configs, &mut g32).unwrap();
        m64.log_psi_grad(&configs, &mut g64).unwrap();
        let mut worst: f64 = 0.0;
        for (a, b) in g32.chunks_exact(np).zip(g64.chunks_exact(np)) {
            let scale = b.iter().map(|g| g.norm()).fold(1.0, f64::max);
            for (x, y) in a.iter().zip(b) {
                worst = worst.max((x - y).norm() / scale);
            }
        }
        assert!(
            worst < 1e-4,
            "{cfg:?}: per-sample gradients differ by {worst}"
        );
        assert!(worst > 1e-10, "{cfg:?}: the f32 gradient is the f64 one");

        // Central differences of the f64 model on every fifth parameter.
        let params = m64.params().to_vec();
        let f64_cfg = cfg.clone().with_precision(Precision::F64);
        let log_psi =
            |p: &[f64]| log_psi_all(&Model::with_params(f64_cfg.clone(), p).unwrap(), &configs);
        let step = 1e-5;
        for k in (0..np).step_by(5) {
            let (mut plus, mut minus) = (params.clone(), params.clone());
            plus[k] += step;
            minus[k] -= step;
            let (lp, lm) = (log_psi(&plus), log_psi(&minus));
            for i in 0..n {
                let fd = (lp[i] - lm[i]) / (2.0 * step);
                let scale = g64[i * np..(i + 1) * np]
                    .iter()
                    .map(|g| g.norm())
                    .fold(1.0, f64::max);
                assert!(
                    (g32[i * np + k] - fd).norm() < 1e-4 * scale,
                    "{cfg:?} parameter {k} sample {i}: f32 {} against finite difference {fd}",
                    g32[i * np + k]
                );
            }
        }

        // The batch sum with weights, as a VMC step forms it.
        let re: Vec<f64> = (0..n).map(|i| 0.3 - 0.2 * i as f64).collect();
        let im: Vec<f64> = (0..n).map(|i| 0.1 * i as f64 - 0.15).collect();
        let (mut v32, mut v64) = (vec![0.0; np], vec![0.0; np]);
        m32.log_psi_vjp(&configs, &re, &im, &mut v32).unwrap();
        m64.log_psi_vjp(&configs, &re, &im, &mut v64).unwrap();
        let scale = v64.iter().map(|g| g.abs()).fold(1.0, f64::max);
        for (a, b) in v32.iter().zip(&v64) {
            assert!((a - b).abs() < 1e-4 * scale, "{cfg:?}: vjp {a} against {b}");
        }
    }
}
