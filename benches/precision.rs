//! Float32 against float64 passes, paired in one sitting: sampling and a VMC step (Adam) on
//! the open transverse-field Ising chain at N = 20 and 100, hidden 32 and 64, 1024 samples,
//! and the minSR step of the 6x6 Heisenberg model (hidden 32, 256 samples, Marshall sign,
//! zero magnetisation).
//!
//! `cargo bench --bench precision [-- REPEATS]`. Every repeat times the f64 model, then the f32
//! model with the same parameters, back to back; the table gives the medians of each and the
//! median of the paired ratios f32 / f64 (the machine is shared: pairs see the same load).
//! All threads rnnwf uses by default.

mod common;
use common::{median, seconds};
use rnnwf::optim::Optimizer;
use rnnwf::vmc::{Vmc, VmcConfig};
use rnnwf::{CellKind, Complex64, Hamiltonian, Model, ModelConfig, Precision, SignRule};

/// The model of `cfg` in both precisions, the f32 one with the f64 one's parameters.
fn pair(cfg: &ModelConfig) -> [Model; 2] {
    let m64 = Model::new(cfg.clone().with_precision(Precision::F64)).unwrap();
    let m32 = Model::with_params(cfg.clone().with_precision(Precision::F32), m64.params()).unwrap();
    [m64, m32]
}

/// Median seconds of f64 and f32 and the median of the paired ratios f32 / f64.
fn paired(repeats: usize, mut run: impl FnMut(usize, usize) -> f64) -> (f64, f64, f64) {
    run(0, 0);
    run(1, 0); // warm-up
    let (mut t64, mut t32, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for r in 0..repeats {
        let a = run(0, r + 1);
        let b = run(1, r + 1);
        t64.push(a);
        t32.push(b);
        ratio.push(b / a);
    }
    (median(t64), median(t32), median(ratio))
}

fn adam() -> Vmc {
    Vmc::new(
        VmcConfig::default()
            .with_optimizer(Optimizer::Adam)
            .with_n_samples(1024)
            .with_learning_rate(1e-3)
            .with_seed(3),
    )
    .unwrap()
}

fn main() {
    let repeats: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(5);
    println!(
        "elementwise kernels: {}, {} threads, median of {repeats} paired repeats",
        rnnwf::simd_level_name(),
        rnnwf::num_threads()
    );
    println!(
        "{:<22} {:>6} {:>4} {:>11} {:>11} {:>9}",
        "what", "hidden", "N", "f64 (s)", "f32 (s)", "f32/f64"
    );
    let batch = 1024;
    for hidden in [32u32, 64] {
        for sites in [20u32, 100] {
            let cfg = ModelConfig::default()
                .with_cell(CellKind::Gru)
                .with_lx(sites)
                .with_hidden(hidden)
                .with_seed(1);
            let mut models = pair(&cfg);
            let mut configs = vec![0u8; batch * sites as usize];
            let mut log_psi = vec![Complex64::new(0.0, 0.0); batch];
            let (a, b, r) = paired(repeats, |p, seed| {
                seconds(|| {
                    models[p]
                        .sample(seed as u64, batch, &mut configs, Some(&mut log_psi))
                        .unwrap()
                })
            });
            println!(
                "{:<22} {hidden:>6} {sites:>4} {a:>11.4} {b:>11.4} {r:>9.3}",
                "sample 1024"
            );
            let h = Hamiltonian::tfim(sites, 1, false, 1.0, 1.0).unwrap();
            let mut drivers = [adam(), adam()];
            let (a, b, r) = paired(repeats, |p, _| {
                let (m, v) = (&mut models[p], &mut drivers[p]);
                seconds(|| {
                    v.step(m, &h).unwrap();
                })
            });
            println!(
                "{:<22} {hidden:>6} {sites:>4} {a:>11.4} {b:>11.4} {r:>9.3}",
                "Adam step TFIM chain"
            );
        }
    }
    let l = 6;
    let cfg = ModelConfig::default()
        .with_cell(CellKind::Gru)
        .with_lx(l)
        .with_ly(l)
        .with_hidden(32)
        .with_sign_rule(SignRule::Marshall)
        .with_u1_total(Some(l * l / 2))
        .with_seed(7);
    let h = Hamiltonian::heisenberg(l, l, false, 1.0, 0.0).unwrap();
    let mut models = pair(&cfg);
    let minsr = || {
        Vmc::new(
            VmcConfig::default()
                .with_optimizer(Optimizer::MinSr)
                .with_n_samples(256)
                .with_learning_rate(0.01)
                .with_sr_diag_shift(1e-3)
                .with_seed(3),
        )
        .unwrap()
    };
    let mut drivers = [minsr(), minsr()];
    let (a, b, r) = paired(repeats, |p, _| {
        let (m, v) = (&mut models[p], &mut drivers[p]);
        seconds(|| {
            v.step(m, &h).unwrap();
        })
    });
    println!(
        "{:<22} {:>6} {:>4} {a:>11.4} {b:>11.4} {r:>9.3}",
        "minSR step 6x6 Heis.", 32, 36
    );
}
