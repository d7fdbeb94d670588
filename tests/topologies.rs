//! Every topology as a wave function, with the same checks for each: the open chain, the
//! open grid, the periodic grid (the periodic 2D RNN) and the dilated chain. Normalisation by
//! enumeration, sampled ln psi equal to evaluated bit for bit, a chi-square of the samples,
//! thread-count independence (of samples, local energies and gradients) and the checkpoint
//! round trip; and the combinations this version refuses. Local energies and gradients are
//! checked over the same topologies in tests/local_energy.rs and tests/gradients.rs.

mod common;
use common::topology::{build, Topology, TOPOLOGIES};
use common::*;
use rnnwf::{
    local_energies, Boundary, CellKind, Complex64, ErrorKind, Hamiltonian, Model, ModelConfig,
    PhaseKind, SignRule, Symmetry,
};

#[test]
fn probabilities_sum_to_one_on_every_topology() {
    for topology in TOPOLOGIES {
        for cell in topology.cells() {
            // 3x3 has both wraps; 4x3 a snake that turns twice; three layers dilate by 4.
            for (lx, ly) in [(3, 3), (4, 3), (3, 4)] {
                for layers in [1, 3] {
                    for phase in [PhaseKind::None, PhaseKind::Softsign] {
                        let cfg = topology
                            .config(cell, lx, ly)
                            .with_layers(layers)
                            .with_phase(phase)
                            .with_seed(7 + layers as u64);
                        let m = build(cfg);
                        let total = total_probability(&m, &all_configs((lx * ly) as usize, 2));
                        assert!(
                            (total - 1.0).abs() < 1e-10,
                            "{topology:?} {cell:?} {lx}x{ly} x{layers} {phase:?}: sum P = {total}"
                        );
                    }
                }
            }
        }
    }
}

/// Three values per site (the wrapped neighbours' one-hots at offsets 2d and 3d) and a U(1)
/// total: normalised on the subspace, zero outside.
#[test]
fn three_values_per_site_and_u1_normalise_on_every_topology() {
    for topology in TOPOLOGIES {
        for cell in topology.cells() {
            for (layers, phase) in [(1, PhaseKind::None), (2, PhaseKind::Softsign)] {
                let m = build(
                    topology
                        .config(cell, 3, 3)
                        .with_local_dim(3)
                        .with_layers(layers)
                        .with_phase(phase)
                        .with_seed(2),
                );
                let total = total_probability(&m, &all_configs(9, 3));
                assert!(
                    (total - 1.0).abs() < 1e-10,
                    "{topology:?} {cell:?} x{layers}: {total}"
                );
            }

            let m = build(
                topology
                    .config(cell, 3, 3)
                    .with_layers(3)
                    .with_u1_total(Some(4))
                    .with_sign_rule(SignRule::Marshall)
                    .with_seed(3),
            );
            let configs = all_configs(9, 2);
            let mut inside = 0.0;
            for (c, l) in configs.chunks(9).zip(log_psi_all(&m, &configs)) {
                let p = (2.0 * l.re).exp();
                if c.iter().map(|&v| v as u32).sum::<u32>() == 4 {
                    inside += p;
                } else {
                    assert_eq!(p, 0.0, "{topology:?} {cell:?} {c:?}");
                }
            }
            assert!(
                (inside - 1.0).abs() < 1e-10,
                "{topology:?} {cell:?}: {inside}"
            );
        }
    }
}

#[test]
fn sampled_log_psi_equals_evaluated_bit_for_bit_on_every_topology() {
    for topology in TOPOLOGIES {
        for cell in topology.cells() {
            let m = build(
                topology
                    .config(cell, 5, 4)
                    .with_local_dim(3)
                    .with_hidden(8)
                    .with_layers(3)
                    .with_phase(PhaseKind::Softsign)
                    .with_sign_rule(SignRule::Marshall)
                    .with_u1_total(Some(17))
                    .with_seed(5),
            );
            let n = 300;
            let mut configs = vec![0u8; n * 20];
            let mut sampled = vec![Complex64::new(0.0, 0.0); n];
            m.sample(42, n, &mut configs, Some(&mut sampled)).unwrap();
            assert_eq!(sampled, log_psi_all(&m, &configs), "{topology:?} {cell:?}");
        }
    }
}

/// Pearson chi-square of 2e5 samples over the 64 configurations of 6 sites against the
/// enumerated P; 63 degrees of freedom, 99.9% quantile 103.4. The periodic grid as 3x2 (the
/// horizontal wrap) and 2x3 (the vertical wrap).
#[test]
fn sample_histograms_match_enumerated_probabilities_on_every_topology() {
    for topology in TOPOLOGIES {
        for (lx, ly) in [(3, 2), (2, 3)] {
            for cell in topology.cells() {
                let m = build(topology.config(cell, lx, ly).with_layers(3).with_seed(21));
                let p: Vec<f64> = log_psi_all(&m, &all_configs(6, 2))
                    .iter()
                    .map(|l| (2.0 * l.re).exp())
                    .collect();
                let n = 200_000;
                let mut samples = vec![0u8; n * 6];
                m.sample(2024, n, &mut samples, None).unwrap();
                let chi2 = chi_square(&histogram(&samples, 6), &p);
                assert!(
                    chi2 < 103.4,
                    "{topology:?} {cell:?} {lx}x{ly}: chi-square {chi2}"
                );
            }
        }
    }
}

