//! Local energies per second with prefix reuse and with full re-evaluation of every
//! connected configuration, measured in the same run (docs/architecture.md, step 2).
//!
//! A second table prices a local dimension d = 3 (the spin-1 Heisenberg chain) against
//! d = 2 (the spin-1/2 chain, as Pauli strings and as dense 2-site terms) per connected
//! configuration, in CPU time on one thread (the target: d = 3 at most twice d = 2).
//!
//! `cargo bench --bench local_energy [-- --table prefix|dims]` (both tables without
//! `--table`); RNNWF_BENCH_REPEATS sets the repeats (default 5), of which the medians are
//! reported.

mod common;
use common::{cpu_time, median, seconds};
use rnnwf::{
    local_energies, local_energies_naive, num_threads, set_num_threads, simd_level_name, CellKind,
    Complex64, Hamiltonian, Model, ModelConfig,
};
use std::collections::HashSet;

const SAMPLES: usize = 1024;
const LAYERS: u32 = 1;

type LocalEnergies = fn(&Model, &Hamiltonian, &[u8], &mut [Complex64]) -> rnnwf::Result<()>;

/// Sites of the chains that price d = 3 against d = 2.
const DIM_SITES: u32 = 20;

fn main() {
    let repeats: usize = std::env::var("RNNWF_BENCH_REPEATS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5)
        .max(1);
    let args: Vec<String> = std::env::args().collect();
    let table = args
        .windows(2)
        .find(|w| w[0] == "--table")
        .map(|w| w[1].as_str());
    match table {
        None => {
            prefix_against_naive(repeats);
            d3_against_d2(repeats);
        }
        Some("prefix") => prefix_against_naive(repeats),
        Some("dims") => d3_against_d2(repeats),
        Some(other) => panic!("--table {other}: expected prefix or dims"),
    }
}

fn prefix_against_naive(repeats: usize) {
    println!(
        "local energies: GRU, {LAYERS} layer, {SAMPLES} samples, {} threads, {} kernels, median of {repeats}",
        num_threads(),
        simd_level_name()
    );
    println!(
        "{:<11} {:>4} {:>6} {:>15} {:>15} {:>7}",
        "model", "N", "hidden", "prefix E_loc/s", "naive E_loc/s", "ratio"
    );
    for (name, sites) in [
        ("ising", 20u32),
        ("heisenberg", 20),
        ("ising", 100),
        ("heisenberg", 100),
    ] {
        let h = match name {
            "ising" => Hamiltonian::tfim(sites, 1, false, 1.0, 1.0),
            _ => Hamiltonian::heisenberg(sites, 1, false, 1.0, 0.0),
        }
        .expect("a valid operator");
        for hidden in [32u32, 64] {
            let model = Model::new(
                ModelConfig::default()
                    .with_cell(CellKind::Gru)
                    .with_lx(sites)
                    .with_hidden(hidden)
                    .with_layers(LAYERS)
                    .with_seed(1),
            )
            .expect("a valid model");
            let mut configs = vec![0u8; SAMPLES * sites as usize];
            model
                .sample(7, SAMPLES, &mut configs, None)
                .expect("sampling");
            let mut out = vec![Complex64::new(0.0, 0.0); SAMPLES];
            // Interleaved, so that a change in machine load hits both paths alike; the
            // ratio is the median of the per-repeat ratios.
            let mut run = |f: LocalEnergies| {
                seconds(|| f(&model, &h, &configs, &mut out).expect("local energies"))
            };
            let (mut prefix, mut naive, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..repeats {
                prefix.push(run(local_energies));
                naive.push(run(local_energies_naive));
                ratios.push(naive[naive.len() - 1] / prefix[prefix.len() - 1]);
            }
            let (prefix, naive, ratio) = (median(prefix), median(naive), median(ratios));
            println!(
                "{:<11} {:>4} {:>6} {:>15.0} {:>15.0} {:>6.2}x",
                name,
                sites,
                hidden,
                SAMPLES as f64 / prefix,
                SAMPLES as f64 / naive,
                ratio
            );
        }
    }
}

/// The open spin-1/2 Heisenberg chain as dense 2-site terms of XX + YY + ZZ on d = 2.
fn heisenberg_local(sites: u32) -> Hamiltonian {
    let c = |re: f64| Complex64::new(re, 0.0);
    // Basis |00>, |01>, |10>, |11>: ZZ on the diagonal, XX + YY = 2 (|01><10| + |10><01|).
    let bond = [
        c(1.0),
        c(0.0),
        c(0.0),
        c(0.0), //
        c(0.0),
        c(-1.0),
        c(2.0),
        c(0.0), //
        c(0.0),
        c(2.0),
        c(-1.0),
        c(0.0), //
        c(0.0),
        c(0.0),
        c(0.0),
        c(1.0),
    ];
    let mut h = Hamiltonian::new_local(sites, 2).expect("a valid operator");
    for i in 0..sites - 1 {
        h.add_local(&[i, i + 1], &bond).expect("a valid term");
    }
    h
}

/// Mean number of distinct configurations s' != s with a non-zero element <s'|T|s> of some
/// dense term T of `h`, over the rows of `configs`: the amplitudes a local energy needs.
fn connected_per_sample(h: &Hamiltonian, configs: &[u8]) -> f64 {
    let (n, d) = (h.num_sites(), h.local_dim());
    let mut total = 0usize;
    for s in configs.chunks(n) {
        let mut seen = HashSet::new();
        for term in h.local_terms() {
            let side = term.dim;
            let column = term
                .sites
                .iter()
                .fold(0, |a, &i| a * d + s[i as usize] as usize);
            for row in (0..side).filter(|&r| r != column) {
                if term.matrix[row * side + column].norm() == 0.0 {
                    continue;
                }
                let mut target = s.to_vec();
                let mut rest = row;
                for &i in term.sites.iter().rev() {
                    target[i as usize] = (rest % d) as u8;
                    rest /= d;
                }
                seen.insert(target);
            }
        }
        total += seen.len();
    }
    total as f64 / (configs.len() / n) as f64
}

/// CPU time per connected configuration of d = 3 against d = 2 on one thread, the same GRU
/// shape on both; each repeat times all three operators in turn, and the ratio is the
/// median of the per-repeat ratios.
fn d3_against_d2(repeats: usize) {
    let threads = num_threads();
    set_num_threads(1).expect("one thread");
    println!(
        "\nd = 3 against d = 2: GRU, {LAYERS} layer, N = {DIM_SITES}, {SAMPLES} samples, 1 thread, CPU time, median of {repeats}"
    );
    println!(
        "{:<24} {:>6} {:>11} {:>13} {:>12} {:>9}",
        "operator", "hidden", "conn/sample", "CPU us/sample", "CPU ns/conn", "vs d = 2"
    );
    let operators = [
        (
            "spin-1/2 Pauli, d = 2",
            2u32,
            Hamiltonian::heisenberg(DIM_SITES, 1, false, 1.0, 0.0),
        ),
        ("spin-1/2 local, d = 2", 2, Ok(heisenberg_local(DIM_SITES))),
        (
            "spin-1, d = 3",
            3,
            Hamiltonian::spin1(DIM_SITES, 1, false, 1.0, 0.0, 0.0),
        ),
    ];
    for hidden in [32u32, 64] {
        let mut rows = Vec::new();
        for (name, d, h) in &operators {
            let h = h.as_ref().expect("a valid operator");
            let model = Model::new(
                ModelConfig::default()
                    .with_cell(CellKind::Gru)
                    .with_lx(DIM_SITES)
                    .with_local_dim(*d)
                    .with_hidden(hidden)
                    .with_layers(LAYERS)
                    .with_seed(1),
            )
            .expect("a valid model");
            let mut configs = vec![0u8; SAMPLES * DIM_SITES as usize];
            model
                .sample(7, SAMPLES, &mut configs, None)
                .expect("sampling");
            // The Pauli chain has no dense terms; its connections are the local chain's.
            let counted = if *d == 2 {
                heisenberg_local(DIM_SITES)
            } else {
                h.clone()
            };
            let connected = connected_per_sample(&counted, &configs);
            rows.push((*name, h, model, configs, connected, Vec::new()));
        }
        let mut out = vec![Complex64::new(0.0, 0.0); SAMPLES];
        let mut ratios = Vec::new();
        for _ in 0..repeats {
            for (_, h, model, configs, connected, times) in rows.iter_mut() {
                let t = cpu_time(|| {
                    local_energies(model, h, configs, &mut out).expect("local energies")
                });
                times.push(t / (SAMPLES as f64 * *connected));
            }
            let per_conn = |r: usize| rows[r].5[rows[r].5.len() - 1];
            ratios.push(per_conn(2) / per_conn(0));
        }
        for (r, (name, _, _, _, connected, times)) in rows.iter().enumerate() {
            let per_conn = median(times.clone());
            let ratio = if r == 2 {
                format!("{:.2}x", median(ratios.clone()))
            } else {
                String::new()
            };
            println!(
                "{:<24} {:>6} {:>11.2} {:>13.1} {:>12.0} {:>9}",
                name,
                hidden,
                connected,
                per_conn * connected * 1e6,
                per_conn * 1e9,
                ratio
            );
        }
    }
    set_num_threads(threads).expect("the thread count as it was");
}
