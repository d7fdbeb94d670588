//! Local energies computed by the host: ln psi of a sample's connected configurations
//! against ln psi evaluated from scratch, and a step on the host's energies against
//! `Vmc::step` with the library's.

mod common;

use common::TestRng;
use num_complex::Complex64;
use rnnwf::optim::{Optimizer, Preconditioner};
use rnnwf::vmc::{Vmc, VmcConfig};
use rnnwf::{
    local_energies, log_psi_connected, CellKind, Connections, ErrorKind, Hamiltonian, Model,
    ModelConfig, PhaseKind, Precision, Symmetry,
};

/// Random connections of `config`: each changes 0 to 3 distinct sites to random values
/// (sometimes the value the site has).
fn random_connections(
    rng: &mut TestRng,
    sites: usize,
    d: u8,
    n: usize,
) -> (Vec<usize>, Vec<u32>, Vec<u8>) {
    let (mut offsets, mut at, mut values) = (vec![0], Vec::new(), Vec::new());
    for _ in 0..n {
        let k = rng.below(4.min(sites as u64 + 1)) as usize;
        let mut chosen: Vec<u32> = Vec::new();
        while chosen.len() < k {
            let s = rng.below(sites as u64) as u32;
            if !chosen.contains(&s) {
                chosen.push(s);
            }
        }
        for s in chosen {
            at.push(s);
            values.push(rng.below(d as u64) as u8);
        }
        offsets.push(at.len());
    }
    (offsets, at, values)
}

/// ln psi of every connected configuration, from `log_psi_connected` and from
/// `Model::log_psi` of the configurations written out, agree to `tol` (relative to the
/// scale of ln psi); equal -inf outside the U(1) subspace. Returns how many were -inf.
fn check_against_log_psi(model: &Model, n_conn: usize, tol: f64, seed: u64) -> usize {
    let sites = model.num_sites();
    let d = model.config().local_dim as u8;
    let mut rng = TestRng(seed);
    let mut sample = vec![0u8; sites];
    model.sample(seed, 1, &mut sample, None).unwrap();
    let (offsets, at, values) = random_connections(&mut rng, sites, d, n_conn);
    let connections = Connections {
        offsets: &offsets,
        sites: &at,
        values: &values,
    };
    let mut got = vec![Complex64::new(0.0, 0.0); n_conn];
    log_psi_connected(model, &sample, connections, &mut got).unwrap();
    let mut full = Vec::with_capacity(n_conn * sites);
    for w in offsets.windows(2) {
        let start = full.len();
        full.extend_from_slice(&sample);
        for k in w[0]..w[1] {
            full[start + at[k] as usize] = values[k];
        }
    }
    let mut want = vec![Complex64::new(0.0, 0.0); n_conn];
    model.log_psi(&full, &mut want).unwrap();
    let mut outside = 0;
    for (c, (g, w)) in got.iter().zip(&want).enumerate() {
        if w.re == f64::NEG_INFINITY {
            assert_eq!(g.re, f64::NEG_INFINITY, "connection {c}: {g} vs {w}");
            outside += 1;
            continue;
        }
        // Phases compared modulo 2 pi.
        let dphase = (g.im - w.im).sin().abs();
        let scale = 1.0 + w.re.abs();
        assert!(
            (g.re - w.re).abs() <= tol * scale && dphase <= tol * scale,
            "connection {c} ({:?}): {g} vs {w}",
            &full[c * sites..(c + 1) * sites]
        );
    }
    outside
}

fn chain(cell: CellKind, sites: u32) -> ModelConfig {
    ModelConfig::default()
        .with_cell(cell)
        .with_lx(sites)
        .with_hidden(6)
        .with_layers(2)
        .with_phase(PhaseKind::Softsign)
        .with_seed(5)
}

#[test]
fn connected_log_psi_equals_log_psi_on_chains_with_every_cell() {
    for cell in [
        CellKind::Vanilla,
        CellKind::VanillaElu,
        CellKind::Gru,
        CellKind::TensorGru,
        CellKind::LinearGated,
    ] {
        let model = Model::new(chain(cell, 9)).unwrap();
        // More connections than one batch of restarts holds.
        check_against_log_psi(&model, 600, 1e-12, 1);
    }
}

#[test]
fn connected_log_psi_equals_log_psi_on_grids() {
    for cell in [CellKind::Vanilla, CellKind::Gru, CellKind::TensorGru] {
        let grid = chain(cell, 3).with_ly(4);
        check_against_log_psi(&Model::new(grid).unwrap(), 80, 1e-12, 2);
    }
}

