//! The heads' kernels: the ln conditionals of a pass's rows, and for rows evaluated one
//! position at a time (the linear gated cell's local energies) logits as dot products and
//! the probability of one value.

use super::activations::{exp, ln, sigmoid, Arithmetic};
use super::dispatch::dispatched;
use super::gemm::gemm;
use super::real::Real;
use super::small_k::tile_columns;

/// The most weights (k x d) a head transposes on the stack for its dot products.
const STACK_HEAD: usize = 1024;

/// `out[rows x d] = bias + x[rows x k] w[k x d]` (`w` row-major, as the parameter layout
/// keeps it, `d = bias.len()`): a pass's head logits. A head narrower than a register tile
/// (d = 2 for spin 1/2) takes dot products with `w`'s columns, transposed here on each call
/// ([`head_logits`]): the general product packed both operands on every call, which cost a
/// tenth of a 10x10 symmetric step for 2% of its arithmetic. Which way depends on k and d
/// only, so a row's logits are the same in a batch of any size.
pub(crate) fn head_affine<F: Real>(rows: usize, x: &[F], w: &[F], bias: &[F], out: &mut [F]) {
    let d = bias.len();
    let k = w.len() / d.max(1);
    let (x, out) = (&x[..rows * k], &mut out[..rows * d]);
    if d < tile_columns::<F>() && k * d <= STACK_HEAD {
        let mut wt = [F::ZERO; STACK_HEAD];
        for (p, w_row) in w.chunks_exact(d).enumerate() {
            for (v, &w) in w_row.iter().enumerate() {
                wt[v * k + p] = w;
            }
        }
        head_logits(x, &wt[..k * d], bias, out);
        return;
    }
    for row in out.chunks_exact_mut(d) {
        row.copy_from_slice(bias);
    }
    gemm(rows, k, d, x, w, F::ONE, out);
}

/// `out[r, v] = bias[v] + x[r] . wt[v]` for the rows `x[r]` of `x` (`[rows x k]`), `wt` the
/// `[d x k]` weight transposed, `d = bias.len()`: a head's logits as dot products that
/// vectorise (eight partial sums).
#[inline(always)]
pub(super) fn head_logits_body<F: Real>(x: &[F], wt: &[F], bias: &[F], out: &mut [F]) {
    let d = bias.len();
    let k = wt.len() / d;
    for (x, out) in x.chunks_exact(k).zip(out.chunks_exact_mut(d)) {
        for ((o, w), &b) in out.iter_mut().zip(wt.chunks_exact(k)).zip(bias) {
            let mut acc = [F::ZERO; 8];
            let (xc, xr) = x.split_at(k - k % 8);
            let (wc, wr) = w.split_at(k - k % 8);
            for (xs, ws) in xc.chunks_exact(8).zip(wc.chunks_exact(8)) {
                for i in 0..8 {
                    acc[i] += xs[i] * ws[i];
                }
            }
            let mut sum =
                ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
            for (xv, wv) in xr.iter().zip(wr) {
                sum += *xv * *wv;
            }
            *o = b + sum;
        }
    }
}

dispatched! {
    /// See [`head_logits_body`].
    fn head_logits(x: &[F], wt: &[F], bias: &[F], out: &mut [F]) => head_logits_body
}

/// `out[r]` = the softmax probability of `values[r]` among the values `feasible[r]` (an
/// inclusive range; 0 if the value is not in it) of the logits `logits[r]` (`[rows x d]`,
/// `rows = out.len()`), with the vectorised exp: what the linear cell's local energies
/// multiply up instead of adding logarithms.
#[inline(always)]
pub(super) fn softmax_probabilities_body<A: Arithmetic, F: Real>(
    logits: &[F],
    feasible: &[(u32, u32)],
    values: &[u8],
    out: &mut [F],
) {
    let d = logits.len() / out.len().max(1);
    for (((o, logits), &(lo, hi)), &value) in out
        .iter_mut()
        .zip(logits.chunks_exact(d))
        .zip(feasible)
        .zip(values)
    {
        let (lo, hi, value) = (lo as usize, hi as usize, value as usize);
        if value < lo || value > hi || hi >= d {
            *o = F::ZERO;
            continue;
        }
        let feasible = &logits[lo..=hi];
        let max = feasible
            .iter()
            .copied()
            .fold(F::NEG_INFINITY, |m, x| if x > m { x } else { m });
        let (mut sum, mut own) = (F::ZERO, F::ZERO);
        for (v, &l) in (lo..).zip(feasible) {
            let e = exp::<A, F>(l - max);
            sum += e;
            if v == value {
                own = e;
            }
        }
        *o = own / sum;
    }
}

dispatched! {
    /// See [`softmax_probabilities_body`].
    fn softmax_probabilities(
        logits: &[F],
        feasible: &[(u32, u32)],
        values: &[u8],
        out: &mut [F],
    ) => softmax_probabilities_body::<Arithmetic>
}

