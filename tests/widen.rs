//! `Model::widen`: more hidden units, the same psi. Checked on every cell and topology, with
//! two layers, the phase head and three values per site: ln psi of every configuration is
//! unchanged (enumeration), the widened model is the narrow one's entries plus a fresh
//! model's at the new units, and the gradient reaches the new units' outgoing weights, so
//! that training can use them.

mod common;

use common::topology::TOPOLOGIES;
use common::{all_configs, log_psi_all, TestRng};
use rnnwf::{ErrorKind, Model, ModelConfig, PhaseKind, Precision, SignRule, Symmetry};

/// `cfg` with random parameters (biases included), so that no entry is special.
fn trained(cfg: ModelConfig, seed: u64) -> Model {
    let mut m = Model::new(cfg).unwrap();
    let mut rng = TestRng(seed);
    let params: Vec<f64> = (0..m.num_params()).map(|_| 0.6 * rng.symmetric()).collect();
    m.set_params(&params).unwrap();
    m
}

fn assert_same_psi(narrow: &Model, wide: &Model, d: usize, what: &str) {
    let configs = all_configs(narrow.num_sites(), d);
    for (a, b) in log_psi_all(narrow, &configs)
        .iter()
        .zip(log_psi_all(wide, &configs))
    {
        // Outside a U(1) sector both are -inf.
        assert!(
            *a == b || (a - b).norm() < 1e-12,
            "{what}: ln psi {a} narrow, {b} widened"
        );
    }
}

#[test]
fn every_cell_and_topology_keeps_psi() {
    for topology in TOPOLOGIES {
        for cell in topology.cells() {
            for (layers, d) in [(1, 2), (2, 3)] {
                let cfg = topology
                    .config(cell, 3, 2)
                    .with_layers(layers)
                    .with_local_dim(d)
                    .with_phase(PhaseKind::Softsign);
                let narrow = trained(cfg, 5);
                let wide = narrow.widen(9).unwrap();
                let what = format!("{topology:?} {cell:?} {layers} layer(s), d = {d}");
                assert_eq!(wide.config().hidden, 9, "{what}");
                assert!(wide.num_params() > narrow.num_params(), "{what}");
                assert_same_psi(&narrow, &wide, d as usize, &what);
            }
        }
    }
}

/// Every narrow entry reappears at its unit in the widened model, every other entry is
/// either the fresh model's (same seed, new width) or zero, and the zeros are exactly the
/// weights from a new unit (a row past the narrow units) into an old unit or a head.
#[test]
fn entries_are_the_narrow_models_the_fresh_models_or_zero() {
    for topology in TOPOLOGIES {
        for cell in topology.cells() {
            let cfg = topology.config(cell, 3, 2).with_layers(2);
            let narrow = trained(cfg.clone(), 8);
            let wide = narrow.widen(7).unwrap();
            let fresh = Model::new(cfg.with_hidden(7)).unwrap();
            let mut kept = 0;
            for ((n, w), f) in narrow
                .param_blocks()
                .iter()
                .zip(wide.param_blocks())
                .zip(fresh.param_blocks())
            {
                assert_eq!((&n.name, &w.name), (&w.name, &f.name));
                let (narrow_values, wide_values) = (
                    &narrow.params()[n.range.clone()],
                    &wide.params()[w.range.clone()],
                );
                let fresh_values = &fresh.params()[f.range.clone()];
                // Each narrow value is found in the widened block (values are random: a
                // coincidence is out of the question).
                for v in narrow_values {
                    assert!(wide_values.contains(v), "{cell:?} {}: {v} lost", n.name);
                    kept += 1;
                }
                for (i, (&v, &fv)) in wide_values.iter().zip(fresh_values).enumerate() {
                    assert!(
                        v == fv || v == 0.0 || narrow_values.contains(&v),
                        "{cell:?} {} [{i}] = {v}: neither narrow, fresh nor zero",
                        n.name
                    );
                }
            }
            assert_eq!(kept, narrow.num_params());
        }
    }
}

/// The new units' outgoing weights (zero at first) get a gradient: otherwise no step would
/// ever move them and the widened model would stay the narrow one.
#[test]
fn the_gradient_reaches_the_new_units() {
    for topology in TOPOLOGIES {
        for cell in topology.cells() {
            let cfg = topology.config(cell, 3, 2).with_phase(PhaseKind::Softsign);
            let narrow = trained(cfg, 2);
            let wide = narrow.widen(8).unwrap();
            let configs = all_configs(wide.num_sites(), 2);
            let n = configs.len() / wide.num_sites();
            let np = wide.num_params();
            let mut grad = vec![rnnwf::Complex64::new(0.0, 0.0); n * np];
            wide.log_psi_grad(&configs, &mut grad).unwrap();
            for head in ["amplitude.weight", "phase.weight"] {
                let block = wide.param_blocks().iter().find(|b| b.name == head).unwrap();
                let columns = block.shape[1];
                // Rows 5.. are the new units'.
                let largest = (5 * columns..block.range.len())
                    .flat_map(|k| (0..n).map(move |i| (i, k)))
                    .map(|(i, k)| grad[i * np + block.range.start + k].norm())
                    .fold(0.0, f64::max);
                assert!(
                    largest > 1e-6,
                    "{topology:?} {cell:?} {head}: the new rows' gradient is {largest}"
                );
            }
        }
    }
}

/// The settings a widening keeps, on the 2D recipe's kind of model: lattice symmetry, U(1),
/// the Marshall sign and float32 passes; and the same width is the same model.
#[test]
fn settings_are_kept_and_the_same_width_changes_nothing() {
    let cfg = ModelConfig::default()
        .with_lx(3)
        .with_ly(3)
        .with_hidden(4)
        .with_sign_rule(SignRule::Marshall)
        .with_u1_total(Some(4))
        .with_symmetry(Symmetry::Lattice)
        .with_precision(Precision::F32);
    let narrow = trained(cfg.clone(), 3);
    let wide = narrow.widen(6).unwrap();
    assert_eq!(
        wide.config().clone().with_hidden(4),
        narrow.config().clone()
    );
    let configs = all_configs(9, 2);
    let total: f64 = log_psi_all(&wide, &configs)
        .iter()
        .filter(|l| l.re.is_finite())
        .map(|l| (2.0 * l.re).exp())
        .sum();
    assert!(
        (total - 1.0).abs() < 1e-5,
        "normalised in the sector: {total}"
    );
    let f64_cfg = cfg.with_precision(Precision::F64);
    let narrow64 = Model::with_params(f64_cfg, narrow.params()).unwrap();
    let wide64 = narrow64.widen(6).unwrap();
    assert_eq!(wide64.params(), wide.params());
    assert_same_psi(&narrow64, &wide64, 2, "lattice symmetry, U(1), Marshall");
    let same = narrow.widen(4).unwrap();
    assert_eq!(same.params(), narrow.params());
    assert_eq!(same.config(), narrow.config());
}

#[test]
fn fewer_units_and_invalid_widths_are_refused() {
    let m = trained(ModelConfig::default().with_lx(4).with_hidden(6), 1);
    let e = m.widen(5).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidArgument);
    assert!(e.to_string().contains("6 hidden units to 5"), "{e}");
    let e = m.widen(u32::MAX).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidArgument, "{e}");
}
