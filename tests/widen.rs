//! `Model::widen`: more hidden units, the same psi. Checked on every cell and topology, with
//! two layers, the phase head and three values per site: ln psi of every configuration is
//! unchanged (enumeration), the widened model is the narrow one's entries at their units,
//! zeros from the new units into the old ones and the heads, and a fresh model's entries
//! elsewhere, and the gradient reaches the new units' outgoing weights, so
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
                // 3x3: a periodic grid reads both wraps.
                let cfg = topology
                    .config(cell, 3, 3)
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

/// For an axis of `narrow` positions at `dh` units and `wide` positions at `widened` units:
/// where each narrow position goes and which wide positions are new units, derived from the
/// lengths alone where the axis is all units (`k` ranges of them: its length grows) or has
/// none (its length stays). The tensorized cell's c and T axes mix both and give `None`.
fn pure_axis(
    narrow: usize,
    wide: usize,
    dh: usize,
    widened: usize,
) -> Option<(Vec<usize>, Vec<bool>)> {
    if narrow == wide {
        return Some(((0..narrow).collect(), vec![false; wide]));
    }
    if !narrow.is_multiple_of(dh) || !wide.is_multiple_of(widened) || narrow / dh != wide / widened
    {
        return None;
    }
    let to_wide = (0..narrow).map(|i| (i / dh) * widened + i % dh).collect();
    let added = (0..wide).map(|j| j % widened >= dh).collect();
    Some((to_wide, added))
}

/// Entry by entry, in every block whose axes are pure (all but the tensorized cell's T and
/// merge): the narrow values at their units, zero from a new unit (row) into an old unit or a
/// head value (column), the fresh model's (same seed, new width) everywhere else.
#[test]
fn entries_are_the_narrow_models_zero_from_new_to_old_and_the_fresh_models_else() {
    let (dh, widened) = (5, 7);
    for topology in TOPOLOGIES {
        for cell in topology.cells() {
            let cfg = topology
                .config(cell, 3, 3)
                .with_layers(2)
                .with_phase(PhaseKind::Softsign);
            let narrow = trained(cfg.clone(), 8);
            let wide = narrow.widen(widened as u32).unwrap();
            let fresh = Model::new(cfg.with_hidden(widened as u32)).unwrap();
            let blocks = narrow
                .param_blocks()
                .iter()
                .zip(wide.param_blocks())
                .zip(fresh.param_blocks());
            for ((n, w), f) in blocks {
                assert_eq!((&n.name, &w.name), (&w.name, &f.name));
                let axes: Option<Vec<_>> = n
                    .shape
                    .iter()
                    .zip(&w.shape)
                    .map(|(&a, &b)| pure_axis(a, b, dh, widened))
                    .collect();
                let Some(axes) = axes else {
                    assert!(cell == rnnwf::CellKind::TensorGru, "{cell:?} {}", n.name);
                    continue;
                };
                let mut expected = fresh.params()[f.range.clone()].to_vec();
                let narrow_values = &narrow.params()[n.range.clone()];
                match &axes[..] {
                    [(to_wide, _)] => {
                        for (&v, &i) in narrow_values.iter().zip(to_wide) {
                            expected[i] = v;
                        }
                    }
                    [(rows, new_row), (columns, new_column)] => {
                        let (nc, wc) = (n.shape[1], w.shape[1]);
                        for (r, &added) in new_row.iter().enumerate() {
                            for (c, &to_new) in new_column.iter().enumerate() {
                                if added && !to_new {
                                    expected[r * wc + c] = 0.0;
                                }
                            }
                        }
                        for (i, &v) in narrow_values.iter().enumerate() {
                            expected[rows[i / nc] * wc + columns[i % nc]] = v;
                        }
                    }
                    _ => unreachable!(),
                }
                assert_eq!(
                    &wide.params()[w.range.clone()],
                    &expected[..],
                    "{topology:?} {cell:?} {}",
                    n.name
                );
            }
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
    // Float32 passes agree to their rounding.
    for (a, b) in log_psi_all(&narrow, &configs)
        .iter()
        .zip(log_psi_all(&wide, &configs))
    {
        assert!(
            *a == b || (a - b).norm() < 1e-5,
            "float32: {a} narrow, {b} widened"
        );
    }
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