#[test]
fn connected_log_psi_equals_log_psi_with_symmetries_and_sign_rules() {
    use rnnwf::SignRule;
    let chain_sym = chain(CellKind::Gru, 8)
        .with_symmetry(Symmetry::LatticeSpinFlip)
        .with_sign_rule(SignRule::Marshall);
    check_against_log_psi(&Model::new(chain_sym).unwrap(), 120, 1e-12, 4);
    let grid_sym = chain(CellKind::Vanilla, 3)
        .with_ly(3)
        .with_symmetry(Symmetry::Lattice);
    check_against_log_psi(&Model::new(grid_sym).unwrap(), 120, 1e-12, 5);
}

#[test]
fn connected_log_psi_in_f32_and_on_more_values_per_site() {
    let f32 = chain(CellKind::Gru, 8).with_precision(Precision::F32);
    check_against_log_psi(&Model::new(f32).unwrap(), 100, 1e-5, 6);
    let spin1 = chain(CellKind::Gru, 7).with_local_dim(3);
    check_against_log_psi(&Model::new(spin1).unwrap(), 100, 1e-12, 7);
}

#[test]
fn connected_configurations_outside_the_u1_subspace_get_minus_infinity() {
    let u1 = chain(CellKind::Gru, 8).with_u1_total(Some(4));
    let outside = check_against_log_psi(&Model::new(u1).unwrap(), 200, 1e-12, 8);
    assert!(outside > 50, "only {outside} connections left the subspace");
    let u1_sym = chain(CellKind::Vanilla, 8)
        .with_u1_total(Some(4))
        .with_symmetry(Symmetry::LatticeSpinFlip);
    check_against_log_psi(&Model::new(u1_sym).unwrap(), 100, 1e-12, 9);
}

#[test]
fn malformed_connections_are_refused_with_a_message() {
    let model = Model::new(chain(CellKind::Gru, 5).with_local_dim(3)).unwrap();
    let config = [0u8, 1, 2, 0, 1];
    let mut out = [Complex64::new(7.0, 7.0); 2];
    use ErrorKind::{BufferSize, InvalidArgument};
    // offsets, sites, values, the refusal and its message.
    type Case<'a> = (&'a [usize], &'a [u32], &'a [u8], ErrorKind, &'a str);
    let cases: [Case; 7] = [
        (&[0, 1], &[0], &[1], BufferSize, "n_conn + 1 = 3"),
        (
            &[1, 1, 2],
            &[0, 1],
            &[1, 1],
            InvalidArgument,
            "offsets[0] = 1",
        ),
        (
            &[0, 2, 1],
            &[0, 1],
            &[1, 1],
            InvalidArgument,
            "offsets decrease",
        ),
        (
            &[0, 1, 3],
            &[0, 1],
            &[1, 1],
            BufferSize,
            "offsets[n_conn] = 3",
        ),
        (
            &[0, 1, 2],
            &[0, 5],
            &[1, 1],
            InvalidArgument,
            "sites[1] = 5",
        ),
        (
            &[0, 1, 2],
            &[0, 1],
            &[1, 3],
            InvalidArgument,
            "values[1] = 3",
        ),
        (
            &[0, 1, 3],
            &[0, 4, 4],
            &[1, 1, 2],
            InvalidArgument,
            "connection 1 changes site 4 twice",
        ),
    ];
    for (offsets, sites, values, kind, message) in cases {
        let c = Connections {
            offsets,
            sites,
            values,
        };
        let err = log_psi_connected(&model, &config, c, &mut out).unwrap_err();
        assert_eq!(err.kind, kind, "{}", err.message);
        assert!(err.message.contains(message), "{}", err.message);
        assert_eq!(out, [Complex64::new(7.0, 7.0); 2], "written on failure");
    }
    let c = Connections {
        offsets: &[0, 0, 0],
        sites: &[],
        values: &[],
    };
    let err = log_psi_connected(&model, &[0, 1, 3, 0, 1], c, &mut out).unwrap_err();
    assert!(err.message.contains("configs[0][2] = 3"), "{}", err.message);
}

fn vmc_config(optimizer: Optimizer, preconditioner: Preconditioner, t: f64) -> VmcConfig {
    VmcConfig::default()
        .with_optimizer(optimizer)
        .with_preconditioner(preconditioner)
        .with_n_samples(300)
        .with_learning_rate(0.03)
        .with_sr_diag_shift(1e-2)
        .with_temperature(t)
        .with_seed(21)
}

