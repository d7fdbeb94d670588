//! A lean benchmark harness: the median of repeated timings, printed as a table. Speed is
//! reported as ratios measured in the same run, because this machine is shared and noisy.
#![allow(dead_code)]

use std::time::Instant;

/// Median wall time in seconds of `repeats` runs of `f`, after one warm-up run.
pub fn median_seconds(repeats: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut times: Vec<f64> = (0..repeats)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    times[times.len() / 2]
}

/// GFLOP/s that `matrixmultiply` reaches on `[m x k] * [k x n]` with `threads` threads each
/// running its own products at once (the way the engine splits a batch).
pub fn gemm_ceiling_gflops(m: usize, k: usize, n: usize, threads: usize) -> f64 {
    let a = vec![0.5; m * k];
    let b = vec![0.25; k * n];
    let reps = (2e8 / (2.0 * (m * k * n) as f64)).ceil() as usize;
    let seconds = median_seconds(5, || {
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| {
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
                });
            }
        })
    });
    (threads * reps) as f64 * 2.0 * (m * k * n) as f64 / seconds / 1e9
}
