//! Every hot path of a training step against the matrix-product ceiling, for the GRU chain
//! at hidden 16, 32, 64 and 128, N = 20 and 100, in f64 and f32 (docs/performance.md says
//! how to read the table).
//!
//! `cargo bench --bench hot_paths [-- --hidden 32 --sites 20 --precision f32 --repeats 3
//! --clock cpu]` (each filter may repeat; without one, every value; `--clock cpu` times
//! paths and ceilings in CPU seconds of the process instead of wall seconds). For each path: the GFLOP/s of the
//! matrix products it needs (counted below, the useful ones only: no product with the zero
//! state at the first position, none for the one-hot input), and that rate over what
//! matrixmultiply (dgemm, or sgemm for f32) reaches with the same threads on the path's
//! dominant shape, measured right before each call. The machine may be shared, so the
//! table gives medians over repeats of those paired ratios.

mod common;
use common::{median, Clock, GemmCeiling};
use rnnwf::optim::Optimizer;
use rnnwf::vmc::{Vmc, VmcConfig};
use rnnwf::{
    local_energies, CellKind, Complex64, Hamiltonian, Model, ModelConfig, Precision, Symmetry,
    CHUNK_ROWS,
};

/// Samples of every pass path: two chunks, so that two threads both compute.
const SAMPLES: usize = 2 * CHUNK_ROWS;
/// Samples of the minSR step (its per-sample log-derivatives and the SR solve).
const SR_SAMPLES: usize = 256;
/// Rows of minSR's Gram tiles (`optim/minsr.rs`), the SR solve's product shape.
const GRAM_TILE: usize = 128;

/// Flops of one row's pass from position `from` to the last of `sites`: the hidden product
/// (3 gate blocks) at every position but the first, the amplitude head (2 values) at all.
fn pass_flops(sites: usize, dh: usize, from: usize) -> f64 {
    let hidden = (sites - from.max(1)) as f64 * 2.0 * (dh * 3 * dh) as f64;
    hidden + (sites - from) as f64 * 2.0 * (dh * 2) as f64
}

/// Flops of one row's forward pass and backward sweep: per product of the forward, two more
/// of the same size (the adjoint through the weights, and the weights' gradient).
fn sweep_flops(sites: usize, dh: usize) -> f64 {
    3.0 * pass_flops(sites, dh, 0)
}

/// The command line's filters: the values of every `--name value`, or `all` when none.
fn filter<T: std::str::FromStr + Clone>(name: &str, all: &[T]) -> Vec<T> {
    let args: Vec<String> = std::env::args().collect();
    let picked: Vec<T> = args
        .windows(2)
        .filter(|w| w[0] == name)
        .map(|w| w[1].parse().ok().expect("a value after the option"))
        .collect();
    if picked.is_empty() {
        all.to_vec()
    } else {
        picked
    }
}

/// One path's paired measurements: (seconds, ceiling GFLOP/s, rate over ceiling).
struct Path {
    name: &'static str,
    flops: f64,
    runs: Vec<(f64, f64, f64)>,
}

impl Path {
    fn new(name: &'static str, flops: f64) -> Self {
        Path {
            name,
            flops,
            runs: Vec::new(),
        }
    }

    /// Times `seconds` (already measured) against a ceiling measured just before it.
    fn push(&mut self, ceiling: f64, seconds: f64) {
        self.runs
            .push((seconds, ceiling, self.flops / seconds / 1e9 / ceiling));
    }

    fn print(&self, prefix: &str) {
        let t = median(self.runs.iter().map(|r| r.0).collect());
        let c = median(self.runs.iter().map(|r| r.1).collect());
        let ratio = median(self.runs.iter().map(|r| r.2).collect());
        // The fastest call over the fastest ceiling: what load disturbed least.
        let fastest = self.runs.iter().map(|r| r.0).fold(f64::INFINITY, f64::min);
        let top = self.runs.iter().map(|r| r.1).fold(0.0, f64::max);
        self.print_row(prefix, t, c, ratio, self.flops / fastest / 1e9 / top);
    }

