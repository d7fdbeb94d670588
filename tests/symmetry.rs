//! Symmetrised wave functions (docs/method.md, "Lattice symmetries"): the amplitude against
//! its formula evaluated from the bare RNN, normalisation and invariance by enumeration,
//! sampling against the enumerated distribution, finite-difference gradients, local energies
//! against the dense <s|H|psi_S> / <s|psi_S>, thread-count independence, checkpoints and the
//! refusals.

mod common;
use common::finite_differences::check_log_psi_grad;
use common::*;
use rnnwf::{
    local_energies, local_energies_naive, CellKind, Complex64, ErrorKind, Hamiltonian, Model,
    ModelConfig, PhaseKind, Precision, SignRule, Symmetry,
};

/// A coordinate map (x, y) -> (x', y') on an lx x ly lattice.
type Map = fn(usize, usize, usize, usize) -> (usize, usize);

/// The point group the docs promise, written out here independently of the library.
fn point_group(lx: usize, ly: usize) -> Vec<Map> {
    let identity: Map = |x, y, _, _| (x, y);
    let reflect_x: Map = |x, y, lx, _| (lx - 1 - x, y);
    if ly == 1 {
        return vec![identity, reflect_x];
    }
    let mut maps: Vec<Map> = vec![
        identity,
        reflect_x,
        |x, y, _, ly| (x, ly - 1 - y),
        |x, y, lx, ly| (lx - 1 - x, ly - 1 - y),
    ];
    if lx == ly {
        maps.extend_from_slice(&[
            (|x, y, _, _| (y, x)) as Map,
            |x, y, l, _| (l - 1 - y, l - 1 - x),
            |x, y, l, _| (y, l - 1 - x),
            |x, y, l, _| (l - 1 - y, x),
        ]);
    }
    maps
}

/// One transformation: a coordinate map and whether it flips every spin.
#[derive(Clone, Copy)]
struct Transform {
    map: Map,
    flip: bool,
}

fn transforms(cfg: &ModelConfig) -> Vec<Transform> {
    let maps = point_group(cfg.lx as usize, cfg.ly as usize);
    let flips: &[bool] = if cfg.symmetry == Symmetry::LatticeSpinFlip {
        &[false, true]
    } else {
        &[false]
    };
    flips
        .iter()
        .flat_map(|&flip| maps.iter().map(move |&map| Transform { map, flip }))
        .collect()
}

fn apply(t: Transform, lx: usize, ly: usize, s: &[u8]) -> Vec<u8> {
    (0..lx * ly)
        .map(|i| {
            let (x, y) = (t.map)(i % lx, i / lx, lx, ly);
            let v = s[x + lx * y];
            if t.flip {
                1 - v
            } else {
                v
            }
        })
        .collect()
}

/// The Marshall sign of a spin-1/2 configuration, computed here: (-1)^(ones with x+y even).
fn marshall(s: &[u8], lx: usize) -> f64 {
    let ones: usize = s
        .iter()
        .enumerate()
        .filter(|(i, &v)| (i % lx + i / lx).is_multiple_of(2) && v == 1)
        .count();
    if ones.is_multiple_of(2) {
        1.0
    } else {
        -1.0
    }
}

#[derive(Clone, Copy, Debug)]
struct Case {
    lx: u32,
    ly: u32,
    symmetry: Symmetry,
    phase: bool,
    marshall: bool,
    u1: bool,
}

const fn case(lx: u32, ly: u32, symmetry: Symmetry, phase: bool, marshall: bool, u1: bool) -> Case {
    Case {
        lx,
        ly,
        symmetry,
        phase,
        marshall,
        u1,
    }
}

/// Chains (with and without U(1), with a phase), 3x3 and 4x4 (D4) and 4x3 (D2) grids.
const CASES: [Case; 9] = [
    case(6, 1, Symmetry::Lattice, true, false, false),
    case(6, 1, Symmetry::Lattice, true, true, true),
    case(7, 1, Symmetry::LatticeSpinFlip, true, false, false),
    case(3, 3, Symmetry::Lattice, true, true, false),
    case(3, 3, Symmetry::LatticeSpinFlip, false, false, false),
    case(4, 4, Symmetry::Lattice, true, true, true),
    case(4, 4, Symmetry::LatticeSpinFlip, true, true, true),
    case(4, 3, Symmetry::Lattice, true, false, false),
    case(4, 3, Symmetry::LatticeSpinFlip, false, true, true),
];

