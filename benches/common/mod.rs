//! A lean benchmark harness: the median of repeated timings, printed as a table. Speed is
//! reported as ratios measured in the same run, because this machine is shared and noisy.
#![allow(dead_code)]

use std::time::Instant;

/// The median of `values`.
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap());
    values[values.len() / 2]
}

/// What a bench times with: wall seconds, or CPU seconds of the process (all its threads),
/// which load on a shared machine disturbs far less.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Clock {
    Wall,
    Cpu,
}

impl Clock {
    /// Seconds of one run of `f` on this clock.
    pub fn time(self, f: impl FnOnce()) -> f64 {
        match self {
            Clock::Wall => seconds(f),
            Clock::Cpu => cpu_time(f),
        }
    }
}

/// Seconds of one run of `f`.
pub fn seconds(f: impl FnOnce()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64()
}

/// Products `[m x k] * [k x n]` through `matrixmultiply`, `threads` threads each running
/// `reps` of its own at once (the way the engine splits a batch). Returns GFLOP/s of one run.
pub struct GemmCeiling {
    m: usize,
    k: usize,
    n: usize,
    a: Vec<f64>,
    b: Vec<f64>,
    /// sgemm on f32 copies instead of dgemm (the ceiling of an f32 pass).
    single: Option<(Vec<f32>, Vec<f32>)>,
}

impl GemmCeiling {
    pub fn new(m: usize, k: usize, n: usize) -> Self {
        GemmCeiling {
            m,
            k,
            n,
            a: vec![0.5; m * k],
            b: vec![0.25; k * n],
            single: None,
        }
    }

    /// The same shape in f32, through sgemm.
    pub fn new_f32(m: usize, k: usize, n: usize) -> Self {
        GemmCeiling {
            single: Some((vec![0.5; m * k], vec![0.25; k * n])),
            ..Self::new(m, k, n)
        }
    }

    /// GFLOP/s of `threads` threads doing about 1e8 flops each.
    pub fn measure(&self, threads: usize) -> f64 {
        self.measure_on(threads, Clock::Wall)
    }

    /// [`GemmCeiling::measure`] on `clock`: with [`Clock::Cpu`], flops per CPU second of the
    /// process (all its threads).
    pub fn measure_on(&self, threads: usize, clock: Clock) -> f64 {
        let (m, k, n) = (self.m, self.k, self.n);
        let reps = (1e8 / (2.0 * (m * k * n) as f64)).ceil() as usize;
        let t = clock.time(|| {
            std::thread::scope(|s| {
                for _ in 0..threads {
                    s.spawn(|| {
                        if let Some((a, b)) = &self.single {
                            let mut c = vec![0.0f32; m * n];
                            for _ in 0..reps {
                                // SAFETY: as for dgemm below.
                                unsafe {
                                    matrixmultiply::sgemm(
                                        m,
                                        k,
                                        n,
                                        1.0,
                                        a.as_ptr(),
                                        k as isize,
                                        1,
                                        b.as_ptr(),
                                        n as isize,
                                        1,
                                        0.0,
                                        c.as_mut_ptr(),
                                        n as isize,
                                        1,
                                    );
                                }
                            }
                            std::hint::black_box(&c);
                            return;
                        }
                        let mut c = vec![0.0; m * n];
                        for _ in 0..reps {
                            // SAFETY: the three buffers hold exactly the m*k, k*n and m*n
                            // elements the row-major strides reach.
                            unsafe {
                                matrixmultiply::dgemm(
                                    m,
                                    k,
                                    n,
                                    1.0,
                                    self.a.as_ptr(),
                                    k as isize,
                                    1,
                                    self.b.as_ptr(),
                                    n as isize,
                                    1,
                                    0.0,
                                    c.as_mut_ptr(),
                                    n as isize,
                                    1,
                                );
                            }
                        }
                        std::hint::black_box(&c);
                    });
                }
            })
        });
        (threads * reps) as f64 * 2.0 * (m * k * n) as f64 / t / 1e9
    }
}

/// CPU seconds of the process so far, all its threads (`CLOCK_PROCESS_CPUTIME_ID`, the clock
/// of Python's `time.process_time`): on a shared machine, what a call costs whatever else runs.
pub fn cpu_seconds() -> f64 {
    #[repr(C)]
    struct Timespec {
        seconds: i64,
        nanoseconds: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, out: *mut Timespec) -> i32;
    }
    const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
    let mut t = Timespec {
        seconds: 0,
        nanoseconds: 0,
    };
    // SAFETY: Linux's clock_gettime writes one timespec (two 64-bit fields on x86-64 and
    // aarch64) to a valid pointer, and reads nothing else.
    let status = unsafe { clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    assert_eq!(status, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID)");
    t.seconds as f64 + t.nanoseconds as f64 * 1e-9
}

/// Median CPU seconds (all threads, [`cpu_seconds`]) and median wall seconds of `repeats`
/// runs of `f`, after one untimed run.
pub fn cpu_and_wall(repeats: usize, mut f: impl FnMut()) -> (f64, f64) {
    f();
    let (cpu, wall) = (0..repeats)
        .map(|_| {
            let c = cpu_seconds();
            let w = seconds(&mut f);
            (cpu_seconds() - c, w)
        })
        .unzip();
    (median(cpu), median(wall))
}

/// CPU seconds of one run of `f` (every thread of the process).
pub fn cpu_time(f: impl FnOnce()) -> f64 {
    let start = cpu_seconds();
    f();
    cpu_seconds() - start
}

/// The 2D recipe's model on an `l x l` open grid (GRU, Marshall sign, S^z = 0, the D4
/// images, seed 1), for the benches that time its step.
pub fn recipe_model(l: u32, hidden: u32, precision: rnnwf::Precision) -> rnnwf::Model {
    use rnnwf::{CellKind, ModelConfig, SignRule, Symmetry};
    rnnwf::Model::new(
        ModelConfig::default()
            .with_cell(CellKind::Gru)
            .with_lx(l)
            .with_ly(l)
            .with_hidden(hidden)
            .with_precision(precision)
            .with_sign_rule(SignRule::Marshall)
            .with_u1_total(Some(l * l / 2))
            .with_symmetry(Symmetry::Lattice)
            .with_seed(1),
    )
    .unwrap()
}