    /// A path timed as the difference of two medians, `self`'s less `part`'s: its rate over
    /// the median ceiling (not paired), or nothing when the difference is within a tenth of
    /// the whole, where noise decides it.
    fn print_less(&self, part: &Path, prefix: &str) {
        let whole = median(self.runs.iter().map(|r| r.0).collect());
        let t = whole - median(part.runs.iter().map(|r| r.0).collect());
        let c = median(self.runs.iter().map(|r| r.1).collect());
        if t < 0.1 * whole {
            println!(
                "{prefix} {:>10}  below the noise of the step's gradient stage",
                self.name
            );
            return;
        }
        let ratio = self.flops / t / 1e9 / c;
        self.print_row(prefix, t, c, ratio, ratio);
    }

    fn print_row(&self, prefix: &str, t: f64, c: f64, ratio: f64, best: f64) {
        println!(
            "{prefix} {:>10} {:>10.4} {:>8.2} {c:>8.2} {:>5.0}% {:>5.0}%",
            self.name,
            t,
            self.flops / t / 1e9,
            100.0 * ratio,
            100.0 * best
        );
    }
}

fn main() {
    let hiddens = filter("--hidden", &[16usize, 32, 64, 128]);
    let all_sites = filter("--sites", &[20usize, 100]);
    let precisions = filter("--precision", &["f64".to_string(), "f32".to_string()]);
    let repeats = filter("--repeats", &[3usize])[0];
    let clock = match filter("--clock", &["wall".to_string()])[0].as_str() {
        "wall" => Clock::Wall,
        "cpu" => Clock::Cpu,
        other => panic!("--clock {other}: wall or cpu"),
    };
    let threads = rnnwf::num_threads();
    println!(
        "elementwise kernels: {}, {threads} threads, median of {repeats} paired repeats, \
         {clock:?} clock",
        rnnwf::simd_level_name(),
    );
    println!(
        "{:>4} {:>6} {:>4} {:>10} {:>10} {:>8} {:>8} {:>6} {:>6}",
        "prec", "hidden", "N", "path", "seconds", "GFLOP/s", "ceiling", "ratio", "best"
    );
    for precision in &precisions {
        let single = precision == "f32";
        let ceiling_of = |m: usize, k: usize, n: usize| match single {
            true => GemmCeiling::new_f32(m, k, n),
            false => GemmCeiling::new(m, k, n),
        };
        for &dh in &hiddens {
            for &sites in &all_sites {
                let config = ModelConfig::default()
                    .with_cell(CellKind::Gru)
                    .with_lx(sites as u32)
                    .with_hidden(dh as u32)
                    .with_seed(1)
                    .with_precision(if single {
                        Precision::F32
                    } else {
                        Precision::F64
                    });
                let mut model = Model::new(config.clone()).unwrap();
                let symmetric = Model::new(config.with_symmetry(Symmetry::Lattice)).unwrap();
                let tfim = Hamiltonian::tfim(sites as u32, 1, false, 1.0, 1.0).unwrap();
                // Diagonal only, so that the minSR step's time goes to its gradient and solve.
                let mut ising = Hamiltonian::new(sites as u32).unwrap();
                for i in 0..sites as u32 - 1 {
                    ising.add_term(1.0, "ZZ", &[i, i + 1]).unwrap();
                }
                let pass = pass_flops(sites, dh, 0);
                let restarts: f64 = (0..sites).map(|k| pass_flops(sites, dh, k)).sum();
                let np = model.num_params() as f64;
                let n_sr = SR_SAMPLES as f64;
                let mut paths = [
                    Path::new("sample", SAMPLES as f64 * pass),
                    Path::new("log_psi", SAMPLES as f64 * pass),
                    Path::new("E_loc", SAMPLES as f64 * (pass + restarts)),
                    Path::new("backward", SAMPLES as f64 * sweep_flops(sites, dh)),
                    Path::new("symmetric", 2.0 * SAMPLES as f64 * pass),
                    Path::new("grad_rows", n_sr * sweep_flops(sites, dh)),
                    // The Gram matrix's tiles on and above the diagonal, Cholesky, A^T y; timed
                    // as the step's gradient stage less the per-sample derivatives.
                    Path::new(
                        "sr_solve",
                        n_sr * n_sr * np + n_sr.powi(3) / 3.0 + 2.0 * n_sr * np,
                    ),
                ];
                let pass_ceiling = ceiling_of(CHUNK_ROWS, dh, 3 * dh);
                let sr_ceiling = ceiling_of(GRAM_TILE, model.num_params(), GRAM_TILE);
                let mut configs = vec![0u8; SAMPLES * sites];
                let mut log_psi = vec![Complex64::new(0.0, 0.0); SAMPLES];
                let mut e_loc = vec![Complex64::new(0.0, 0.0); SAMPLES];
                let weights = vec![1.0 / SAMPLES as f64; SAMPLES];
                let mut grad = vec![0.0; model.num_params()];
                let mut derivatives =
                    vec![Complex64::new(0.0, 0.0); SR_SAMPLES * model.num_params()];
                let mut vmc = Vmc::new(
                    VmcConfig::default()
                        .with_optimizer(Optimizer::MinSr)
                        .with_n_samples(SR_SAMPLES as u64)
                        .with_learning_rate(1e-3)
                        .with_sr_diag_shift(1e-3),
                )
                .unwrap();
                vmc.step(&mut model, &ising).unwrap(); // warm-up, and the first workspaces
                for repeat in 0..=repeats {
                    let seed = repeat as u64;
                    let timed = |path: &mut Path, ceiling: &GemmCeiling, f: &mut dyn FnMut()| {
                        let c = ceiling.measure_on(threads, clock);
                        let t = clock.time(f);
                        // Repeat 0 warms the workspaces up and is not kept.
                        if repeat > 0 {
                            path.push(c, t);
                        }
                    };
                    let [sample, log_psi_path, e_loc_path, backward, sym, grad_rows, sr] =
                        &mut paths;
                    timed(sample, &pass_ceiling, &mut || {
                        model
                            .sample(seed, SAMPLES, &mut configs, Some(&mut log_psi))
                            .unwrap()
                    });
                    timed(log_psi_path, &pass_ceiling, &mut || {
                        model.log_psi(&configs, &mut log_psi).unwrap()
                    });
                    timed(e_loc_path, &pass_ceiling, &mut || {
                        local_energies(&model, &tfim, &configs, &mut e_loc).unwrap()
                    });
                    timed(backward, &pass_ceiling, &mut || {
                        model
                            .log_psi_vjp(&configs, &weights, &weights, &mut grad)
                            .unwrap()
                    });
                    timed(sym, &pass_ceiling, &mut || {
                        symmetric.log_psi(&configs, &mut log_psi).unwrap()
                    });
                    let c = pass_ceiling.measure_on(threads, clock);
                    let rows = clock.time(|| {
                        let configs = &configs[..SR_SAMPLES * sites];
                        model.log_psi_grad(configs, &mut derivatives).unwrap()
                    });
                    // The step's gradient stage is these derivatives (of its own samples, at
                    // the same cost) and the SR solve: the solve is the difference of their
                    // medians (`print_less`).
                    let c_sr = sr_ceiling.measure_on(threads, clock);
                    let stats = vmc.step(&mut model, &ising).unwrap();
                    if repeat > 0 {
                        grad_rows.push(c, rows);
                        sr.push(c_sr, stats.timings.gradient);
                    }
                }
                let prefix = format!("{precision:>4} {dh:>6} {sites:>4}");
                let [passes @ .., grad_rows, sr] = &paths;
                for path in passes.iter().chain([grad_rows]) {
                    path.print(&prefix);
                }
                // The step reports its stages in wall seconds only.
                if clock == Clock::Wall {
                    sr.print_less(grad_rows, &prefix);
                }
            }
        }
    }
}