fn config_of(c: Case, cell: CellKind, seed: u64) -> ModelConfig {
    ModelConfig::default()
        .with_cell(cell)
        .with_lx(c.lx)
        .with_ly(c.ly)
        .with_hidden(5)
        .with_layers(2)
        .with_phase(if c.phase {
            PhaseKind::Softsign
        } else {
            PhaseKind::None
        })
        .with_sign_rule(if c.marshall {
            SignRule::Marshall
        } else {
            SignRule::None
        })
        .with_u1_total(c.u1.then_some(c.lx * c.ly / 2))
        .with_symmetry(c.symmetry)
        .with_seed(seed)
}

/// Parameters moved off their initial values, so that biases are not zero.
fn perturbed(cfg: &ModelConfig) -> Model {
    let m = Model::new(cfg.clone()).unwrap();
    let p: Vec<f64> = m
        .params()
        .iter()
        .enumerate()
        .map(|(i, p)| p + 0.3 * ((i as f64) * 0.37).sin())
        .collect();
    Model::with_params(cfg.clone(), &p).unwrap()
}

/// psi_S of every configuration from the formula of docs/method.md, evaluated on the bare
/// RNN (same parameters, no symmetry and no sign rule).
fn psi_from_formula(m: &Model, configs: &[u8]) -> Vec<Complex64> {
    let cfg = m.config();
    let (lx, ly) = (cfg.lx as usize, cfg.ly as usize);
    let bare = Model::with_params(
        cfg.clone()
            .with_symmetry(Symmetry::None)
            .with_sign_rule(SignRule::None),
        m.params(),
    )
    .unwrap();
    let group = transforms(cfg);
    let images: Vec<u8> = configs
        .chunks(lx * ly)
        .flat_map(|s| group.iter().flat_map(move |&t| apply(t, lx, ly, s)))
        .collect();
    let l = log_psi_all(&bare, &images);
    l.chunks(group.len())
        .zip(configs.chunks(lx * ly))
        .map(|(l, s)| {
            let p: f64 = l.iter().map(|x| (2.0 * x.re).exp()).sum::<f64>() / group.len() as f64;
            let sum: Complex64 = l.iter().map(|x| x.exp()).sum();
            let sign = if cfg.sign_rule == SignRule::Marshall {
                marshall(s, lx)
            } else {
                1.0
            };
            if p == 0.0 {
                Complex64::new(0.0, 0.0)
            } else {
                Complex64::from_polar(p.sqrt(), sum.arg()) * sign
            }
        })
        .collect()
}

#[test]
fn amplitude_is_the_documented_group_average_and_normalised() {
    for (ci, c) in CASES.iter().enumerate() {
        let cfg = config_of(*c, CellKind::Gru, 40 + ci as u64);
        let m = perturbed(&cfg);
        let configs = all_configs(m.num_sites(), 2);
        let psi = psi_all(&m);
        let expected = psi_from_formula(&m, &configs);
        let mut total = 0.0;
        for ((s, a), e) in configs.chunks(m.num_sites()).zip(&psi).zip(&expected) {
            assert!(close(*a, *e, 1e-12), "{c:?} {s:?}: psi_S {a}, formula {e}");
            total += a.norm_sqr();
        }
        assert!(
            (total - 1.0).abs() < 1e-12,
            "{c:?}: sum |psi_S|^2 = {total}"
        );
    }
}

/// psi_S(g s) = psi_S(s) M(g s) / M(s) for every g, with M the sign rule (1 without one);
/// the bare RNN is not invariant, so the check can fail.
#[test]
fn amplitude_is_invariant_up_to_the_sign_rule() {
    for (ci, c) in CASES.iter().enumerate() {
        let cfg = config_of(*c, CellKind::Gru, 70 + ci as u64);
        let (lx, ly) = (c.lx as usize, c.ly as usize);
        let m = perturbed(&cfg);
        let bare =
            Model::with_params(cfg.clone().with_symmetry(Symmetry::None), m.params()).unwrap();
        let configs = all_configs(lx * ly, 2);
        let psi = psi_all(&m);
        let bare_psi = psi_all(&bare);
        let group = transforms(&cfg);
        let mut bare_breaks = false;
        for (k, s) in configs.chunks(lx * ly).enumerate() {
            for &t in &group {
                let ts = apply(t, lx, ly, s);
                let j = dense::index_of(&ts);
                let ratio = if c.marshall {
                    marshall(&ts, lx) * marshall(s, lx)
                } else {
                    1.0
                };
                assert!(
                    close(psi[j], psi[k] * ratio, 1e-12),
                    "{c:?} {s:?} -> {ts:?}: {} vs {}",
                    psi[j],
                    psi[k] * ratio
                );
                bare_breaks |= (bare_psi[j].norm() - bare_psi[k].norm()).abs() > 1e-6;
            }
        }
        assert!(bare_breaks, "{c:?}: the bare RNN is already symmetric here");
    }
}