/// Three steps each way: `Vmc::step`, and `Vmc::sample` + the library's local energies
/// handed back + `step_on_local_energies`. Parameters, optimiser states and statistics
/// agree bit for bit.
fn assert_steps_agree(model: ModelConfig, h: &Hamiltonian, config: VmcConfig) {
    let mut a = Model::new(model.clone()).unwrap();
    let mut b = Model::new(model).unwrap();
    let mut va = Vmc::new(config.clone()).unwrap();
    let mut vb = Vmc::new(config.clone()).unwrap();
    let n = config.n_samples as usize;
    let mut configs = vec![0u8; n * b.num_sites()];
    let mut e_loc = vec![Complex64::new(0.0, 0.0); n];
    for step in 0..3 {
        let sa = va.step(&mut a, h).unwrap();
        vb.sample(&b, &mut configs, None).unwrap();
        local_energies(&b, h, &configs, &mut e_loc).unwrap();
        let sb = vb.step_on_local_energies(&mut b, &configs, &e_loc).unwrap();
        let bits = |p: &[f64]| p.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(
            bits(a.params()),
            bits(b.params()),
            "step {step}: {config:?}"
        );
        assert_eq!(sa.energy, sb.energy);
        assert_eq!(sa.grad_norm.to_bits(), sb.grad_norm.to_bits());
        assert_eq!((sa.step, sa.sr_solve), (sb.step, sb.sr_solve));
    }
    assert_eq!(va.adam_state(), vb.adam_state());
    assert_eq!(va.previous_update(), vb.previous_update());
    assert_eq!(va.steps(), vb.steps());
}

#[test]
fn a_step_on_the_library_s_energies_equals_vmc_step_bit_for_bit() {
    let h = Hamiltonian::tfim(8, 1, false, 1.0, 0.8).unwrap();
    let model = chain(CellKind::Gru, 8);
    for (opt, pre, t) in [
        (Optimizer::Sgd, Preconditioner::None, 0.0),
        (Optimizer::Adam, Preconditioner::None, 0.1),
        (Optimizer::Sgd, Preconditioner::Sr, 0.0),
        (Optimizer::Adam, Preconditioner::Spring, 0.05),
    ] {
        assert_steps_agree(model.clone(), &h, vmc_config(opt, pre, t));
    }
    // U(1), a symmetry and f32.
    let heis = Hamiltonian::heisenberg(6, 1, true, 1.0, 0.0).unwrap();
    let u1 = chain(CellKind::Vanilla, 6)
        .with_u1_total(Some(3))
        .with_symmetry(Symmetry::Lattice)
        .with_precision(Precision::F32);
    assert_steps_agree(
        u1,
        &heis,
        vmc_config(Optimizer::Adam, Preconditioner::Sr, 0.0),
    );
}

#[test]
fn bad_samples_or_energies_are_refused_and_change_nothing() {
    let cfg = chain(CellKind::Gru, 6).with_u1_total(Some(3));
    let mut model = Model::new(cfg).unwrap();
    let mut vmc = Vmc::new(vmc_config(Optimizer::Adam, Preconditioner::None, 0.0)).unwrap();
    let good = [0u8, 1, 0, 1, 0, 1, 1, 1, 1, 0, 0, 0];
    let e = [Complex64::new(-1.0, 0.0); 2];
    let params = model.params().to_vec();
    let nan = [Complex64::new(-1.0, 0.0), Complex64::new(f64::NAN, 0.0)];
    let cases: [(&[u8], &[Complex64], ErrorKind, &str); 5] = [
        (
            &good,
            &[],
            ErrorKind::InvalidArgument,
            "at least one sample",
        ),
        (&good[..6], &e, ErrorKind::BufferSize, "configs"),
        (
            &[0, 1, 0, 1, 0, 1, 1, 1, 1, 0, 0, 2],
            &e,
            ErrorKind::InvalidArgument,
            "configs[1][5] = 2",
        ),
        (
            &[0, 1, 0, 1, 0, 1, 1, 1, 1, 0, 0, 1],
            &e,
            ErrorKind::InvalidArgument,
            "U(1)",
        ),
        (&good, &nan, ErrorKind::Numerical, "local_energies[1]"),
    ];
    for (configs, energies, kind, message) in cases {
        let err = vmc
            .step_on_local_energies(&mut model, configs, energies)
            .unwrap_err();
        assert_eq!(err.kind, kind, "{}", err.message);
        assert!(err.message.contains(message), "{}", err.message);
        assert_eq!(model.params(), &params[..]);
        assert_eq!(vmc.steps(), 0);
        assert!(vmc.adam_state().is_none());
    }
    // Any n >= 1, whatever the configured n_samples.
    let stats = vmc.step_on_local_energies(&mut model, &good, &e).unwrap();
    assert_eq!((stats.energy.n, stats.energy.mean.re), (2, -1.0));
    assert_eq!(vmc.steps(), 1);
}