/// Samples, ln psi, local energies (of a Heisenberg model and of a random Pauli sum, with
/// the Marshall sign) and gradients are bit-identical for 1, 2 and 3 threads.
#[test]
fn same_results_for_any_thread_count_on_every_topology() {
    for topology in TOPOLOGIES {
        let m = build(
            topology
                .config(CellKind::Gru, 4, 4)
                .with_layers(3)
                .with_phase(PhaseKind::Softsign)
                .with_sign_rule(SignRule::Marshall)
                .with_seed(1),
        );
        let (lx, ly) = topology.lattice(4, 4);
        let operators = [
            Hamiltonian::heisenberg(lx, ly, true, 1.0, 0.5).unwrap(),
            random_pauli_sum(16, 30, 5),
        ];
        let n = 1000; // four chunks, the last one partial
        let run = |threads| {
            rnnwf::set_num_threads(threads).unwrap();
            let mut c = vec![0u8; n * 16];
            let mut l = vec![Complex64::new(0.0, 0.0); n];
            m.sample(77, n, &mut c, Some(&mut l)).unwrap();
            let mut e = vec![Complex64::new(0.0, 0.0); 2 * n];
            for (h, e) in operators.iter().zip(e.chunks_mut(n)) {
                local_energies(&m, h, &c, e).unwrap();
            }
            let mut g = vec![0.0; m.num_params()];
            let re: Vec<f64> = (0..n).map(|i| (i as f64 * 0.3).sin()).collect();
            let im: Vec<f64> = (0..n).map(|i| (i as f64 * 0.7).cos()).collect();
            m.log_psi_vjp(&c, &re, &im, &mut g).unwrap();
            (c, l, e, g)
        };
        let one = run(1);
        let two = run(2);
        let three = run(3);
        rnnwf::set_num_threads(0).unwrap();
        let mut other = vec![0u8; n * 16];
        m.sample(78, n, &mut other, None).unwrap();
        assert_ne!(one.0, other, "{topology:?}: another seed, other samples");
        for (name, same) in [
            ("samples", one.0 == two.0 && one.0 == three.0),
            ("sampled ln psi", one.1 == two.1 && one.1 == three.1),
            ("local energies", one.2 == two.2 && one.2 == three.2),
            ("gradient", one.3 == two.3 && one.3 == three.3),
        ] {
            assert!(same, "{topology:?}: {name} differ");
        }
    }
}

/// A checkpoint keeps the topology: the loaded model has the same config, parameters and
/// amplitudes.
#[test]
fn checkpoint_round_trip_keeps_every_topology() {
    for topology in TOPOLOGIES {
        for cell in topology.cells() {
            let m = build(
                topology
                    .config(cell, 3, 3)
                    .with_layers(3)
                    .with_phase(PhaseKind::Softsign)
                    .with_seed(4),
            );
            let loaded = Model::from_checkpoint_bytes(&m.to_checkpoint_bytes()).unwrap();
            assert_eq!(loaded.config(), m.config(), "{topology:?} {cell:?}");
            assert_eq!(loaded.params(), m.params());
            let configs = all_configs(9, 2);
            assert_eq!(log_psi_all(&loaded, &configs), log_psi_all(&m, &configs));
        }
    }
}

/// The periodic grid's blocks: both wrapped neighbours have their own weights, and layer 0's
/// input has a one-hot block per neighbour weight.
#[test]
fn a_periodic_grid_has_a_weight_block_per_wrapped_neighbour() {
    let m = build(Topology::PeriodicGrid.config(CellKind::Gru, 3, 3));
    let names: Vec<String> = m.param_blocks().iter().map(|b| b.name.clone()).collect();
    for name in [
        "layer0.horizontal_weight",
        "layer0.vertical_weight",
        "layer0.horizontal_wrap_weight",
        "layer0.vertical_wrap_weight",
    ] {
        assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
    }
    let input = m
        .param_blocks()
        .iter()
        .find(|b| b.name == "layer0.input_weight")
        .unwrap();
    assert_eq!(input.shape[0], 4 * 2);
}