/// Every cell on a 3x3 grid and a chain.
#[test]
fn every_cell_is_normalised_and_invariant() {
    for cell in ALL_CELLS {
        for c in [CASES[2], CASES[3]] {
            let m = perturbed(&config_of(c, cell, 5));
            let configs = all_configs(m.num_sites(), 2);
            let psi = psi_all(&m);
            let total: f64 = psi.iter().map(|a| a.norm_sqr()).sum();
            assert!((total - 1.0).abs() < 1e-12, "{cell:?} {c:?}: {total}");
            let expected = psi_from_formula(&m, &configs);
            for (a, e) in psi.iter().zip(&expected) {
                assert!(close(*a, *e, 1e-12), "{cell:?} {c:?}: {a} vs {e}");
            }
        }
    }
}

/// Pearson chi-square of 2e5 samples over the 64 configurations of a 6-site chain against
/// |psi_S|^2 by enumeration. With 63 degrees of freedom the 99.9% quantile is 103.4. The
/// returned ln psi is ln psi_S of the returned configuration.
#[test]
fn samples_follow_the_symmetrised_distribution() {
    for symmetry in [Symmetry::Lattice, Symmetry::LatticeSpinFlip] {
        let c = case(6, 1, symmetry, true, true, false);
        let m = perturbed(&config_of(c, CellKind::Gru, 12));
        let p: Vec<f64> = psi_all(&m).iter().map(|a| a.norm_sqr()).collect();
        let n = 200_000;
        let mut samples = vec![0u8; n * 6];
        let mut lp = vec![Complex64::new(0.0, 0.0); n];
        m.sample(2024, n, &mut samples, Some(&mut lp)).unwrap();
        let counts = histogram(&samples, 6);
        let chi2 = chi_square(&counts, &p);
        assert!(chi2 < 103.4, "{symmetry:?}: chi-square {chi2} over 63 dof");
        // The bare RNN's distribution differs enough for the same test to fail on it.
        let bare = Model::with_params(m.config().clone().with_symmetry(Symmetry::None), m.params())
            .unwrap();
        let bare_p: Vec<f64> = psi_all(&bare).iter().map(|a| a.norm_sqr()).collect();
        let bare_chi2 = chi_square(&counts, &bare_p);
        assert!(
            bare_chi2 > 1000.0,
            "{symmetry:?}: bare chi-square {bare_chi2}"
        );
        let evaluated = log_psi_all(&m, &samples[..6000]);
        for (a, b) in lp.iter().zip(&evaluated) {
            assert!(close(*a, *b, 1e-13), "sampled ln psi {a}, evaluated {b}");
        }
    }
}

#[test]
fn gradients_match_finite_differences() {
    for cell in ALL_CELLS {
        for c in [
            case(5, 1, Symmetry::LatticeSpinFlip, true, true, false),
            case(6, 1, Symmetry::Lattice, true, true, true),
            case(3, 3, Symmetry::Lattice, true, true, false),
            case(4, 2, Symmetry::LatticeSpinFlip, true, true, true),
            case(3, 3, Symmetry::LatticeSpinFlip, false, false, false),
        ] {
            check_log_psi_grad(&config_of(c, cell, 3).with_hidden(3));
        }
    }
}

/// The batch's weighted sum equals the weighted sum of the per-sample gradients.
#[test]
fn weighted_gradient_sums_the_per_sample_gradients() {
    let c = case(4, 4, Symmetry::LatticeSpinFlip, true, true, true);
    let m = perturbed(&config_of(c, CellKind::Gru, 9));
    let n = 300;
    let mut configs = vec![0u8; n * 16];
    m.sample(4, n, &mut configs, None).unwrap();
    let np = m.num_params();
    let mut per = vec![Complex64::new(0.0, 0.0); n * np];
    m.log_psi_grad(&configs, &mut per).unwrap();
    let re: Vec<f64> = (0..n).map(|i| (i as f64 * 0.3).sin()).collect();
    let im: Vec<f64> = (0..n).map(|i| (i as f64 * 0.7).cos()).collect();
    let mut grad = vec![0.0; np];
    m.log_psi_vjp(&configs, &re, &im, &mut grad).unwrap();
    for k in 0..np {
        let expected: f64 = (0..n)
            .map(|i| re[i] * per[i * np + k].re + im[i] * per[i * np + k].im)
            .sum();
        assert!(
            (grad[k] - expected).abs() <= 1e-10 * expected.abs().max(1.0),
            "parameter {k}: {} vs {expected}",
            grad[k]
        );
    }
}

