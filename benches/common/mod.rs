//! A lean benchmark harness: the median of repeated timings, printed as a table. Speed is
//! reported as ratios measured in the same run, because this machine is shared and noisy.
#![allow(dead_code)]

use std::time::Instant;

/// The median of `values`.
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap());
    values[values.len() / 2]
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
        let (m, k, n) = (self.m, self.k, self.n);
        let reps = (1e8 / (2.0 * (m * k * n) as f64)).ceil() as usize;
        let t = seconds(|| {
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

/// CPU seconds this process has run on all its threads, from the kernel's per-thread
/// scheduler counters (nanoseconds): on a loaded machine, the cost of a call is its CPU
/// time, not its wall time. Linux only.
pub fn cpu_seconds() -> f64 {
    let tasks = std::fs::read_dir("/proc/self/task").expect("/proc/self/task (Linux)");
    let nanos: u64 = tasks
        .map(|task| {
            let path = task.expect("a task entry").path().join("schedstat");
            let text = std::fs::read_to_string(path).unwrap_or_default();
            text.split_whitespace()
                .next()
                .and_then(|t| t.parse().ok())
                .unwrap_or(0)
        })
        .sum();
    nanos as f64 * 1e-9
}

/// CPU seconds of one run of `f` (every thread of the process).
pub fn cpu_time(f: impl FnOnce()) -> f64 {
    let start = cpu_seconds();
    f();
    cpu_seconds() - start
}