/// [`softmax_probabilities_body`] for two values from their logits' difference
/// `differences[r]` = logit 1 - logit 0: sigmoid(+-difference), one dot product per row in
/// the head instead of two.
#[inline(always)]
pub(super) fn two_value_probabilities_body<A: Arithmetic, F: Real>(
    differences: &[F],
    feasible: &[(u32, u32)],
    values: &[u8],
    out: &mut [F],
) {
    for (((o, &difference), &(lo, hi)), &value) in
        out.iter_mut().zip(differences).zip(feasible).zip(values)
    {
        let (lo, hi) = (lo as u8, hi.min(1) as u8);
        *o = if value < lo || value > hi {
            F::ZERO
        } else if lo == hi {
            F::ONE
        } else if value == 1 {
            sigmoid::<A, F>(difference)
        } else {
            sigmoid::<A, F>(-difference)
        };
    }
}

dispatched! {
    /// See [`two_value_probabilities_body`].
    fn two_value_probabilities(
        differences: &[F],
        feasible: &[(u32, u32)],
        values: &[u8],
        out: &mut [F],
    ) => two_value_probabilities_body::<Arithmetic>
}

/// Each row of `logits` (`[rows x d]`) less the ln of its sum of exponentials, into `out`:
/// the ln softmax over all `d` values (the pass's conditionals without a U(1) constraint),
/// with the vectorised exp and ln instead of libm's calls. A row whose logits are all -inf
/// gets -inf everywhere; NaN or +inf logits give NaN (the whole row).
#[inline(always)]
pub(super) fn log_softmax_body<A: Arithmetic, F: Real>(logits: &[F], d: usize, out: &mut [F]) {
    // Two values (spins) with the row length known, so that the loop over rows vectorises.
    if d == 2 {
        let rows = logits.len() / 2;
        let (logits, out) = (&logits[..2 * rows], &mut out[..2 * rows]);
        for i in 0..rows {
            let pair = [logits[2 * i], logits[2 * i + 1]];
            let mut row = [F::ZERO; 2];
            log_softmax_row::<A, F>(&pair, &mut row);
            out[2 * i] = row[0];
            out[2 * i + 1] = row[1];
        }
    } else {
        for (logits, out) in logits.chunks_exact(d).zip(out.chunks_exact_mut(d)) {
            log_softmax_row::<A, F>(logits, out);
        }
    }
}

/// One row of [`log_softmax_body`] (a function, not a closure, so that it is inlined into
/// the instruction set's variant). Branch-free, so that the loop over rows vectorises: a row
/// with nothing possible computes NaN and then takes its fill by a select.
#[inline(always)]
fn log_softmax_row<A: Arithmetic, F: Real>(logits: &[F], out: &mut [F]) {
    let max = logits
        .iter()
        .fold(F::NEG_INFINITY, |m, &x| if x > m { x } else { m });
    let mut sum = F::ZERO;
    for &x in logits {
        sum += exp::<A, F>(x - max);
    }
    let lse = max + F::from_f64(ln(sum.to_f64()));
    // Every logit -inf (nothing possible) or NaN (an overflowed pass): the NaN must reach
    // the checks downstream, not read as "ruled out".
    #[allow(clippy::eq_op)]
    let nan = logits.iter().fold(false, |any, &x| any | (x != x));
    let fill = if nan {
        F::from_f64(f64::NAN)
    } else {
        F::NEG_INFINITY
    };
    let nothing = max == F::NEG_INFINITY;
    for (o, &x) in out.iter_mut().zip(logits) {
        *o = if nothing { fill } else { x - lse };
    }
}

dispatched! {
    /// See [`log_softmax_body`].
    fn log_softmax(logits: &[F], d: usize, out: &mut [F]) => log_softmax_body::<Arithmetic>
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values<F: Real>(len: usize, scale: f64) -> Vec<F> {
        (0..len)
            .map(|i| F::from_f64(scale * ((i as f64) * 0.37 + 0.1).sin()))
            .collect()
    }

    /// Logits by both ways (dot products below a tile and within the stack buffer, the
    /// general product otherwise) against sums in f64, each row the same as alone.
    fn check<F: Real>(tolerance: f64) {
        let rows = 13;
        for (k, d) in [
            (32, 2),
            (5, 3),
            (32, 7),
            (32, 8),
            (40, 15),
            (32, 16),
            (17, 40),
            (300, 4),
        ] {
            let (x, w, bias) = (
                values::<F>(rows * k, 1.0),
                values::<F>(k * d, 0.5),
                values::<F>(d, 2.0),
            );
            let mut out = vec![F::from_f64(f64::NAN); rows * d];
            head_affine(rows, &x, &w, &bias, &mut out);
            for r in 0..rows {
                for v in 0..d {
                    let terms = (0..k).map(|p| x[r * k + p].to_f64() * w[p * d + v].to_f64());
                    let exact = bias[v].to_f64() + terms.clone().sum::<f64>();
                    let scale = bias[v].to_f64().abs() + terms.map(f64::abs).sum::<f64>();
                    let got = out[r * d + v].to_f64();
                    assert!(
                        (got - exact).abs() <= tolerance * (k + 1) as f64 * scale,
                        "k {k} d {d} ({r}, {v}): {got} against {exact}"
                    );
                }
                let mut alone = vec![F::ZERO; d];
                head_affine(1, &x[r * k..(r + 1) * k], &w, &bias, &mut alone);
                assert_eq!(alone, out[r * d..(r + 1) * d], "k {k} d {d} row {r} alone");
            }
        }
    }

    #[test]
    fn head_logits_match_f64_sums_and_rows_do_not_depend_on_the_batch() {
        check::<f64>(f64::EPSILON);
        check::<f32>(f32::EPSILON as f64);
    }
}