#[test]
fn local_energies_match_dense_evaluation() {
    let heisenberg = |lx, ly| Hamiltonian::heisenberg(lx, ly, false, 1.0, 0.0).unwrap();
    let cases = [
        (
            case(2, 2, Symmetry::Lattice, true, true, true),
            heisenberg(2, 2),
        ),
        (
            case(3, 3, Symmetry::Lattice, true, true, true),
            heisenberg(3, 3),
        ),
        (
            case(3, 3, Symmetry::LatticeSpinFlip, true, true, false),
            heisenberg(3, 3),
        ),
        (
            case(4, 4, Symmetry::LatticeSpinFlip, true, true, true),
            Hamiltonian::heisenberg(4, 4, true, 1.0, 0.5).unwrap(),
        ),
        (
            case(8, 1, Symmetry::LatticeSpinFlip, true, false, false),
            Hamiltonian::tfim(8, 1, false, 1.0, 0.8).unwrap(),
        ),
        (
            case(7, 1, Symmetry::Lattice, true, false, false),
            Hamiltonian::tfim(7, 1, true, 1.0, 1.3).unwrap(),
        ),
    ];
    for (ci, (c, h)) in cases.iter().enumerate() {
        let m = perturbed(&config_of(*c, CellKind::Gru, 60 + ci as u64));
        check_local_energies(&m, h, &format!("{c:?}"));
    }
}

/// The local energies of `m` on every configuration with psi != 0 (on more than 12 sites
/// every seventh of them) against the naive evaluation and, up to 12 sites, against the
/// dense <s|H|psi_S> / <s|psi_S>.
fn check_local_energies(m: &Model, h: &Hamiltonian, label: &str) {
    let sites = m.num_sites();
    let psi = psi_all(m);
    let every = if sites <= 12 { 1 } else { 7 };
    let configs: Vec<u8> = all_configs(sites, 2)
        .chunks(sites)
        .filter(|s| psi[dense::index_of(s)].norm() > 0.0)
        .step_by(every)
        .flatten()
        .copied()
        .collect();
    let n = configs.len() / sites;
    let mut fast = vec![Complex64::new(0.0, 0.0); n];
    let mut naive = fast.clone();
    local_energies(m, h, &configs, &mut fast).unwrap();
    local_energies_naive(m, h, &configs, &mut naive).unwrap();
    let h_psi = (sites <= 12).then(|| dense::apply(&dense::matrix(h), &psi));
    for (k, s) in configs.chunks(sites).enumerate() {
        assert!(
            close(fast[k], naive[k], 1e-10),
            "{label} {s:?}: {} vs {}",
            fast[k],
            naive[k]
        );
        if let Some(h_psi) = &h_psi {
            let i = dense::index_of(s);
            let exact = h_psi[i] / psi[i];
            assert!(
                close(fast[k], exact, 1e-10),
                "{label} {s:?}: {} vs dense {exact}",
                fast[k]
            );
        }
    }
}

/// A model's workspaces are kept between calls: a call on an operator with more
/// off-diagonal terms than the last one's must not reuse buffers sized for the last one.
#[test]
fn local_energies_after_another_operator_are_right() {
    let c = case(8, 1, Symmetry::Lattice, true, false, false);
    let m = perturbed(&config_of(c, CellKind::Gru, 9));
    let diagonal = Hamiltonian::parse(8, "1.0 Z0 Z1").unwrap();
    let tfim = Hamiltonian::tfim(8, 1, false, 1.0, 0.8).unwrap();
    let heisenberg = Hamiltonian::heisenberg(8, 1, true, 1.0, 0.3).unwrap();
    for h in [&diagonal, &tfim, &diagonal, &heisenberg, &tfim] {
        check_local_energies(&m, h, "after another operator");
    }
}