/// The wrap is read: on a 3x3 periodic grid the last site's conditional moves when the
/// first site (its vertical wrap neighbour, not otherwise adjacent in one step) changes,
/// while an open grid's conditionals of the earlier sites stay put either way.
#[test]
fn the_last_row_reads_row_zero_across_the_boundary() {
    let m = build(
        Topology::PeriodicGrid
            .config(CellKind::Vanilla, 3, 3)
            .with_seed(12),
    );
    let zeros = [0u8; 9];
    let mut flipped = zeros;
    flipped[1] = 1; // (1, 0): below (1, 2), site 7, across the boundary
    let (mut a, mut b) = (vec![0.0; 9], vec![0.0; 9]);
    m.log_conditionals(&zeros, &mut a).unwrap();
    m.log_conditionals(&flipped, &mut b).unwrap();
    assert_ne!(a[7], b[7]);
    // Nothing earlier than the changed site moves.
    assert_eq!(a[0], b[0]);
}

/// Resize keeps the topology: a periodic grid's and a dilated chain's weights start larger
/// lattices, with the amplitudes of a model built on the new lattice with those weights.
#[test]
fn resize_keeps_the_boundary_and_the_dilation() {
    for (topology, (lx, ly), (nx, ny)) in [
        (Topology::PeriodicGrid, (3, 3), (4, 5)),
        (Topology::DilatedChain, (8, 1), (13, 1)),
    ] {
        let m = build(topology.config(CellKind::Gru, lx, ly).with_layers(3));
        let r = m.resize(nx, ny, None).unwrap();
        assert_eq!(r.config().boundary, m.config().boundary);
        assert_eq!(r.config().dilation, m.config().dilation);
        assert_eq!(r.params(), m.params());
        let fresh = Model::with_params(r.config().clone(), m.params()).unwrap();
        let total = total_probability(&fresh, &all_configs((nx * ny) as usize, 2));
        assert!((total - 1.0).abs() < 1e-10, "{topology:?}: {total}");
    }
}

/// The point group (D4 on a square) is a symmetry of the periodic lattice too: the
/// symmetrised periodic model is normalised and invariant under it.
#[test]
fn a_symmetrised_periodic_grid_is_normalised_and_invariant() {
    let m = build(
        Topology::PeriodicGrid
            .config(CellKind::Gru, 3, 3)
            .with_layers(2)
            .with_phase(PhaseKind::Softsign)
            .with_symmetry(Symmetry::Lattice),
    );
    let configs = all_configs(9, 2);
    let lp = log_psi_all(&m, &configs);
    let total: f64 = lp.iter().map(|l| (2.0 * l.re).exp()).sum();
    assert!((total - 1.0).abs() < 1e-10, "{total}");
    // The quarter turn (x, y) -> (2 - y, x).
    for (c, l) in configs.chunks(9).zip(&lp) {
        let mut turned = [0u8; 9];
        for (i, &v) in c.iter().enumerate() {
            let (x, y) = (i % 3, i / 3);
            turned[(2 - y) + 3 * x] = v;
        }
        let t = log_psi_all(&m, &turned)[0];
        assert!((t.re - l.re).abs() < 1e-12, "{c:?}");
    }
}

/// What this version does not define is refused as Unsupported, naming the field.
#[test]
fn undefined_combinations_are_unsupported_with_a_message() {
    let cases = [
        (
            ModelConfig::default().with_boundary(Boundary::Periodic),
            "periodic chain",
        ),
        (
            ModelConfig::default()
                .with_lx(3)
                .with_ly(3)
                .with_dilation(1),
            "grids",
        ),
        (
            ModelConfig::default()
                .with_cell(CellKind::LinearGated)
                .with_lx(3)
                .with_ly(3)
                .with_boundary(Boundary::Periodic),
            "LINEAR_GATED",
        ),
        (
            ModelConfig::default()
                .with_cell(CellKind::LinearGated)
                .with_dilation(1),
            "LINEAR_GATED",
        ),
    ];
    for (cfg, needle) in cases {
        let err = Model::new(cfg.clone()).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Unsupported, "{cfg:?}: {}", err.message);
        assert!(err.message.contains(needle), "{}", err.message);
    }
}

/// An optimiser state belongs to its model's topology: Adam's moments of a plain chain are
/// refused for a dilated chain with the same parameter count, naming the dilation.
#[test]
fn an_optimiser_state_is_refused_for_another_topology() {
    use rnnwf::optim::Optimizer;
    use rnnwf::vmc::{Vmc, VmcConfig};
    let plain = Topology::OpenChain
        .config(CellKind::Gru, 6, 1)
        .with_layers(2);
    let mut model = build(plain.clone());
    let mut dilated = build(plain.with_dilation(1));
    assert_eq!(model.num_params(), dilated.num_params());
    let h = Hamiltonian::tfim(6, 1, false, 1.0, 1.0).unwrap();
    let mut vmc = Vmc::new(
        VmcConfig::default()
            .with_optimizer(Optimizer::Adam)
            .with_n_samples(16),
    )
    .unwrap();
    vmc.step(&mut model, &h).unwrap();
    let err = vmc.step(&mut dilated, &h).unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidArgument, "{}", err.message);
    assert!(err.message.contains("dilation=1"), "{}", err.message);
}