/// One layer of the linear gated cell has a local-energy path of its own, for the bare
/// RNN; a symmetrised one must take the images into account like every other cell.
#[test]
fn local_energies_of_a_symmetrised_one_layer_linear_cell() {
    for (c, h) in [
        (
            case(8, 1, Symmetry::Lattice, true, false, false),
            Hamiltonian::tfim(8, 1, false, 1.0, 0.8).unwrap(),
        ),
        (
            case(3, 3, Symmetry::LatticeSpinFlip, true, true, false),
            Hamiltonian::heisenberg(3, 3, false, 1.0, 0.0).unwrap(),
        ),
    ] {
        let m = perturbed(&config_of(c, CellKind::LinearGated, 11).with_layers(1));
        check_local_energies(&m, &h, &format!("linear cell, {c:?}"));
    }
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let c = case(4, 4, Symmetry::LatticeSpinFlip, true, true, true);
    let m = perturbed(&config_of(c, CellKind::Gru, 2));
    let h = Hamiltonian::heisenberg(4, 4, false, 1.0, 0.0).unwrap();
    let n = 700; // several chunks, the last one partial
    let run = |threads| {
        rnnwf::set_num_threads(threads).unwrap();
        let mut configs = vec![0u8; n * 16];
        let mut lp = vec![Complex64::new(0.0, 0.0); n];
        m.sample(9, n, &mut configs, Some(&mut lp)).unwrap();
        let mut e = vec![Complex64::new(0.0, 0.0); n];
        local_energies(&m, &h, &configs, &mut e).unwrap();
        let w: Vec<f64> = e.iter().map(|x| x.re).collect();
        let mut grad = vec![0.0; m.num_params()];
        m.log_psi_vjp(&configs, &w, &w, &mut grad).unwrap();
        (configs, lp, e, grad)
    };
    let one = run(1);
    assert_eq!(one, run(2));
    assert_eq!(one, run(3));
    // The random group elements are used: some samples are not what the bare RNN drew.
    let bare =
        Model::with_params(m.config().clone().with_symmetry(Symmetry::None), m.params()).unwrap();
    let mut bare_configs = vec![0u8; n * 16];
    bare.sample(9, n, &mut bare_configs, None).unwrap();
    assert_ne!(one.0, bare_configs);
}

#[test]
fn spin_flip_with_a_sector_it_does_not_keep_is_refused() {
    for (lx, ly, total) in [(6u32, 1u32, 2u32), (3, 3, 4), (4, 4, 7)] {
        let e = Model::new(
            ModelConfig::default()
                .with_lx(lx)
                .with_ly(ly)
                .with_u1_total(Some(total))
                .with_symmetry(Symmetry::LatticeSpinFlip),
        )
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArgument);
        assert!(e.message.contains("LATTICE_SPIN_FLIP"), "{}", e.message);
        // The lattice group alone keeps every sector.
        Model::new(
            ModelConfig::default()
                .with_lx(lx)
                .with_ly(ly)
                .with_u1_total(Some(total))
                .with_symmetry(Symmetry::Lattice),
        )
        .unwrap();
    }
    // Float32 passes are accepted (tests/precision.rs tests them).
    let m = Model::new(ModelConfig::default().with_precision(Precision::F32)).unwrap();
    assert_eq!(m.config().precision, Precision::F32);
}

#[test]
fn checkpoints_keep_the_symmetry_and_old_files_keep_their_bytes() {
    let cfg = config_of(CASES[6], CellKind::Gru, 1);
    let m = perturbed(&cfg);
    let back = Model::from_checkpoint_bytes(&m.to_checkpoint_bytes()).unwrap();
    assert_eq!(back.config(), m.config());
    assert_eq!(back.params(), m.params());
    let configs = all_configs(16, 2);
    assert_eq!(
        log_psi_all(&back, &configs[..16 * 300]),
        log_psi_all(&m, &configs[..16 * 300])
    );
    // The same model without a symmetry writes no symmetry key.
    let plain = Model::with_params(cfg.clone().with_symmetry(Symmetry::None), m.params()).unwrap();
    let bytes = plain.to_checkpoint_bytes();
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains("symmetry") && !text.contains("precision"));
    assert!(String::from_utf8_lossy(&m.to_checkpoint_bytes()).contains("\"lattice_spin_flip\""));
    assert_eq!(
        Model::from_checkpoint_bytes(&bytes)
            .unwrap()
            .config()
            .symmetry,
        Symmetry::None
    );
}

/// Autoregressive conditionals do not exist for psi_S.
#[test]
fn conditionals_of_a_symmetrised_model_are_refused() {
    let m = Model::new(config_of(CASES[0], CellKind::Gru, 1)).unwrap();
    let mut out = vec![0.0; 6];
    let e = m.log_conditionals(&[0; 6], &mut out).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unsupported);
}
